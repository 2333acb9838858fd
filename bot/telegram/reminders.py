"""Appointment reminders, sent through the durable outbox.

Each run (a repeating job on python-telegram-bot's JobQueue) queues the reminders that are
due in the outbox (once per reminder: the outbox is unique by kind and reference), then
sends what the outbox hands this worker under a lease (``OutboxSender``). A send that fails
for a passing reason (the network, a 5xx, a 429 past its retries) is tried again with a
growing pause until the appointment starts; a permanent one (the learner blocked the bot,
the chat is gone) is marked failed with the reason. A crash between sending and marking
may send one reminder twice; none is lost. In quiet hours nothing goes out: the reminder
waits in the outbox until the morning.

A reminder that fell due while the bot was down is sent at the first run after the start,
as long as the appointment is still ahead (``due_reminders`` leaves out the ones that
passed).

The message is spoken like the channel's other texts (``Replier`` with the learner's sound,
speed and emoji settings), from ``bot/content/channel.yml``: when (today, tomorrow, or a
weekday and date) and where (the location's name, address and town), in Amsterdam time.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone, tzinfo
from typing import Any

from telegram import Bot
from telegram.ext import Application, ContextTypes, Job

from bot.store.appointments import to_utc_naive
from bot.store.outbox import Claimed
from bot.taalhuis.organisation import TIMEZONE, WEEKDAYS, Organisation
from bot.telegram.outbox import OutboxSender
from bot.telegram.replies import Listener, Replier, Reply, listener_for

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL = 60.0  # seconds between runs: reminders are due at 18:00 and 09:00 sharp
FIRST_RUN = 5.0  # seconds after the start: reminders that fell due during downtime go soon
KIND = "reminder"


class ReminderJob:
    """One run queues the due reminders and sends what is due; call it from the JobQueue
    or directly."""

    def __init__(
        self,
        appointments: Any,
        users: Any,
        profiles: Any,
        replier: Replier,
        organisation: Organisation,
        sender: OutboxSender,
        tz: tzinfo = TIMEZONE,
    ) -> None:
        self.appointments = appointments
        self.users = users
        self.profiles = profiles
        self.replier = replier
        self.organisation = organisation
        self.sender = sender
        self.tz = tz
        sender.register(KIND, self._replies, self._sent)

    async def __call__(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.run(context.bot)

    async def run(self, bot: Bot, now: datetime | None = None) -> int:
        """Queue the due reminders and send what the outbox holds; returns how many were
        sent. Never raises: a failing run is logged (without texts, ids of learners or
        tokens) and the next run tries again."""
        current = now or datetime.now(timezone.utc)
        try:
            due = await asyncio.to_thread(self.appointments.due_reminders, current)
            for reminder in due:  # due until the appointment starts (naive UTC, as stored)
                await asyncio.to_thread(
                    self.sender.outbox.enqueue, KIND, reminder.id, reminder.telegram_id,
                    reminder.starts_at, to_utc_naive(current),
                )  # fmt: skip
        except Exception as exc:
            logger.warning("Could not queue the due reminders: %s", type(exc).__name__)
        return await self.sender.run(bot, current)

    async def _replies(self, item: Claimed, now: datetime) -> tuple[list[Reply], Listener] | None:
        """The reminder's message, or None when it is no longer needed (cancelled, passed)."""
        reminder = await asyncio.to_thread(self.appointments.pending_reminder, item.ref, now)
        if reminder is None:
            return None
        listener = await asyncio.to_thread(self._listener, reminder.telegram_id)
        text = self.message(reminder.location_id, reminder.starts_at, now)
        return [Reply(text, [])], listener

    async def _sent(self, item: Claimed) -> None:
        await asyncio.to_thread(self.appointments.mark_sent, item.ref)

    def message(self, location_id: str, starts_at: datetime, now: datetime) -> str:
        """The reminder's text: when, in local time, then where (when the location is known).

        ``starts_at`` and ``now`` are naive UTC (the store's form) or aware."""
        start = _aware(starts_at).astimezone(self.tz)
        days = (start.date() - _aware(now).astimezone(self.tz).date()).days
        texts = self.replier.texts.texts
        day = f"{WEEKDAYS[start.weekday()]} {start.day}-{start.month}"
        values = {"tijd": f"{start:%H:%M}", "dag": day}
        key = {0: "reminder_today", 1: "reminder_day_before"}.get(days, "reminder_later")
        lines = [texts[key].format(**values)]
        location = self.organisation.locations.get(location_id)
        if location is not None:
            lines.append(
                texts["reminder_place"].format(
                    naam=location.name, adres=location.address, plaats=location.town
                )
            )
        return "\n".join(lines)

    def _listener(self, user_id: int) -> Listener:
        return listener_for(self.users, self.profiles, user_id)


def schedule_reminders(
    application: Application, job: ReminderJob, interval: float = DEFAULT_INTERVAL
) -> Job:
    """Run ``job`` every ``interval`` seconds, the first time soon after the start."""
    if application.job_queue is None:  # pragma: no cover - the job-queue extra is installed
        raise RuntimeError("python-telegram-bot's job queue is not installed")
    return application.job_queue.run_repeating(
        job, interval=interval, first=min(interval, FIRST_RUN), name="reminders"
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
