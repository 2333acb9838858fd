"""The delivery layer's outbound half: sending what the outbox holds.

Each kind of message (a reminder now, buddies' prompts later) registers how to make its
replies when it is sent (so no text waits in the database) and what to record once it went.
Transient failures (the network, a timeout, a 5xx, a 429) are tried again with a growing
pause until the message's deadline; a permanent one (blocked by the learner, chat not
found, a refused request) is marked failed with the error's type. Nothing goes out in quiet
hours. Logs carry the outbox id, the kind and the error type: no text, no learner.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta, timezone, tzinfo

from telegram import Bot
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter

from bot.store.appointments import to_utc_naive
from bot.store.outbox import Claimed, Outbox
from bot.telegram.replies import Listener, Replier, Reply

logger = logging.getLogger(__name__)

Make = Callable[[Claimed, datetime], Awaitable[tuple[list[Reply], Listener] | None]]
Sent = Callable[[Claimed], Awaitable[None]]
FIRST_PAUSE = 5.0  # seconds before the first retry; doubled each time
LONGEST_PAUSE = 600.0
PUMP_SECONDS = 5.0  # the pump looks this often even when nobody woke it
CHATS_AT_ONCE = 8  # chats sent to at once (each chat's messages in order); the rate
# limiter paces them to Telegram's limits
CLAIM = 50


def in_quiet_hours(now: datetime, hours: tuple[time, time], tz: tzinfo) -> bool:
    """Is ``now`` in [start, end) local time? The hours may cross midnight (21:00-08:00)."""
    start, end = hours
    local = now.astimezone(tz).time()
    if start == end:
        return False
    return start <= local < end if start < end else local >= start or local < end


class OutboxSender:
    def __init__(
        self, outbox: Outbox, replier: Replier, quiet_hours: tuple[time, time], tz: tzinfo
    ) -> None:
        self.outbox = outbox
        self.replier = replier
        self.quiet_hours = quiet_hours
        self.tz = tz
        self._kinds: dict[str, tuple[Make, Sent]] = {}
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def register(self, kind: str, make: Make, sent: Sent) -> None:
        self._kinds[kind] = (make, sent)

    def wake(self) -> None:
        """Something was queued: the pump sends it now instead of at its next look. Safe
        from a worker thread too ("vergeet mij" erases off the event loop)."""
        if self._wake is None or self._loop is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._wake.set()
        else:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def pump(self, bot: Bot, interval: float = PUMP_SECONDS) -> None:
        """Send what is due whenever woken, and every ``interval`` seconds (what waited for
        the morning, a retry's pause, a crash's leftovers); runs until cancelled."""
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        while True:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), interval)
            self._wake.clear()
            try:
                await self.run(bot)
            except Exception as error:  # never let the pump die: the next look tries again
                logger.warning("Outbox pump: %s", type(error).__name__)

    async def run(self, bot: Bot, now: datetime | None = None) -> int:
        """Send every message that is due (not in quiet hours); returns how many went."""
        current = now or datetime.now(timezone.utc)
        sent = 0
        while not in_quiet_hours(current, self.quiet_hours, self.tz):
            try:
                claimed = await asyncio.to_thread(self.outbox.claim, to_utc_naive(current), CLAIM)
            except Exception as error:
                logger.warning("Could not read the outbox: %s", type(error).__name__)
                return sent
            sent += await self._send_all(bot, claimed, current)
            if len(claimed) < CLAIM or now is not None:
                break
            current = datetime.now(timezone.utc)
        return sent

    async def _send_all(self, bot: Bot, claimed: list[Claimed], now: datetime) -> int:
        """Several chats at once, each chat's messages in their order."""
        chats: dict[int, list[Claimed]] = {}
        for item in claimed:
            chats.setdefault(item.chat_id, []).append(item)
        gate = asyncio.Semaphore(CHATS_AT_ONCE)

        async def one_chat(items: list[Claimed]) -> int:
            async with gate:
                return sum([await self._send(bot, item, now) for item in items])

        return sum(await asyncio.gather(*(one_chat(items) for items in chats.values())))

    async def _send(self, bot: Bot, item: Claimed, now: datetime) -> int:
        make, done = self._kinds.get(item.kind, (None, None))
        if make is None or done is None:
            await asyncio.to_thread(self.outbox.failed, item.id, "unknown kind")
            return 0
        try:
            made = await make(item, now)
            if made is None:
                await asyncio.to_thread(self.outbox.failed, item.id, "no longer needed")
                return 0
            replies, listener = made

            async def part_sent(_index: int) -> None:
                await asyncio.to_thread(self.outbox.part_sent, item.id)

            await self.replier.send(
                bot, item.chat_id, replies, listener, replay=False,
                start=item.parts_sent, on_sent=part_sent,
            )  # fmt: skip
            await asyncio.to_thread(self.outbox.sent, item.id)
            await done(item)
            return 1
        except (Forbidden, BadRequest, InvalidToken) as error:
            await asyncio.to_thread(self.outbox.failed, item.id, type(error).__name__)
            logger.warning("Outbox %s (%s) failed for good: %s", item.id, item.kind,
                           type(error).__name__)  # fmt: skip
        except Exception as error:  # the network, 5xx, 429, the database: try again later
            pause = _pause(error, item.attempts)
            again = await asyncio.to_thread(
                self.outbox.later, item.id, type(error).__name__,
                to_utc_naive(now) + timedelta(seconds=pause), item.deadline,
            )  # fmt: skip
            logger.warning("Outbox %s (%s) not sent (%s); %s", item.id, item.kind,
                           type(error).__name__,
                           f"again in {pause:.0f} s" if again else "past its deadline")  # fmt: skip
        return 0


def _pause(error: Exception, attempts: int) -> float:
    if isinstance(error, RetryAfter):
        after = error.retry_after
        return float(after.total_seconds() if isinstance(after, timedelta) else after)
    if not isinstance(error, NetworkError):
        return LONGEST_PAUSE / 4
    return min(FIRST_PAUSE * 2 ** max(attempts - 1, 0), LONGEST_PAUSE)
