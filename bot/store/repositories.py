"""Small repositories: one method per query the bot needs, each in its own short session.

Calls are synchronous (SQLAlchemy 1.4); async callers run them with asyncio.to_thread.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.store.models import (
    CLARIFICATION_KINDS,
    CLARIFICATION_OUTCOMES,
    TAALHUIS_EVENTS,
    AnalyticsEvent,
    ClarificationEvent,
    TaalhuisEvent,
    User,
    VoiceClip,
    utcnow,
)
from bot.store.stats import Stats


@dataclass(frozen=True)
class UserPrefs:
    """What the channel adapter needs to know about a learner on every turn."""

    telegram_id: int
    role: str
    profile: str
    voice_on: bool
    privacy_seen: bool
    intake_done: bool


class Users:
    """Learners and their preferences, looked up by Telegram id."""

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    def get(self, telegram_id: int) -> UserPrefs | None:
        """The learner's preferences, or None when we have never stored them.

        Read on every turn, so a plain row read rather than an ORM object.
        """
        table = User.__table__
        query = select(
            table.c.telegram_id, table.c.role, table.c.profile, table.c.voice_on,
            table.c.privacy_seen, table.c.intake_done,
        ).where(table.c.telegram_id == telegram_id)  # fmt: skip
        with self._sessions() as session:
            row = session.execute(query).first()
        return UserPrefs(*row) if row else None

    def get_or_create(self, telegram_id: int) -> UserPrefs:
        """The learner's preferences; a first contact gets the defaults stored."""
        found = self.get(telegram_id)
        if found:
            return found
        try:
            with self._sessions.begin() as session:
                session.add(User(telegram_id=telegram_id))
        except IntegrityError:  # another worker stored the same learner a moment ago
            pass
        found = self.get(telegram_id)
        assert found is not None
        return found

    def set_flags(self, telegram_id: int, **flags: bool | str) -> None:
        """Change preference flags (voice_on, privacy_seen, profile, ...) of a stored learner."""
        self.get_or_create(telegram_id)
        with self._sessions.begin() as session:
            session.execute(update(User).where(User.telegram_id == telegram_id).values(**flags))

    def wants_reminders(self, telegram_id: int) -> bool:
        """Did the learner say yes to appointment reminders? (No row: no.)"""
        query = select(User.reminders_opt_in).where(User.telegram_id == telegram_id)
        with self._sessions() as session:
            return bool(session.scalar(query))

    def delete(self, telegram_id: int) -> bool:
        """Erase the learner's row; True when there was one."""
        with self._sessions.begin() as session:
            result = session.execute(delete(User).where(User.telegram_id == telegram_id))
            return bool(result.rowcount)


class VoiceClips:
    """The index of rendered voice notes and their Telegram file_ids."""

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    def get(self, key: str) -> VoiceClip | None:
        with self._sessions() as session:
            return session.get(VoiceClip, key)

    def put(self, key: str, engine: str, path: str, duration: float) -> None:
        """Record a rendered clip (a second render of the same key replaces the first)."""
        with self._sessions.begin() as session:
            session.merge(VoiceClip(key=key, engine=engine, path=path, duration=duration))

    def set_file_id(self, key: str, file_id: str) -> None:
        with self._sessions.begin() as session:
            session.execute(
                update(VoiceClip).where(VoiceClip.key == key).values(telegram_file_id=file_id)
            )


class Analytics:
    """The pseudonymised event log behind the coordinators' statistics."""

    def __init__(self, sessions: sessionmaker, secret: str) -> None:
        self._sessions = sessions
        self._secret = secret.encode()
        self.stats = Stats(sessions)

    def pseudonym(self, sender_id: str | int) -> str:
        """A stable key per learner that cannot be turned back into a Telegram id."""
        digest = hmac.new(self._secret, str(sender_id).encode(), hashlib.sha256)
        return digest.hexdigest()[:32]

    def insert_rows(
        self,
        connection: Connection,
        rows: Iterable[tuple[str | int, str | None, float | None, str | None]],
    ) -> None:
        """Insert (sender, intent, confidence, action) rows on an open connection, in one go.

        The tracker store calls this inside its own transaction; the sender is pseudonymised
        here, so no Telegram id ever reaches the table.
        """
        values = [
            {
                "user_key": self.pseudonym(sender),
                "intent": intent,
                "confidence": confidence,
                "action": action,
                "created_at": utcnow(),
            }
            for sender, intent, confidence, action in rows
        ]
        if values:
            connection.execute(AnalyticsEvent.__table__.insert(), values)
            for key in {value["user_key"] for value in values}:
                self.stats.started(key, session=connection)

    def record(
        self, rows: Iterable[tuple[str | int, str | None, float | None, str | None]]
    ) -> None:
        """Store rows in their own transaction."""
        with self._sessions.begin() as session:
            self.insert_rows(session.connection(), rows)

    def count_turns(self, sender_id: str | int | None = None) -> int:
        """How many messages were logged (one row per learner message), for one or all."""
        query = select(func.count(AnalyticsEvent.id))
        if sender_id is not None:
            query = query.where(AnalyticsEvent.user_key == self.pseudonym(sender_id))
        with self._sessions() as session:
            return int(session.scalar(query) or 0)

    def record_taalhuis(
        self,
        sender_id: str | int,
        event: str,
        location_id: str | None = None,
        detail: str | None = None,
    ) -> None:
        """One Taalhuis event (``TAALHUIS_EVENTS``): what was asked or done, never free text."""
        if event not in TAALHUIS_EVENTS:
            raise ValueError(f"unknown Taalhuis event {event!r}")
        if event == "gemaakt":  # the learner's place, unless a buddy's invitation gave one
            self.stats.set_place(self.pseudonym(sender_id), location_id)
        with self._sessions.begin() as session:
            session.execute(
                insert(TaalhuisEvent).values(
                    user_key=self.pseudonym(sender_id),
                    event=event,
                    location_id=location_id,
                    detail=detail,
                    created_at=utcnow(),
                )
            )

    def taalhuis_counts(self) -> dict[tuple[str, str | None], int]:
        """How often each (event, detail) happened, for all learners: the dashboard's view."""
        query = select(TaalhuisEvent.event, TaalhuisEvent.detail, func.count()).group_by(
            TaalhuisEvent.event, TaalhuisEvent.detail
        )
        with self._sessions() as session:
            return {(event, detail): int(n) for event, detail, n in session.execute(query)}

    def record_clarification(self, sender_id: str | int, kind: str, outcome: str) -> None:
        """The bot asked "Bedoel je ...?" (``CLARIFICATION_KINDS``), or how it was answered
        (``CLARIFICATION_OUTCOMES``): never the text."""
        if kind not in CLARIFICATION_KINDS or outcome not in CLARIFICATION_OUTCOMES:
            raise ValueError(f"unknown clarification {kind!r}/{outcome!r}")
        with self._sessions.begin() as session:
            session.execute(
                insert(ClarificationEvent).values(
                    user_key=self.pseudonym(sender_id), kind=kind, outcome=outcome,
                    created_at=utcnow(),
                )
            )  # fmt: skip

    def clarification_counts(self) -> dict[tuple[str, str], int]:
        """How often each (kind, outcome) happened, for all learners."""
        query = select(ClarificationEvent.kind, ClarificationEvent.outcome, func.count()).group_by(
            ClarificationEvent.kind, ClarificationEvent.outcome
        )
        with self._sessions() as session:
            return {(kind, outcome): int(n) for kind, outcome, n in session.execute(query)}

    def set_profile(self, sender_id: str | int, profile: str) -> None:
        """The profile the learner chose: their statistics are grouped by it."""
        self.stats.set_profile(self.pseudonym(sender_id), profile)

    def set_place(self, sender_id: str | int, place: str | None) -> None:
        """The place of the learner's buddy (an invitation): their statistics' place."""
        self.stats.set_place(self.pseudonym(sender_id), place, override=True)

    def delete_for(self, sender_id: str | int) -> int:
        """Erase the learner's dialogue, Taalhuis and clarification statistics ("vergeet mij")."""
        key = self.pseudonym(sender_id)
        with self._sessions.begin() as session:
            result = session.execute(delete(AnalyticsEvent).where(AnalyticsEvent.user_key == key))
            session.execute(delete(TaalhuisEvent).where(TaalhuisEvent.user_key == key))
            session.execute(delete(ClarificationEvent).where(ClarificationEvent.user_key == key))
            deleted = int(result.rowcount or 0)
        self.stats.erase(key)
        return deleted
