"""What the actions may use, handed in by the composition root."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker

from bot.store.repositories import Analytics, Users

# A custom response the dialogue layer acts on and never shows to the learner.
CONTROL_KEY = "taalmaatje"


@dataclass(frozen=True)
class ActionDeps:
    users: Users
    analytics: Analytics


def telegram_id(tracker: Tracker) -> int | None:
    """The learner's Telegram id: the conversation id the channel adapter uses."""
    try:
        return int(tracker.sender_id)
    except (TypeError, ValueError):
        return None


async def off_loop(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a blocking store call in a thread so the event loop keeps serving others."""
    return await asyncio.to_thread(function, *args, **kwargs)
