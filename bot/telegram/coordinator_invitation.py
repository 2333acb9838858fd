"""A coordinator invitation opened in the bot (``/start C...``, made on the dashboard's
invitations page): the person becomes a coordinator of that place, besides the places they
already have, and hears that /dashboard gives them a login link.

bot/telegram/buddy.py opens the invitation (single use; an expired, revoked or used one
gets the usual "this link does not work"); bot/app.py wires this in as its
``on_coordinator``. The texts are the invitations page's, under ``bot``
(bot/content/dashboard/uitnodigingen.yml).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Bot

from bot.content import load_dashboard_texts

logger = logging.getLogger(__name__)


class CoordinatorInvitations:
    def __init__(self, coordinators: Any, towns: dict[str, str]) -> None:
        self.coordinators = coordinators  # bot/store/coordinators.py
        self.towns = towns  # place id -> its town
        self.texts: dict[str, str] = load_dashboard_texts()["uitnodigingen"]["bot"]

    async def opened(self, bot: Bot, telegram_id: int, place: str) -> None:
        """Make them a coordinator of ``place`` (an admin stays an admin) and say so."""
        await asyncio.to_thread(self.coordinators.add_place, telegram_id, place)
        logger.info("A coordinator invitation made a coordinator of %s", place)
        town = self.towns.get(place, place)
        await bot.send_message(telegram_id, self.texts["welcome"].format(plaats=town))
