"""Long polling that confirms nothing before it is in the inbox.

python-telegram-bot's Updater asks for the next batch (which confirms the last one to
Telegram) before the handlers ran, and fails a whole batch when one update cannot be parsed.
This poller fetches the raw JSON with ``getUpdates``, hands it to the delivery layer (which
writes it to the inbox), and only then asks for more with the higher offset.

``getUpdates`` goes over a connection of its own (aiohttp, as the bot's other calls), not
through ``Bot.do_api_request``: at DEBUG that logs every answer, so what learners wrote, and
python-telegram-bot's default httpx client logs each URL, which holds the bot token.

With more than one process, one polls and the others stand by: a leader lease in Redis
(``Leader``), renewed while polling; a standby takes over when the lease runs out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

from telegram import Bot
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.telegram.delivery import Delivery
from bot.telegram.transport import AiohttpRequest

logger = logging.getLogger(__name__)

POLL_TIMEOUT = 30  # seconds Telegram holds a getUpdates with nothing to give
BACKOFF_MAX = 30.0


class Leader:
    """A lease in Redis that only one process holds: it polls, the others wait."""

    KEY = "taalmaatje:poller"
    _RENEW = (
        "if redis.call('get', KEYS[1]) == ARGV[1] then "
        "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
    )
    _RELEASE = (
        "if redis.call('get', KEYS[1]) == ARGV[1] then "
        "return redis.call('del', KEYS[1]) else return 0 end"
    )

    def __init__(self, url: str, owner: str, lease: float = 10.0) -> None:
        import redis.asyncio

        self._redis = redis.asyncio.Redis.from_url(url)
        self.owner = owner or uuid.uuid4().hex
        self.lease_ms = int(lease * 1000)

    async def acquire(self) -> bool:
        return bool(await self._redis.set(self.KEY, self.owner, nx=True, px=self.lease_ms))

    async def renew(self) -> bool:
        return bool(await self._redis.eval(self._RENEW, 1, self.KEY, self.owner, self.lease_ms))

    async def release(self) -> None:
        with contextlib.suppress(Exception):
            await self._redis.eval(self._RELEASE, 1, self.KEY, self.owner)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self._redis.aclose()


class Poller:
    def __init__(
        self,
        bot: Bot,
        delivery: Delivery,
        allowed_updates: list[str],
        *,
        leader: Leader | None = None,
        timeout: int = POLL_TIMEOUT,
    ) -> None:
        self.bot = bot
        self.delivery = delivery
        self.allowed_updates = allowed_updates
        self.leader = leader
        # A leader renews its lease between two getUpdates: a long-poll that outlasted the
        # lease (30 s against 10 s when nobody writes) handed the lead over on every quiet
        # spell, and the new leader took over rows the old one was still working on.
        self.timeout = timeout if leader is None else min(timeout, max(1, leader.lease_ms // 3000))
        self._task: asyncio.Task[None] | None = None
        self.polling = asyncio.Event()  # set while this process is the one polling
        self._request = AiohttpRequest(connection_pool_size=1, read_timeout=self._read_timeout())

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="poller")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._request.shutdown()
        if self.leader is not None:
            await self.leader.release()
            await self.leader.close()

    async def _run(self) -> None:
        await self._request.initialize()
        while True:
            if self.leader is not None:
                await self._wait_to_lead()
            try:
                await self._poll()
            except _LostLead:
                logger.warning("Polling: another process took over; standing by")
                self.polling.clear()

    async def _wait_to_lead(self) -> None:
        assert self.leader is not None
        announced = False
        while True:
            try:
                if await self.leader.acquire():
                    logger.info("Polling: this process polls (the others stand by)")
                    await self.delivery.start(steal=True)
                    return
            except Exception as error:
                logger.warning("Polling: the leader lock is unreachable: %s", type(error).__name__)
            if not announced:
                logger.info("Polling: another process polls; this one stands by")
                announced = True
            await asyncio.sleep(self.leader.lease_ms / 3000)

    async def _poll(self) -> None:
        offset: int | None = None
        backoff = 1.0
        renewed = asyncio.get_running_loop().time()
        self.polling.set()
        while True:
            if self.leader is not None:
                now = asyncio.get_running_loop().time()
                if now - renewed > self.leader.lease_ms / 3000:
                    try:
                        kept = await self.leader.renew()
                    except Exception as error:  # unsure whether it is still ours: stand by
                        logger.warning("Polling: the leader lock is unreachable: %s",
                                       type(error).__name__)  # fmt: skip
                        kept = False
                    if not kept:
                        raise _LostLead
                    renewed = now
            try:
                updates = await self._get_updates(offset)
            except TimedOut:
                continue
            except RetryAfter as error:
                await asyncio.sleep(_seconds(error.retry_after))
                continue
            except InvalidToken:
                logger.error("Polling stopped: Telegram refused the token")
                raise
            except Conflict:
                logger.warning("Polling: Telegram reports another poller or a webhook (409)")
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)
                continue
            except (NetworkError, TelegramError) as error:
                logger.warning("Polling failed (%s); trying again", type(error).__name__)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)
                continue
            backoff = 1.0
            batch = [u for u in updates if isinstance(u, dict)] if isinstance(updates, list) else []
            if not batch:
                continue
            try:
                await self.delivery.receive(batch)
            except Exception as error:  # not written: not confirmed, Telegram sends it again
                logger.warning(
                    "Inbox write failed (%s); the batch is fetched again", type(error).__name__
                )
                await asyncio.sleep(backoff)
                continue
            ids = [u["update_id"] for u in batch if isinstance(u.get("update_id"), int)]
            if ids:
                offset = max(ids) + 1

    async def _get_updates(self, offset: int | None) -> Any:
        parameters = self._parameters(offset)
        data = RequestData([RequestParameter.from_input(k, v) for k, v in parameters.items()])
        return await self._request.post(
            f"{self.bot.base_url}/getUpdates", request_data=data, read_timeout=self._read_timeout()
        )

    def _parameters(self, offset: int | None) -> dict[str, Any]:
        parameters: dict[str, Any] = {
            "timeout": self.timeout,
            "allowed_updates": self.allowed_updates,
        }
        if offset is not None:
            parameters["offset"] = offset
        return parameters

    def _read_timeout(self) -> float:
        return float(self.timeout + 10)


class _LostLead(Exception):
    """The leader lease went to another process."""


def _seconds(value: Any) -> float:
    try:
        return float(value.total_seconds())
    except AttributeError:
        return float(value)
