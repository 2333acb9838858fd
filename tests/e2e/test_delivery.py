"""Nothing lost (issue 10): every update is kept until it was answered, an update that cannot
be read or keeps failing is set aside, and Telegram's hiccups cost no reply and no double."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import text as sql

from bot.content import load_channel_texts
from bot.emulator.client import EmulatorClient, ends_turn, text_of
from bot.settings import PROJECT_ROOT, Secret, Settings
from bot.telegram.webhook import SECRET_HEADER
from tests.conftest import make_settings

pytestmark = pytest.mark.asyncio

Message = dict[str, Any]
TAALMAATJE = Path(sys.executable).with_name("taalmaatje")
SECRET_TEXT = "GEHEIM-tekst-0612345678"
PHONE = "0612345678"
ERROR_TEXT = load_channel_texts().texts["error"]


@asynccontextmanager
async def running(settings: Settings, model_path: Path, **options: Any) -> AsyncIterator[Any]:
    """A bot of the test's own, with its own emulator (and database, from ``settings``)."""
    from bot.app import start_bot

    bot = await start_bot(settings, model_path, with_emulator=True, **options)
    try:
        yield bot
    finally:
        await bot.stop()


def is_turn_end(message: Message) -> bool:
    return ends_turn([message])


def any_turn_end(new: list[Message]) -> bool:
    return any(is_turn_end(m) for m in new)


@contextmanager
def every_log(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Capture DEBUG from every logger there is (and the root), whatever level it was given."""
    names = [None, *logging.root.manager.loggerDict]
    for name in names:
        caplog.set_level(logging.DEBUG, logger=name)
    yield


async def wait_for(
    client: EmulatorClient, chat_id: int, check: Callable[[list[Message]], bool], timeout: float
) -> list[Message]:
    """Wait until ``check`` holds for the chat's bot messages; returns them."""
    deadline = time.monotonic() + timeout
    while True:
        await client.sync(chat_id)
        messages = client.view(chat_id).bot_messages()
        if check(messages):
            return messages
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            texts = [text_of(m)[:40] for m in messages]
            raise AssertionError(f"chat {chat_id}: not answered in {timeout} s: {texts}")
        await client.sync(chat_id, wait=min(remaining, 1.0))


def cli_inbox(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`taalmaatje inbox ...` as an operator runs it, on the bot's database."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("TAALMAATJE_")}
    env.update(
        TAALMAATJE_VAR_DIR=str(Path(database_url.removeprefix("sqlite:///")).parent),
        TAALMAATJE_SECRET="test-secret",
        DATABASE_URL=database_url,
    )
    return subprocess.run(
        [str(TAALMAATJE), "inbox", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=PROJECT_ROOT,
        env=env,
    )


def unreadable(chat_id: int) -> dict[str, Any]:
    """A message python-telegram-bot cannot read (its date is no number), with a text and a
    phone number that must not end up in any log."""
    return {
        "message": {
            "message_id": 9_999,
            "date": "gisteren",
            "chat": {"id": chat_id, "type": "private", "first_name": "Anna"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Anna"},
            "text": SECRET_TEXT,
        },
    }


# --- 1. one unreadable update in a batch of good ones -------------------------------------


async def test_an_unreadable_update_is_set_aside_and_the_rest_of_its_batch_answered(
    harness: Any, client: EmulatorClient, chat_id: int, caplog: pytest.LogCaptureFixture
) -> None:
    from telegram import Update

    bot = harness.bot
    with pytest.raises(TypeError):  # what python-telegram-bot makes of it
        Update.de_json({"update_id": 1, **unreadable(chat_id)}, bot.application.bot)
    chats = [chat_id, chat_id + 50_000, chat_id + 60_000]
    batches: list[list[int]] = []
    receive = bot.delivery.receive

    async def spy(updates: list[dict[str, Any]]) -> int:
        batches.append([u.get("update_id") for u in updates])
        return await receive(updates)

    with every_log(caplog), pytest.MonkeyPatch.context() as patch:
        patch.setattr(bot.delivery, "receive", spy)
        # Hold the poller back a second, so that what follows comes in as one batch.
        await client.fault(method="getUpdates", error_code=429, retry_after=1, count=1)
        await client.post(f"/api/chats/{chats[0]}/command", {"command": "start"})
        await asyncio.sleep(0.2)
        sent = time.monotonic()
        second = await client.post(f"/api/chats/{chats[1]}/command", {"command": "start"})
        bad = await client.post("/api/raw_update", {"update": unreadable(chats[1])})
        bad_id = bad["update_id"]
        third = await client.post(f"/api/chats/{chats[2]}/command", {"command": "start"})
        await client.post(f"/api/chats/{chats[1]}/text", {"text": "hallo"})
        await asyncio.gather(
            wait_for(client, chats[0], lambda m: sum(map(is_turn_end, m)) == 1, 5),
            wait_for(client, chats[1], lambda m: sum(map(is_turn_end, m)) == 2, 5),
            wait_for(client, chats[2], lambda m: sum(map(is_turn_end, m)) == 1, 5),
        )
        answered = time.monotonic() - sent
        await bot.delivery.idle()
    assert answered < 5
    batch = next(b for b in batches if bad_id in b)
    assert second["update_id"] in batch and third["update_id"] in batch, batches

    [row] = [r for r in bot.store.inbox.listing("quarantine") if r.update_id == bad_id]
    assert (row.kind, row.status, row.attempts, row.error) == (
        "message",
        "quarantine",
        1,
        "TypeError",
    )
    result = await asyncio.to_thread(
        cli_inbox, harness.settings.database_url, "--quarantine", "--json"
    )
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert [u["update_id"] for u in listed["updates"]].count(bad_id) == 1
    assert SECRET_TEXT not in result.stdout and PHONE not in result.stdout
    # The learner whose update was unreadable got no error text: nothing to say it to.
    texts = [text_of(m) for m in client.view(chats[1]).bot_messages()]
    assert ERROR_TEXT not in texts

    token = bot.application.bot.token
    assert caplog.records, "the logs were captured"
    for record in caplog.records:
        line = record.getMessage()
        for secret in (SECRET_TEXT, PHONE, token):
            assert secret not in line, (record.name, line[:300])
    for secret in (SECRET_TEXT, PHONE, token):
        assert secret not in caplog.text


# --- 2. a handler that keeps failing ------------------------------------------------------


async def test_a_failing_turn_is_tried_three_times_then_set_aside_with_a_kind_word(
    tmp_path: Path, model_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    unlucky, others = 8101, [8102, 8103]
    calls: list[str] = []
    async with running(make_settings(tmp_path), model_path) as bot:
        bot.delivery.retry_delay = 1.5  # tries at 0, 1.5 and 4.5 s: others are served between
        handle = bot.dialogue.handle

        async def failing(sender_id: str, text: str, *args: Any) -> Any:
            if sender_id == str(unlucky):
                calls.append(text)
                raise RuntimeError(f"kapot bij {SECRET_TEXT}")
            return await handle(sender_id, text, *args)

        async with EmulatorClient(bot.emulator.base_url) as client:
            with every_log(caplog), pytest.MonkeyPatch.context() as patch:
                patch.setattr(bot.dialogue, "handle", failing)
                sent = await client.post(f"/api/chats/{unlucky}/text", {"text": "hallo"})
                for chat in others:
                    await client.post(f"/api/chats/{chat}/command", {"command": "start"})
                # The others are answered while the unlucky one's turn is tried again.
                await asyncio.gather(*(wait_for(client, chat, any_turn_end, 10) for chat in others))
                assert len(calls) < 3 and "quarantine" not in bot.store.inbox.counts()
                await wait_for(client, unlucky, lambda m: len(m) >= 1, 15)
                await bot.delivery.idle()
                await asyncio.sleep(0.5)  # time for anything more that would come
                await client.sync(unlucky)
            told = [text_of(m) for m in client.view(unlucky).bot_messages()]
            assert told == [ERROR_TEXT]
            assert client.view(unlucky).bot_messages()[0]["voice"] is None, "a plain text"
            # ... and the learner's next message is a turn like any other.
            replies = await client.say(unlucky, "hallo", until=any_turn_end)
            assert ERROR_TEXT not in [text_of(m) for m in replies]
        assert calls == ["hallo"] * 3
        [row] = [r for r in bot.store.inbox.listing("quarantine")]
        assert (row.update_id, row.kind, row.error) == (
            sent["update_id"],
            "message",
            "RuntimeError",
        )
        assert row.attempts == 3
        assert bot.store.inbox.counts() == {"done": 3, "quarantine": 1}
    assert "Traceback" not in caplog.text
    assert SECRET_TEXT not in caplog.text
    assert "RuntimeError" in caplog.text  # what failed is logged: its type, not its message


# --- 3. one call in ten fails --------------------------------------------------------------

LEARNERS = range(8201, 8221)
REMINDED = (8201, 8207, 8213)
FLAKY = {
    "share": 0.1,
    "kinds": ["429", "500", "502", "timeout", "disconnect"],
    # getUpdates too: the poller must not lose or repeat a batch either.
    "methods": [
        "getUpdates", "sendMessage", "sendVoice", "answerCallbackQuery", "sendChatAction",
        "sendPhoto", "sendDocument",
    ],
    "seed": 7,
    "retry_after": 1,
    "timeout": 2,
}  # fmt: skip


async def learner_walk(client: EmulatorClient, chat_id: int, started: asyncio.Event) -> int:
    """A learner's few messages, each after the last was answered; returns the turns."""
    intro = await client.act(
        chat_id, "command", {"command": "start"}, until=any_turn_end, timeout=40
    )
    started.set()
    await client.press(
        chat_id, intro[-1]["message_id"], "/taalhuis_info", until=any_turn_end, timeout=40
    )
    for text in ("hallo", "dank je wel"):
        await client.say(chat_id, text, until=any_turn_end, timeout=40)
    return 4


async def test_with_one_call_in_ten_failing_every_turn_and_reminder_arrives_once(
    tmp_path: Path, model_path: Path
) -> None:
    from tests.e2e.test_reminders import book, expected_text, tomorrow_at

    settings = make_settings(tmp_path)
    async with running(settings, model_path, reminder_interval=1.0) as bot:
        async with EmulatorClient(bot.emulator.base_url) as client:
            await client.fault(**FLAKY)
            started = {chat: asyncio.Event() for chat in LEARNERS}
            walks = [asyncio.create_task(learner_walk(client, c, started[c])) for c in LEARNERS]
            # Reminders fall due for learners who wrote (the bot cannot open a chat itself).
            reminders = {}
            for hour, chat in enumerate(REMINDED, start=9):
                await started[chat].wait()
                starts_at = tomorrow_at(hour)
                past = datetime.now(timezone.utc) - timedelta(minutes=1)
                await asyncio.to_thread(book, settings, chat, starts_at, past)
                reminders[chat] = expected_text(starts_at)
            turns = dict(zip(LEARNERS, await asyncio.gather(*walks), strict=True))
            for chat, text in reminders.items():
                await wait_for(client, chat, lambda m, t=text: t in map(text_of, m), 40)
            await bot.delivery.idle()
            await asyncio.sleep(2.0)  # a double would come now
            stats = await client.stats()
            await client.post("/api/faults", {"share": 0.0})
            views = {}
            for chat in LEARNERS:
                await client.sync(chat)
                views[chat] = client.view(chat).bot_messages()
    ended = {chat: sum(map(is_turn_end, messages)) for chat, messages in views.items()}
    assert ended == turns, "each turn answered exactly once"
    got = {chat: [text_of(m) for m in views[chat]].count(text) for chat, text in reminders.items()}
    assert got == dict.fromkeys(REMINDED, 1), "each reminder exactly once"
    others = {
        chat: len([m for m in messages if text_of(m) not in reminders.values()])
        for chat, messages in views.items()
    }
    assert len(set(others.values())) == 1, f"the same messages for the same walk: {others}"
    faults = stats["faults"]
    print(f"faults {faults}, calls {sum(stats['methods'].values())}, turns {sum(turns.values())}")
    assert sum(faults.values()) >= 10 and set(faults) >= {"429", "500", "timeout"}, faults


# --- 4. webhook mode ----------------------------------------------------------------------

HOOK_SECRET = "hook-" + os.urandom(8).hex()


@dataclass
class Hooked:
    """A running bot in webhook mode, and where its webhook listens."""

    bot: Any
    settings: Settings

    @property
    def url(self) -> str:
        from bot.telegram.webhook import webhook_path

        assert self.settings.webhook_url
        return self.bot.base_url + webhook_path(self.settings.webhook_url)


@pytest_asyncio.fixture(scope="module")
async def webhook_bot(
    tmp_path_factory: pytest.TempPathFactory, model_path: Path
) -> AsyncIterator[Hooked]:
    """A bot in webhook mode: the emulator POSTs each update to the bot's web server."""
    settings = replace(
        make_settings(tmp_path_factory.mktemp("webhook")),
        webhook_url=f"https://example.org/telegram/{os.urandom(6).hex()}",
        webhook_secret=Secret(HOOK_SECRET),
    )
    async with running(settings, model_path) as bot:
        assert bot.poller is None, "no polling in webhook mode"
        yield Hooked(bot, settings)


def text_update(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    """A text message as Telegram would send it."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1 + update_id % 100_000,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Sam"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Sam"},
            "text": text,
        },
    }


async def test_the_webhook_takes_only_requests_with_the_secret(webhook_bot: Hooked) -> None:
    bot, chat = webhook_bot.bot, 8301
    async with EmulatorClient(bot.emulator.base_url) as client:
        await client.act(chat, "command", {"command": "start"}, until=any_turn_end)
        await bot.delivery.idle()
        info = await client.get("/bot0:x/getWebhookInfo")
        assert info["result"]["url"] == webhook_bot.url
        before = bot.store.inbox.counts()
        seen = len(client.view(chat).bot_messages())
        forged = text_update(int(time.time() * 1000) + 10**9, chat, "hallo")
        for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: HOOK_SECRET + "x"}):
            async with client.session.post(webhook_bot.url, json=forged, headers=headers) as answer:
                assert answer.status == 401
        await asyncio.sleep(1.0)
        await client.sync(chat)
        assert len(client.view(chat).bot_messages()) == seen, "nothing was answered"
        assert bot.store.inbox.counts() == before, "nothing was written"
        assert forged["update_id"] not in [r.update_id for r in bot.store.inbox.listing()]
        # Telegram itself (the emulator, with the secret) is answered.
        replies = await client.say(chat, "hallo", until=any_turn_end)
        assert replies
        info = await client.get("/bot0:x/getWebhookInfo")
        assert "last_error_message" not in info["result"]


async def conversation(client: EmulatorClient, chat: int, responses: dict[str, str]) -> None:
    """The plain walk: start, hello, a button, stop."""
    intro = await client.command(chat, "start", until=any_turn_end)
    assert text_of(intro[0]) == responses["utter_welkom"]
    hello = await client.say(chat, "hallo", until=any_turn_end)
    assert [text_of(m) for m in hello] == [responses["utter_groet"], responses["utter_menu"]]
    info = await client.press(chat, hello[-1]["message_id"], "/taalhuis_info", until=any_turn_end)
    assert text_of(info[0]) == responses["utter_taalhuis_info"]
    stopped = await client.say(chat, "stop", expect=1, settle=0.5)
    assert [text_of(m) for m in stopped] == [responses["utter_gestopt"]]


@pytest.fixture(params=["polling", "webhook"])
def bot_in_mode(request: pytest.FixtureRequest) -> Any:
    """The shared bot (polling), or the one in webhook mode."""
    if request.param == "polling":
        bot = request.getfixturevalue("harness").bot
        assert bot.poller is not None
        return bot
    return request.getfixturevalue("webhook_bot").bot


async def test_the_plain_conversation_works_polling_and_by_webhook(
    bot_in_mode: Any, chat_id: int, domain_responses: dict[str, str]
) -> None:
    bot = bot_in_mode
    set_aside = bot.store.inbox.counts().get("quarantine", 0)
    async with EmulatorClient(bot.emulator.base_url) as client:
        await conversation(client, chat_id, domain_responses)
    await bot.delivery.idle()
    assert bot.store.inbox.listing("waiting") == [], "nothing left waiting"
    assert bot.store.inbox.counts().get("quarantine", 0) == set_aside, "nothing set aside"


# --- 5. a restart, and an update that comes twice -----------------------------------------


@pytest.mark.filterwarnings("ignore:coroutine 'Delivery._handle' was never awaited")
async def test_what_was_in_the_inbox_at_a_stop_is_answered_first_after_the_start(
    tmp_path: Path,
    model_path: Path,
    domain_responses: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The process stops in the middle of two turns, after Telegram forgot the updates (they
    were confirmed): the next start answers them, before what comes in after."""
    import bot.emulator.server as server

    settings = make_settings(tmp_path)  # one database for both runs
    first, second = 8401, 8402
    stuck = asyncio.Event()  # never set: the turns hang until the process stops
    async with running(settings, model_path) as bot:
        telegram = bot.emulator.emulator  # Telegram's side outlives the bot's process
        async with EmulatorClient(bot.emulator.base_url) as client:
            for chat in (first, second):
                await client.command(chat, "start", until=any_turn_end)
            handle = bot.dialogue.handle

            async def hanging(sender_id: str, text: str, *args: Any) -> Any:
                await stuck.wait()
                return await handle(sender_id, text, *args)

            bot.dialogue.handle = hanging
            for chat, text in ((first, "wanneer is het taalhuis open"), (second, "dank je wel")):
                await client.post(f"/api/chats/{chat}/text", {"text": text})
            await client.post(f"/api/chats/{first}/text", {"text": "dank je wel"})
            deadline = time.monotonic() + 10
            while bot.store.inbox.counts().get("waiting") != 3 or telegram.updates:
                assert time.monotonic() < deadline, "not in the inbox, or not confirmed"
                await asyncio.sleep(0.05)
            seen = {chat: len(client.view(chat).bot_messages()) for chat in (first, second)}
        for task in list(bot.delivery._busy.values()):  # the process dies mid-turn
            task.cancel()
        await asyncio.sleep(0)
    assert {r.status for r in bot.store.inbox.listing()} == {"waiting"}

    telegram.closing = False  # the same Telegram for the next process
    with pytest.MonkeyPatch.context() as patch, caplog.at_level(logging.INFO):
        patch.setattr(server, "create_app", functools.partial(server.create_app, telegram))
        async with running(settings, model_path) as bot:
            async with EmulatorClient(bot.emulator.base_url) as client:
                await client.post(f"/api/chats/{second}/text", {"text": "hallo"})
                expected = {first: seen[first] + 2, second: seen[second] + 3}
                for chat, count in expected.items():
                    await wait_for(client, chat, lambda m, n=count: len(m) >= n, 20)
                await bot.delivery.idle()
                await asyncio.sleep(0.5)
                views = {}
                for chat in (first, second):
                    await client.sync(chat)
                    views[chat] = client.view(chat).bot_messages()
            assert bot.store.inbox.counts() == {"done": 6}
    after = {chat: [text_of(m) for m in views[chat][seen[chat] :]] for chat in views}
    assert after[first] == [
        domain_responses["utter_vraag_plek"],
        domain_responses["utter_graag_gedaan"],
    ]
    assert after[second] == [
        domain_responses["utter_graag_gedaan"],  # from before the stop: first
        domain_responses["utter_groet"],
        domain_responses["utter_menu"],
    ]
    assert "Inbox: 3 unfinished updates from before, processed first" in caplog.text


async def test_an_update_that_comes_twice_is_answered_once(
    bot_in_mode: Any, chat_id: int, domain_responses: dict[str, str]
) -> None:
    bot = bot_in_mode
    received: list[int] = []
    receive = bot.delivery.receive

    async def spy(updates: list[dict[str, Any]]) -> int:
        received.extend(u.get("update_id") for u in updates)
        return await receive(updates)

    async with EmulatorClient(bot.emulator.base_url) as client:
        await client.command(chat_id, "start", until=any_turn_end)
        seen = len(client.view(chat_id).bot_messages())
        twice = text_update(int(time.time() * 1000) + 10**8, chat_id, "dank je wel")
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(bot.delivery, "receive", spy)
            if bot.poller is not None:  # both in one batch: hold the poller back a second
                await client.fault(method="getUpdates", error_code=429, retry_after=1, count=1)
                await client.post(f"/api/chats/{chat_id + 70_000}/command", {"command": "start"})
            for _ in range(2):
                await client.post("/api/raw_update", {"update": twice})
            deadline = time.monotonic() + 10
            while received.count(twice["update_id"]) < 2:
                assert time.monotonic() < deadline, f"delivered {received}"
                await asyncio.sleep(0.05)
            await wait_for(client, chat_id, lambda m: len(m) > seen, 10)
            await bot.delivery.idle()
            await asyncio.sleep(1.0)
            await client.sync(chat_id)
    answers = [text_of(m) for m in client.view(chat_id).bot_messages()[seen:]]
    assert answers == [domain_responses["utter_graag_gedaan"]]
    assert twice["update_id"] not in [r.update_id for r in bot.store.inbox.listing()]


def parts_recorded(engine: Any) -> int:
    with engine.connect() as connection:
        found = connection.execute(
            sql("SELECT parts_sent FROM inbox WHERE status = 'waiting'")
        ).scalar()
    return int(found or 0)


async def test_a_turn_cut_off_after_its_first_reply_sends_only_the_rest(
    tmp_path: Path, model_path: Path, domain_responses: dict[str, str]
) -> None:
    """The process dies after "hallo"'s first reply went out: the next start does not run
    the turn again (Rasa has it once) and sends only the reply that was missing."""
    import bot.emulator.server as server
    from bot.telegram.replies import Replier

    settings = make_settings(tmp_path)
    chat = 8501
    stuck = asyncio.Event()  # never set
    original = Replier.send

    async def first_then_hang(self: Any, bot: Any, chat_id: int, *args: Any, **kw: Any) -> None:
        on_sent = kw.get("on_sent")

        async def hang_after(index: int) -> None:
            await on_sent(index)
            await stuck.wait()

        if chat_id == chat and on_sent is not None:
            kw["on_sent"] = hang_after
        await original(self, bot, chat_id, *args, **kw)

    async with running(settings, model_path) as bot:
        telegram = bot.emulator.emulator
        async with EmulatorClient(bot.emulator.base_url) as client:
            await client.command(chat, "start", until=any_turn_end)
            before = len(client.view(chat).bot_messages())
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(Replier, "send", first_then_hang)
                await client.post(f"/api/chats/{chat}/text", {"text": "hallo"})
                await wait_for(client, chat, lambda m: len(m) > before, 10)
                # The reply is on screen a moment before the bot has it recorded: wait.
                deadline = time.monotonic() + 10
                while not parts_recorded(bot.store.engine):
                    assert time.monotonic() < deadline, "the first reply was not recorded"
                    await asyncio.sleep(0.02)
        for task in list(bot.delivery._busy.values()):  # the process dies mid-turn
            task.cancel()
        await asyncio.sleep(0)
    with bot.store.engine.connect() as connection:
        sent_before = connection.execute(
            sql("SELECT parts_sent FROM inbox WHERE status = 'waiting'")
        ).scalar_one()
    assert sent_before == 1

    telegram.closing = False
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(server, "create_app", functools.partial(server.create_app, telegram))
        async with running(settings, model_path) as bot:
            async with EmulatorClient(bot.emulator.base_url) as client:
                await wait_for(client, chat, lambda m: len(m) >= before + 2, 20)
                await bot.delivery.idle()
                await asyncio.sleep(0.5)
                await client.sync(chat)
                after = [text_of(m) for m in client.view(chat).bot_messages()[before:]]
            with bot.store.engine.connect() as connection:
                users = connection.execute(
                    sql("SELECT COUNT(*) FROM events WHERE sender_id = :s AND type_name = 'user'"),
                    {"s": str(chat)},
                ).scalar_one()
    assert after == [domain_responses["utter_groet"], domain_responses["utter_menu"]]
    assert users == 2, "start and hallo, each once: the turn was not run again"
