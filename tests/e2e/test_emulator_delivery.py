"""The emulator's delivery features with python-telegram-bot's real Bot: faults by share,
webhooks, and raw updates."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
import telegram
from aiohttp import web
from telegram.error import Conflict, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.emulator.server import start
from tests.e2e.conftest import TEST_TOKEN

pytestmark = pytest.mark.asyncio

CHAT = 4343
SECRET = "geheim_123-abc"


async def post(http: aiohttp.ClientSession, path: str, body: Any = None) -> dict[str, Any]:
    async with http.post(path, json=body) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def get(http: aiohttp.ClientSession, path: str) -> dict[str, Any]:
    async with http.get(path) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def say(http: aiohttp.ClientSession, text: str) -> dict[str, Any]:
    return await post(http, f"/api/chats/{CHAT}/text", {"text": text})


async def bot_texts(http: aiohttp.ClientSession) -> list[str]:
    messages = (await get(http, f"/api/chats/{CHAT}/messages?since=0"))["messages"]
    return [m["text"] for m in messages if m["from"] == "bot"]


def seconds(value: Any) -> float:
    """PTB 22 gives int seconds or a timedelta, depending on PTB_TIMEDELTA."""
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


async def eventually(check: Any, timeout: float = 5.0) -> None:
    """Wait until the async `check()` is true."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


# Faults by share


async def test_share_one_fails_every_call_without_effect_but_not_get_updates(
    emulator_bot: telegram.Bot, emulator_http: aiohttp.ClientSession
) -> None:
    await say(emulator_http, "hoi")
    setting = await post(emulator_http, "/api/faults", {"share": 1.0, "kinds": ["500"]})
    assert setting["share"]["kinds"] == ["500"] and setting["share"]["methods"] is None
    with pytest.raises(NetworkError) as caught:
        await emulator_bot.send_message(CHAT, "Komt niet aan")
    assert isinstance(caught.value, TelegramError)
    assert await bot_texts(emulator_http) == []
    # getUpdates is left alone unless named, so a polling bot keeps receiving.
    assert [u.message.text for u in await emulator_bot.get_updates(timeout=0)] == ["hoi"]

    faults = await get(emulator_http, "/api/faults")
    assert faults["share"]["share"] == 1.0
    async with emulator_http.delete("/api/faults") as response:
        assert response.status == 200
    assert (await get(emulator_http, "/api/faults"))["share"] is None
    await emulator_bot.send_message(CHAT, "Nu wel")
    assert await bot_texts(emulator_http) == ["Nu wel"]
    assert (await get(emulator_http, "/api/stats"))["faults"] == {"500": 1}


async def test_share_fails_about_that_share_of_calls_and_stats_count_them(
    emulator_bot: telegram.Bot, emulator_http: aiohttp.ClientSession
) -> None:
    await say(emulator_http, "hoi")
    await post(
        emulator_http,
        "/api/faults",
        {
            "share": 0.3,
            "kinds": ["429", "500", "502", "disconnect"],
            "methods": ["sendmessage"],
            "seed": 7,
        },
    )
    failures = 0
    for number in range(200):
        try:
            await emulator_bot.send_message(CHAT, f"Bericht {number}")
        except TelegramError:
            failures += 1
    assert 30 <= failures <= 90
    stats = await get(emulator_http, "/api/stats")
    assert sum(stats["faults"].values()) == failures
    assert set(stats["faults"]) <= {"429", "500", "502", "disconnect"}
    assert len(stats["faults"]) >= 3  # the kinds are really mixed
    assert len(await bot_texts(emulator_http)) == 200 - failures
    # Methods not named are not hit.
    assert await emulator_bot.send_chat_action(CHAT, "typing") is True


async def test_share_timeout_holds_the_call_and_stores_nothing(
    emulator_bot: telegram.Bot, emulator_http: aiohttp.ClientSession
) -> None:
    await say(emulator_http, "hoi")
    await post(emulator_http, "/api/faults", {"share": 1.0, "kinds": ["timeout"], "timeout": 1})
    with pytest.raises(TimedOut):
        await emulator_bot.send_message(CHAT, "Te laat", read_timeout=0.5)
    await asyncio.sleep(0.8)  # past the hold: still nothing stored
    assert await bot_texts(emulator_http) == []
    assert (await get(emulator_http, "/api/stats"))["faults"] == {"timeout": 1}


async def test_share_rate_limit_raises_retry_after(
    emulator_bot: telegram.Bot, emulator_http: aiohttp.ClientSession
) -> None:
    await say(emulator_http, "hoi")
    await post(
        emulator_http,
        "/api/faults",
        {"share": 1.0, "kinds": ["429"], "methods": ["sendMessage"], "retry_after": 3},
    )
    with pytest.raises(RetryAfter) as caught:
        await emulator_bot.send_message(CHAT, "Hallo")
    assert seconds(caught.value.retry_after) == 3
    assert await bot_texts(emulator_http) == []


async def test_counted_timeout_fault_and_bad_share_settings(
    emulator_bot: telegram.Bot, emulator_http: aiohttp.ClientSession
) -> None:
    await say(emulator_http, "hoi")
    await post(emulator_http, "/api/faults", {"method": "sendMessage", "timeout": 0.2})
    with pytest.raises(NetworkError):  # held 0.2 s, then the line drops
        await emulator_bot.send_message(CHAT, "Eerst niet")
    await emulator_bot.send_message(CHAT, "Dan wel")
    assert await bot_texts(emulator_http) == ["Dan wel"]
    for bad in (
        {"share": 1.5},
        {"share": True},
        {"share": 0.5, "kinds": ["418"]},
        {"share": 0.5, "methods": ["sendTelepathy"]},
    ):
        async with emulator_http.post("/api/faults", json=bad) as response:
            assert response.status == 400, bad


# Webhook


@dataclass
class Receiver:
    """A tiny webhook server: records each delivery and answers the next queued status."""

    statuses: list[int] = field(default_factory=list)
    received: list[tuple[str | None, dict[str, Any]]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        self.received.append((secret, await request.json()))
        return web.Response(status=self.statuses.pop(0) if self.statuses else 200)

    async def count(self, expected: int) -> None:
        async def enough() -> bool:
            return len(self.received) >= expected

        await eventually(enough)


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    app = web.Application()
    app.router.add_post("/hook", found.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    found.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        yield found
    finally:
        await runner.cleanup()


async def test_webhook_delivers_in_order_with_secret_and_retries(
    emulator_bot: telegram.Bot, emulator_http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    assert await emulator_bot.set_webhook(receiver.url, secret_token=SECRET) is True
    sent = [await say(emulator_http, text) for text in ("een", "twee", "drie")]
    await receiver.count(3)
    assert [update["update_id"] for _, update in receiver.received] == [
        s["update_id"] for s in sent
    ]
    assert [update["message"]["text"] for _, update in receiver.received] == [
        "een",
        "twee",
        "drie",
    ]
    assert {secret for secret, _ in receiver.received} == {SECRET}
    with pytest.raises(Conflict, match="webhook is active"):
        await emulator_bot.get_updates(timeout=0)

    # A 500 is retried after a pause; getWebhookInfo tells what went wrong meanwhile.
    receiver.statuses = [500, 200]
    failing = await say(emulator_http, "vier")
    await receiver.count(4)

    async def error_shown() -> bool:
        return (await emulator_bot.get_webhook_info()).last_error_message is not None

    await eventually(error_shown)
    info = await emulator_bot.get_webhook_info()
    assert len(receiver.received) == 4  # not yet retried: the first pause is 0.5 s
    assert info.url == receiver.url and info.pending_update_count == 1
    assert "500" in info.last_error_message and info.last_error_date is not None
    await receiver.count(5)
    assert receiver.received[4][1]["update_id"] == failing["update_id"]

    async def all_delivered() -> bool:
        return (await emulator_bot.get_webhook_info()).pending_update_count == 0

    await eventually(all_delivered)

    assert await emulator_bot.delete_webhook() is True
    assert (await emulator_bot.get_webhook_info()).url == ""
    later = await say(emulator_http, "vijf")
    updates = await emulator_bot.get_updates(timeout=5)
    assert [u.update_id for u in updates] == [later["update_id"]]
    await asyncio.sleep(0.3)
    assert len(receiver.received) == 5  # nothing more went to the removed webhook


async def test_webhook_ends_a_waiting_get_updates_and_checks_its_parameters(
    emulator_bot: telegram.Bot, emulator_http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    waiting = asyncio.create_task(emulator_bot.get_updates(timeout=20))
    await asyncio.sleep(0.2)
    await emulator_bot.set_webhook(
        receiver.url, allowed_updates=["message"], max_connections=5, drop_pending_updates=True
    )
    with pytest.raises(Conflict):
        await asyncio.wait_for(waiting, 5)
    info = await emulator_bot.get_webhook_info()
    assert info.max_connections == 5 and list(info.allowed_updates) == ["message"]
    assert info.last_error_message is None
    with pytest.raises(telegram.error.BadRequest, match=r"(?i)secret token"):
        await emulator_bot.set_webhook(receiver.url, secret_token="niet geheim!")
    with pytest.raises(telegram.error.BadRequest, match=r"(?i)bad webhook"):
        await emulator_bot.set_webhook("ftp://127.0.0.1/hook")
    assert (await emulator_bot.get_webhook_info()).url == receiver.url  # unchanged


# Raw updates


async def test_raw_update_comes_out_of_get_updates_unchanged(
    emulator_http: aiohttp.ClientSession,
) -> None:
    odd = {"message": {"weird": True, "nested": [1, None, "x"]}}
    queued = await post(emulator_http, "/api/raw_update", {"update": odd})
    own_id = await post(
        emulator_http, "/api/raw_update", {"update": {"update_id": 900, "poll": "geen object"}}
    )
    assert own_id == {"update_id": 900}
    after = await say(emulator_http, "gewoon")
    assert after["update_id"] > 900  # ids keep rising past a given one

    async with emulator_http.post(f"/bot{TEST_TOKEN}/getUpdates", json={"timeout": 0}) as reply:
        body = await reply.json()
    assert body["ok"] is True
    assert body["result"][:2] == [
        {"update_id": queued["update_id"], **odd},
        {"update_id": 900, "poll": "geen object"},
    ]
    async with emulator_http.post("/api/raw_update", json={"update": [1, 2]}) as response:
        assert response.status == 400
    async with emulator_http.post(
        "/api/raw_update", json={"update": {"update_id": "x"}}
    ) as response:
        assert response.status == 400


async def test_raw_update_goes_to_the_webhook_as_is(
    emulator_bot: telegram.Bot, emulator_http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    await emulator_bot.set_webhook(receiver.url)
    queued = await post(emulator_http, "/api/raw_update", {"update": {"message": {"weird": True}}})
    await receiver.count(1)
    expected = {"update_id": queued["update_id"], "message": {"weird": True}}
    assert receiver.received == [(None, expected)]


async def test_shutdown_ends_webhook_delivery_in_back_off(receiver: Receiver) -> None:
    running = await start("127.0.0.1", 0)
    receiver.statuses = [500] * 10
    async with aiohttp.ClientSession(running.base_url) as http:
        await post(http, f"/bot{TEST_TOKEN}/setWebhook", {"url": receiver.url})
        await say(http, "hoi")
        await receiver.count(1)
    emulator = running.emulator
    assert emulator.delivery is not None and not emulator.delivery.done()
    await asyncio.wait_for(running.stop(), 5)
    assert emulator.delivery is None
