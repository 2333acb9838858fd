"""Concurrent update processing that keeps each chat's messages in order.

Many learners are served at once, but one learner's messages are handled one after the
other: a Rasa turn must see the previous turn stored before it starts.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def chat_key(update: object) -> int | None:
    if isinstance(update, Update):
        if update.effective_chat:
            return update.effective_chat.id
        if update.effective_user:
            return update.effective_user.id
    return None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Up to ``max_concurrent_updates`` at once, strictly first-in-first-out per chat."""

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self._arrived: dict[int, float] = {}

    def arrival(self, update: Update) -> float:
        """When the update arrived (monotonic), before it waited for its chat's turn.

        A double tap is judged by arrival: the second tap may wait behind a slow first turn.
        """
        return self._arrived.get(update.update_id, time.monotonic())

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        if key is None:
            await coroutine
            return
        assert isinstance(update, Update)
        self._arrived[update.update_id] = time.monotonic()
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._arrived.pop(update.update_id, None)
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""
