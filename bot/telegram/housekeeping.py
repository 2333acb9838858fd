"""Housekeeping on python-telegram-bot's JobQueue: the daily retention purge, and the
dashboard's weekly roll-ups every few minutes.

The purge is plain SQL run in a worker thread, so the event loop keeps answering learners
while it runs. With several workers each runs it; the rules are idempotent deletes, so a
second run the same day finds nothing left to do.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone

from telegram.ext import Application, ContextTypes, Job

from bot.store.retention import Retention
from bot.store.stats import Stats

logger = logging.getLogger(__name__)

DAILY = 86400.0  # seconds between purges: the rules count in days
FIRST_RUN = 60.0  # seconds after the start: after the bot is answering, but the same day


class RetentionJob:
    """One purge as of now; call it from the JobQueue or directly (with a fixed ``now``)."""

    def __init__(self, retention: Retention) -> None:
        self.retention = retention

    async def __call__(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.run()

    async def run(self, now: datetime | None = None) -> dict[str, int] | None:
        """The counts per rule, or None when the purge failed. Never raises: the error's
        type is logged (never its message, which could quote a learner's text) and the next
        day's run tries again."""
        try:
            return await asyncio.to_thread(self.retention.purge, now or datetime.now(timezone.utc))
        except Exception as exc:
            logger.warning("The retention purge failed: %s", type(exc).__name__)
            return None


def schedule_retention(
    application: Application,
    retention: Retention,
    interval: float = DAILY,
    first: float = FIRST_RUN,
) -> Job:
    """Run the retention purge every ``interval`` seconds, the first ``first`` seconds on."""
    if application.job_queue is None:  # pragma: no cover - the job-queue extra is installed
        raise RuntimeError("python-telegram-bot's job queue is not installed")
    return application.job_queue.run_repeating(
        RetentionJob(retention), interval=interval, first=first, name="retention"
    )


ROLLUP_EVERY = 300.0  # seconds: the dashboard's figures are at most five minutes old
ROLLUP_FIRST = 10.0


class RollupJob:
    """Roll the statistics up (bot/store/stats.py) in a worker thread; never raises."""

    def __init__(self, stats: Stats) -> None:
        self.stats = stats

    async def __call__(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            done = await asyncio.to_thread(self.stats.refresh)
        except Exception as exc:
            logger.warning("The statistics roll-up failed: %s", type(exc).__name__)
            return
        logger.debug("Statistics rolled up: %d weeks in %.2f s", done.weeks, done.seconds)


def schedule_rollup(application: Application, stats: Stats) -> Job:
    if application.job_queue is None:  # pragma: no cover - the job-queue extra is installed
        raise RuntimeError("python-telegram-bot's job queue is not installed")
    return application.job_queue.run_repeating(
        RollupJob(stats), interval=ROLLUP_EVERY, first=ROLLUP_FIRST, name="rollup"
    )
