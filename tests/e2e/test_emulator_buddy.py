"""The emulator's part for buddies: copies and forwards between chats, protected content,
and a chat opened without a message. Driven by python-telegram-bot's real Bot over HTTP."""

from __future__ import annotations

import aiohttp
import pytest
import telegram

pytestmark = pytest.mark.asyncio

LEARNER, BUDDY = 5_101, 5_102


async def messages(http: aiohttp.ClientSession, chat: int) -> list[dict]:
    async with http.get(f"/api/chats/{chat}/messages") as response:
        return (await response.json())["messages"]


async def open_chat(http: aiohttp.ClientSession, chat: int, name: str) -> None:
    async with http.post(f"/api/chats/{chat}", json={"first_name": name}) as response:
        assert response.status == 200


async def test_a_learners_voice_note_is_copied_to_the_buddy_protected(
    emulator_bot: telegram.Bot, emulator_http: aiohttp.ClientSession, emulator_ogg: bytes
) -> None:
    await open_chat(emulator_http, BUDDY, "Jan")
    async with emulator_http.post(f"/api/chats/{LEARNER}/voice", data=emulator_ogg) as response:
        spoken = (await response.json())["message_id"]
    copy = await emulator_bot.copy_message(
        BUDDY, LEARNER, spoken, caption="Sara sprak een antwoord in.", protect_content=True
    )
    assert isinstance(copy, telegram.MessageId)
    [shown] = [m for m in await messages(emulator_http, BUDDY) if m["from"] == "bot"]
    assert shown["message_id"] == copy.message_id
    assert shown["caption"] == "Sara sprak een antwoord in."
    assert shown["protect_content"] is True
    [original] = await messages(emulator_http, LEARNER)
    assert shown["voice"]["file_id"] == original["voice"]["file_id"], "the same recording"
    async with emulator_http.get(shown["voice"]["url"]) as response:
        assert (await response.read())[:4] == b"OggS"
    # A protected copy cannot be passed on.
    with pytest.raises(telegram.error.BadRequest):
        await emulator_bot.forward_message(LEARNER, BUDDY, copy.message_id)


async def test_a_forward_says_where_it_came_from(
    emulator_bot: telegram.Bot, emulator_http: aiohttp.ClientSession
) -> None:
    await open_chat(emulator_http, BUDDY, "Jan")
    await open_chat(emulator_http, LEARNER, "Sara")
    sent = await emulator_bot.send_message(BUDDY, "Wat eet je graag?")
    forwarded = await emulator_bot.forward_message(LEARNER, BUDDY, sent.message_id)
    assert forwarded.text == "Wat eet je graag?" and forwarded.forward_origin is not None
    [shown] = [m for m in await messages(emulator_http, LEARNER) if m["from"] == "bot"]
    assert shown["forwarded_from"] == "Taalmaatje" and shown["protect_content"] is False


async def test_copying_what_does_not_exist_is_refused(
    emulator_bot: telegram.Bot, emulator_http: aiohttp.ClientSession
) -> None:
    await open_chat(emulator_http, BUDDY, "Jan")
    with pytest.raises(telegram.error.BadRequest, match=r"(?i)message to copy not found"):
        await emulator_bot.copy_message(BUDDY, BUDDY, 999)
    with pytest.raises(telegram.error.BadRequest, match=r"(?i)message to copy not found"):
        await emulator_bot.copy_message(BUDDY, 777_777, 1)
    with pytest.raises(telegram.error.BadRequest, match=r"(?i)chat not found"):
        await emulator_bot.copy_message(888_888, BUDDY, 1)
