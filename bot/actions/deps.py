"""What the actions may use, handed in by the composition root.

The store calls actions make are single-row reads and writes (well under a millisecond on
SQLite or PostgreSQL); they run inline, because handing them to a thread costs more (the
worker has to win the GIL back from the busy event loop).
"""

from __future__ import annotations

from dataclasses import dataclass

from rasa_sdk import Tracker

from bot.practice.service import Practice
from bot.store.repositories import Analytics, Users
from bot.tone.profiles import Profiles

# A custom response the dialogue layer acts on and never shows to the learner.
CONTROL_KEY = "taalmaatje"


@dataclass(frozen=True)
class ActionDeps:
    users: Users
    analytics: Analytics
    practice: Practice
    profiles: Profiles


def telegram_id(tracker: Tracker) -> int | None:
    """The learner's Telegram id: the conversation id the channel adapter uses."""
    try:
        return int(tracker.sender_id)
    except (TypeError, ValueError):
        return None
