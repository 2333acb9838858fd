"""What the actions may use, handed in by the composition root.

The store calls actions make are single-row reads and writes (well under a millisecond on
SQLite or PostgreSQL); they run inline, because handing them to a thread costs more (the
worker has to win the GIL back from the busy event loop).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Tracker

from bot.choices import Vocabulary
from bot.practice.service import Practice
from bot.store.appointments import Appointments
from bot.store.repositories import Analytics, Users
from bot.taalhuis.labels import TaalhuisLabels
from bot.taalhuis.organisation import Organisation
from bot.tone.profiles import Profiles

# A custom response the dialogue layer acts on and never shows to the learner.
CONTROL_KEY = "taalmaatje"


@dataclass(frozen=True)
class ActionDeps:
    users: Users
    analytics: Analytics
    practice: Practice
    profiles: Profiles
    organisation: Organisation
    taalhuis_labels: TaalhuisLabels
    appointments: Appointments
    vocabulary: Vocabulary
    # "Now", as an aware datetime: opening hours are about the real clock; tests set it.
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))
    # bot/store/buddies.py: "wat weet je van mij" names a buddy; None where there are none.
    buddies: Any = None


def telegram_id(tracker: Tracker) -> int | None:
    """The learner's Telegram id: the conversation id the channel adapter uses."""
    try:
        return int(tracker.sender_id)
    except (TypeError, ValueError):
        return None
