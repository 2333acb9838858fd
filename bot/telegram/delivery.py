"""The delivery layer's inbound half: updates from the inbox to python-telegram-bot.

``receive`` writes a batch of raw updates to the inbox and only then returns, so the poller
may confirm them to Telegram (or the webhook answer 200). Each new row is then parsed and
fed to ``Application.process_update`` through the per-chat update processor, and marked done
when its handler (the turn and its replies) has finished. An update that cannot be parsed
is set aside in quarantine at once; one whose handling raises is tried again, a bounded
number of times, inside its chat's turn, and then set aside with a kind word to the
learner. A process that dies leaves leased rows that are taken over when the lease runs out
(or at once at the next start). Nothing here logs a message's content: only update ids,
kinds and error types.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.store.inbox import KINDS, Inbox, Waiting, storable_id

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
RETRY_DELAY = 0.5  # seconds, times the attempt: a hiccup in the database or the network
SWEEP_SECONDS = 5.0  # how often rows whose lease ran out (a process died) are looked for
# Turns handled at once by this process (other chats wait their turn). A kill can answer a
# message twice only in the moment between Telegram taking a reply and the bot recording
# it; with many turns sharing the event loop that moment grows (measured: 6-10 % of the
# messages in flight answered twice at 30 at once, under 1 % at 2). Against the emulator
# the throughput is the same (the bot is CPU-bound); against Telegram, whose round trip
# dominates, raise it (TAALMAATJE_TURNS_AT_ONCE) for more than ~10 turns a second a process.
TURNS_AT_ONCE = 2
ORDER_WAIT = 0.1  # seconds between looks at an older update of the chat, held elsewhere

Failures = Callable[[int], str | None]
Notify = Callable[[Update], Awaitable[None]]


@dataclass
class Turn:
    """The update being handled, as the channel sees it: a turn that Rasa ran before (a
    crash or a failure came after it) is not run again, and of its replies only those not
    yet sent go out. The writes are inline: a kill in a thread hop's wait would leave the
    turn run, or a reply sent, without its record, and answer it twice."""

    update_id: int
    inbox: Inbox
    replies: list[dict[str, Any]] | None = None
    parts_sent: int = 0

    def keep(self, replies: list[dict[str, Any]]) -> None:
        self.inbox.keep_replies(self.update_id, replies)
        self.replies = replies

    async def sent(self, index: int) -> None:
        self.inbox.part_sent(self.update_id)
        self.parts_sent = index + 1


_TURN: contextvars.ContextVar[Turn | None] = contextvars.ContextVar("turn", default=None)


def current_turn() -> Turn | None:
    """The turn of the update being handled in this task (None outside the inbox)."""
    return _TURN.get()


def answerable(raw: Mapping[str, Any], update: Update) -> bool:
    """What python-telegram-bot reads without checking, as the Bot API promises it: one kind
    per update, a message with its chat, integer ids, and strings where the handlers read
    text. Else the per-chat order (a list as chat id is no key), the handlers and the
    database would fail on it, again and again."""
    if sum(raw.get(kind) is not None for kind in KINDS) > 1:
        return False
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is not None and (message.chat is None or not storable_id(message.message_id)):
        return False
    if not all(holder is None or storable_id(holder.id) for holder in (chat, user)):
        return False
    sticker, contact = getattr(message, "sticker", None), getattr(message, "contact", None)
    query = update.callback_query
    texts = [getattr(message, "text", None), sticker and sticker.emoji]
    texts += [contact and contact.phone_number, query and query.data]
    return all(text is None or isinstance(text, str) for text in texts)


class Delivery:
    def __init__(
        self,
        application: Application,
        inbox: Inbox,
        failure_of: Failures,
        notify: Notify,
        *,
        shared: bool = False,
        max_attempts: int = MAX_ATTEMPTS,
        turns_at_once: int = TURNS_AT_ONCE,
        retry_delay: float = RETRY_DELAY,
    ) -> None:
        """``failure_of(update_id)`` tells (once) whether the handlers raised, as the
        channel's error handler saw it; ``notify`` tells a learner kindly that it failed.
        ``shared``: other processes work on the same inbox (keep per-chat order across them).
        """
        self.application = application
        self.inbox = inbox
        self.failure_of = failure_of
        self.notify = notify
        self.shared = shared
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self._turns = asyncio.Semaphore(max(1, turns_at_once))
        self._busy: dict[int, asyncio.Task[None]] = {}
        self._sweeper: asyncio.Task[None] | None = None

    async def receive(self, updates: list[Mapping[str, Any]]) -> int:
        """Persist the updates, then start their processing; returns how many were new.
        Raises when they could not be written: then nothing may be confirmed."""
        added = await asyncio.to_thread(self.inbox.add_safely, list(updates))
        for row in added:
            self._start(row)
        return len(added)

    async def start(self, steal: bool) -> None:
        """First the rows an earlier run left unfinished, then a sweep for dead leases."""
        await self._resume(steal)
        if self._sweeper is None:
            self._sweeper = asyncio.create_task(self._sweep(), name="inbox-sweeper")

    async def stop(self, timeout: float = 5.0) -> None:
        """Let running updates finish (they stay leased, so a cut-off one is taken over)."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        busy = list(self._busy.values())
        if busy:
            await asyncio.wait(busy, timeout=timeout)

    async def idle(self) -> None:
        """Wait until nothing is being processed (for tests and the benchmark)."""
        while self._busy:
            await asyncio.wait(list(self._busy.values()))

    @property
    def busy(self) -> int:
        return len(self._busy)

    async def _resume(self, steal: bool) -> None:
        rows = await asyncio.to_thread(self.inbox.take_waiting, 10_000, steal)
        if rows:
            logger.info("Inbox: %d unfinished updates from before, processed first", len(rows))
        for row in rows:
            self._start(row)

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                await asyncio.to_thread(self.inbox.renew, list(self._busy))
                await self._resume(steal=False)
            except Exception as error:  # the database may be away for a moment
                logger.warning("Inbox sweep failed: %s", type(error).__name__)

    def _start(self, row: Waiting) -> None:
        if row.update_id in self._busy:
            return
        task = asyncio.create_task(self._process(row), name=f"update-{row.update_id}")
        self._busy[row.update_id] = task
        task.add_done_callback(lambda _task: self._busy.pop(row.update_id, None))

    async def _process(self, row: Waiting) -> None:
        try:
            if row.attempts > self.max_attempts + 1:
                # Taken over again and again: it may be what stops the processes.
                await self._set_aside(row, "TooManyAttempts", None)
                return
            try:
                update = Update.de_json(dict(row.raw), self.application.bot)
            except Exception as error:  # a shape this python-telegram-bot cannot read
                await self._set_aside(row, type(error).__name__, None)
                return
            if not answerable(row.raw, update):
                await self._set_aside(row, "Malformed", None)
                return
            if self.shared and row.chat_id is not None:
                await self._after_older(row)  # before the chat's lock: an older one needs it
            processor = self.application.update_processor
            handling = self._handle(row, update)
            try:
                await processor.process_update(update, handling)
            finally:
                handling.close()  # cancelled while it waited for its chat: never started
        except Exception as error:  # never let one update stop the others
            logger.warning(
                "Update %s (%s) failed: %s", row.update_id, row.kind, type(error).__name__
            )

    async def _handle(self, row: Waiting, update: Update) -> None:
        """Inside the chat's turn: run the handlers, again on failure, then record."""
        _TURN.set(Turn(row.update_id, self.inbox, row.replies, row.parts_sent))
        for attempt in range(1, self.max_attempts + 1):
            async with self._turns:
                await self.application.process_update(update)
            error = self.failure_of(row.update_id)
            if error is None:
                # Inline, not in a thread: a hop waits for a free worker and the GIL while
                # other turns run, and a kill in that gap answers the update twice.
                self.inbox.done(row.update_id)
                return
            if attempt < self.max_attempts:
                logger.warning(
                    "Update %s (%s) failed (%s); trying again", row.update_id, row.kind, error
                )
                await asyncio.sleep(self.retry_delay * attempt)
        # Its tries: each earlier take ran it at least once, this one max_attempts times.
        await self._set_aside(row, error, update, row.attempts - 1 + self.max_attempts)

    async def _after_older(self, row: Waiting) -> None:
        """Wait until the chat's older updates are finished: our own ones (perhaps taken
        over late, after this one arrived) by awaiting them, those another process holds by
        looking again (its lease runs out if that process died, and the sweep then brings
        them here). Runs outside the chat's lock, so an older one taken over late gets it
        first instead of queueing behind this one."""
        assert row.chat_id is not None
        while True:
            older = await asyncio.to_thread(self.inbox.earlier_waiting, row.chat_id, row.update_id)
            if not older:
                return
            own = [self._busy[update_id] for update_id in older if update_id in self._busy]
            if own:
                await asyncio.wait(own)
            else:
                await asyncio.sleep(ORDER_WAIT)

    async def _set_aside(
        self, row: Waiting, error: str, update: Update | None, tries: int | None = None
    ) -> None:
        await asyncio.to_thread(self.inbox.quarantine, row.update_id, error, tries)
        logger.warning("Update %s (%s) set aside in quarantine: %s", row.update_id, row.kind, error)
        if update is not None:
            try:
                await self.notify(update)
            except Exception as second:
                logger.warning("Could not tell the learner: %s", type(second).__name__)
