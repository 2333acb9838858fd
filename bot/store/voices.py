"""Coordinators' own recordings of fixed learner texts (table ``voice_overrides``).

Keyed by the text's id and the speed ("gewoon", "langzaam"); ``text_hash`` is the hash of
the text as it is spoken, which is how the speech service finds a recording for the text
it is asked to voice (bot/speech/service.py). A recording made for an older wording of a
text is not used for the new one: its hash no longer matches.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import sessionmaker

from bot.speech.text import speakable
from bot.store.models import VoiceOverride, utcnow

SPEEDS = ("gewoon", "langzaam")


def text_hash(text: str) -> str:
    return hashlib.sha256(speakable(text).encode()).hexdigest()


@dataclass(frozen=True)
class OwnVoice:
    text_id: str
    speed: str
    text_hash: str
    path: str  # relative to the audio folder
    duration: float
    file_id: str | None


class VoiceOverrides:
    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    def all(self) -> list[OwnVoice]:
        query = select(
            VoiceOverride.text_id, VoiceOverride.speed, VoiceOverride.text_hash,
            VoiceOverride.path, VoiceOverride.duration, VoiceOverride.telegram_file_id,
        )  # fmt: skip
        with self._sessions() as session:
            return [OwnVoice(*row) for row in session.execute(query)]

    def put(self, text_id: str, speed: str, text: str, path: str, duration: float) -> None:
        """A new recording replaces the old one (and its Telegram file id)."""
        with self._sessions.begin() as session:
            session.execute(
                delete(VoiceOverride).where(
                    VoiceOverride.text_id == text_id, VoiceOverride.speed == speed
                )
            )
            session.add(VoiceOverride(
                text_id=text_id, speed=speed, text_hash=text_hash(text), path=path,
                duration=duration, created_at=utcnow(),
            ))  # fmt: skip

    def remove(self, text_id: str, speed: str) -> str | None:
        """Delete a recording; returns its file's path to remove, or None."""
        where = (VoiceOverride.text_id == text_id) & (VoiceOverride.speed == speed)
        with self._sessions.begin() as session:
            path = session.scalar(select(VoiceOverride.path).where(where))
            session.execute(delete(VoiceOverride).where(where))
        return path

    def set_file_id(self, path: str, file_id: str) -> None:
        with self._sessions.begin() as session:
            session.execute(
                update(VoiceOverride)
                .where(VoiceOverride.path == path)
                .values(telegram_file_id=file_id)
            )
