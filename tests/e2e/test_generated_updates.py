"""Over 10,000 generated updates of every kind the Bot API documents, odd ones included,
through the durable inbox into the running bot: no crash, no traceback in the log, no
learner's text in the log, what cannot be read in quarantine, every chat answered afterwards.

Most go in as the poller hands them over (``Delivery.receive``, in batches); a share goes the
whole HTTP way (the emulator's raw_update, then getUpdates). The generator is
tests/e2e/botapi_schema.py, seeded: a failure is the same failure on the next run.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import time
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Update

from bot.store.inbox import KINDS as INBOX_KINDS
from bot.store.models import InboxUpdate
from bot.telegram.application import ALLOWED_UPDATES
from tests.e2e.botapi_schema import (
    GROUPS,
    KINDS,
    PRIVATE,
    SECRETS,
    SUPERGROUPS,
    Generator,
    lone_surrogate_text,
)

pytestmark = pytest.mark.asyncio

SEED = 10_010
DIRECT = 10_000  # through Delivery.receive, as the poller hands a batch over
HTTP = 500  # through the emulator's raw_update and getUpdates
ODD_SHARE = 0.3
BATCH = 100
FIRST_ID = 880_000_000  # update ids no other test reaches (the emulator counts from 1)
# Updates without a storable update_id: the inbox leaves them out (nothing to confirm them by).
NO_ID = ({}, {"update_id": "1"}, {"update_id": 1.5}, {"update_id": True}, {"update_id": 2**63},
         {"update_id": None}, {"update_id": -(2**64)})  # fmt: skip
DEBUG_LOGGERS = ("", "telegram", "telegram.ext", "aiohttp", "bot", "httpx", "asyncio")


def readable(raw: dict[str, Any], bot: Any) -> bool:
    """Can the bot read this update? python-telegram-bot parses it, and what the Bot API
    promises holds: at most one kind per update, a message has its chat, the ids the bot
    answers by (chat, sender, message) are integers a database holds, and the texts the
    handlers read (text, sticker emoji, contact's number, callback data) are strings."""
    try:
        update = Update.de_json(copy.deepcopy(raw), bot)
    except Exception:
        return False
    if len([kind for kind in KINDS if raw.get(kind) is not None]) > 1:
        return False
    message = update.effective_message
    if message is not None and message.chat is None:
        return False
    ids = [
        update.effective_chat.id if update.effective_chat else 0,
        update.effective_user.id if update.effective_user else 0,
        message.message_id if message else 0,
    ]
    sticker, contact = getattr(message, "sticker", None), getattr(message, "contact", None)
    strings = [
        getattr(message, "text", None),
        sticker.emoji if sticker else None,
        contact.phone_number if contact else None,
        update.callback_query.data if update.callback_query else None,
    ]
    return all(type(i) is int and -(2**63) <= i < 2**63 for i in ids) and all(
        s is None or isinstance(s, str) for s in strings
    )


def numbered(updates: list[dict[str, Any]], first: int) -> list[dict[str, Any]]:
    """update_id first, as Telegram sends it; JSON and back, as the poller gets it."""
    return [json.loads(json.dumps({"update_id": first + n, **u})) for n, u in enumerate(updates)]


def generate(gen: Generator, count: int, kinds: tuple[str, ...] = KINDS) -> list[dict[str, Any]]:
    updates = []
    for _ in range(count):
        update = gen.update(gen.kind(kinds))
        if gen.random.random() < ODD_SHARE:
            update = gen.odd(update)
            if gen.random.random() < 0.2:
                update = gen.odd(update)  # bent twice
        updates.append(update)
    return updates


def surrogates(gen: Generator) -> list[dict[str, Any]]:
    """Texts with a lone UTF-16 surrogate: valid JSON ("\\ud83d"), not valid UTF-8."""
    out = []
    for chat in (PRIVATE[0], GROUPS[0]):
        message = gen.message(gen.chat("private" if chat > 0 else "group"))
        message["chat"]["id"] = chat
        if chat > 0:
            message["from"]["id"] = chat
        for key in ("caption", "photo", "sticker", "voice", "document", "contact", "location"):
            message.pop(key, None)
        message["text"] = lone_surrogate_text()
        out.append({"message": message})
    return out


def statuses(harness: Any, ids: list[int]) -> dict[int, str]:
    sessions = harness.bot.store.inbox._sessions
    found: dict[int, str] = {}
    with sessions() as session:
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            query = select(InboxUpdate.update_id, InboxUpdate.status).where(
                InboxUpdate.update_id.in_(chunk)
            )
            found.update(dict(session.execute(query).all()))
    return found


async def register_chats(client: Any) -> None:
    """The emulator knows a chat once its user wrote in it (Telegram: the bot cannot start a
    chat); every private chat also gets its first answer."""
    for chat in PRIVATE:
        await client.say(chat, "hallo", expect=2, timeout=30)
    for chat_type, pool in (("group", GROUPS), ("supergroup", SUPERGROUPS)):
        for chat in pool:
            await client.act(chat, "text", {"text": "hoi", "chat_type": chat_type}, expect=1)


async def wait_for(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"not in time: {what}"
        await asyncio.sleep(0.1)


def log_problems(records: list[logging.LogRecord]) -> tuple[list[str], list[str], Counter[str]]:
    """(tracebacks at WARNING and above, records that hold a secret, WARNING+ by template)."""
    tracebacks, leaks, warnings = [], [], Counter()
    for record in records:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        text = " ".join((message, repr(record.args), record.exc_text or ""))
        if any(secret in text for secret in SECRETS):
            leaks.append(f"{record.name} {record.levelname}: {str(record.msg)[:120]}")
        if record.levelno >= logging.WARNING:
            warnings[f"{record.name}: {record.msg}"] += 1
            if record.exc_info or "Traceback" in text:
                tracebacks.append(f"{record.name} {record.levelname}: {message[:300]}")
    return tracebacks, leaks, warnings


async def test_ten_thousand_generated_updates(harness, client, caplog) -> None:
    started = time.monotonic()
    delivery, bot = harness.bot.delivery, harness.bot.application.bot
    assert set(KINDS) == set(INBOX_KINDS), "the generator covers every kind the inbox knows"
    await register_chats(client)
    for name in DEBUG_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name or None)

    gen = Generator(SEED)
    direct = numbered([*generate(gen, DIRECT), *surrogates(gen)], FIRST_ID)
    direct_kinds = Counter(gen.stats.kinds)
    assert min(direct_kinds[kind] for kind in KINDS) >= 50, direct_kinds
    for batch_start in range(0, len(direct), BATCH):
        batch = direct[batch_start : batch_start + BATCH]
        size = len(batch)
        if batch_start == BATCH * 7:
            batch = [*batch, *copy.deepcopy(NO_ID)]
        assert await delivery.receive(batch) == size, "every new storable update is taken"
        for _ in range(3000):  # as the poller would: the next batch once these got going
            if delivery.busy <= 400:
                break
            await asyncio.sleep(0.02)
    assert await delivery.receive(direct[:50]) == 0, "a second delivery is left out"
    received_direct = time.monotonic()

    # The whole HTTP way: the emulator numbers them; kinds the bot did not ask for
    # (allowed_updates) are not delivered, as on Telegram.
    gen.stats.kinds.clear()
    allowed = tuple(str(kind) for kind in ALLOWED_UPDATES)
    http_updates = generate(gen, HTTP, (*allowed, *allowed, "poll", "chat_member"))
    http_ids: list[int] = []
    for start in range(0, HTTP, 50):
        answers = await asyncio.gather(
            *(
                client.post("/api/raw_update", {"update": u})
                for u in http_updates[start : start + 50]
            )
        )
        http_ids += [answer["update_id"] for answer in answers]
    http = [{**u, "update_id": i} for u, i in zip(http_updates, http_ids, strict=True)]
    delivered = [u for u in http if any(kind in allowed for kind in u)]

    async def all_arrived() -> bool:
        return len(statuses(harness, [u["update_id"] for u in delivered])) == len(delivered)

    await wait_for(all_arrived, 60, "the raw updates through getUpdates")
    await asyncio.wait_for(delivery.idle(), timeout=90)
    processed = time.monotonic()

    # Still alive: polling, the application, and the delivery layer's sweeper.
    assert harness.bot.poller._task is not None and not harness.bot.poller._task.done()
    assert harness.bot.application.running
    assert delivery._sweeper is not None and not delivery._sweeper.done()

    # What cannot be read is in quarantine at once, the rest done: nothing failed, nothing waits.
    everything = [*direct, *delivered]
    found = statuses(harness, [u["update_id"] for u in everything])
    expected = {u["update_id"]: "done" if readable(u, bot) else "quarantine" for u in everything}
    wrong = {i: (found.get(i), want) for i, want in expected.items() if found.get(i) != want}
    assert not wrong, f"{len(wrong)} updates in the wrong state, e.g. {list(wrong.items())[:10]}"
    not_delivered = [u["update_id"] for u in http if u not in delivered]
    assert not statuses(harness, not_delivered), "a kind the bot did not ask for came in"
    quarantined = sum(1 for status in found.values() if status == "quarantine")

    # Every chat still answers.
    private = sorted(gen.stats.private_chats | set(PRIVATE))
    await asyncio.gather(*(client.say(chat, "hallo", expect=2, timeout=60) for chat in private))
    await asyncio.wait_for(delivery.idle(), timeout=30)
    assert harness.bot.store.inbox.counts().get("waiting", 0) == 0

    tracebacks, leaks, warnings = log_problems(caplog.records)
    turns = sum(
        1 for u in everything if expected[u["update_id"]] == "done" and _is_private_turn(u, bot)
    )
    print(f"\nGenerated: {len(direct)} direct + {len(http)} over HTTP ({len(delivered)} "
          f"delivered), {len(NO_ID)} without a storable update_id")  # fmt: skip
    print("Direct, per kind:", dict(sorted(direct_kinds.items())))
    print("HTTP, per kind:", dict(sorted(gen.stats.kinds.items())))
    print("Odd cases:", dict(sorted(gen.stats.odd.items())))
    print(f"Quarantined: {quarantined} (expected {list(expected.values()).count('quarantine')})")
    print(f"Private updates with a Rasa turn: {turns}; private chats: {len(private)}")
    print(f"WARNING+ log records: {sum(warnings.values())}", dict(warnings.most_common(8)))
    print(f"Log records captured: {len(caplog.records)}")
    print(f"Time: direct in {received_direct - started:.1f} s, processed by "
          f"{processed - started:.1f} s, all in {time.monotonic() - started:.1f} s")  # fmt: skip
    assert not tracebacks, tracebacks[:5]
    assert not leaks, leaks[:5]


def _is_private_turn(raw: dict[str, Any], bot: Any) -> bool:
    """A private text, command, sticker with an emoji or button press: one Rasa turn."""
    update = Update.de_json(copy.deepcopy(raw), bot)
    chat = update.effective_chat
    if chat is None or chat.type != "private":
        return False
    if update.callback_query is not None:
        return update.callback_query.message is not None
    message = update.effective_message
    if message is None:
        return False
    return bool(message.text or (message.sticker and message.sticker.emoji))
