"""The Telegram emulator driven by python-telegram-bot's real Bot over loopback HTTP."""

from __future__ import annotations

import asyncio
import io
import time
from typing import Any

import aiohttp
import pytest
import soundfile
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

from bot.emulator import media
from bot.emulator.server import Running

pytestmark = pytest.mark.asyncio

CHAT = 4242


async def post(http: aiohttp.ClientSession, path: str, body: Any = None) -> dict[str, Any]:
    async with http.post(path, json=body) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def get(http: aiohttp.ClientSession, path: str) -> dict[str, Any]:
    async with http.get(path) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def say(http: aiohttp.ClientSession, text: str, chat: int = CHAT, **options: Any) -> dict:
    return await post(http, f"/api/chats/{chat}/text", {"text": text, **options})


def seconds(value: Any) -> float:
    """PTB 22 gives int seconds or a timedelta, depending on PTB_TIMEDELTA."""
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in pairs]])


async def test_get_me(emulator_bot: telegram.Bot) -> None:
    me = await emulator_bot.get_me()
    assert (me.id, me.first_name, me.username, me.is_bot) == (
        1000,
        "Taalmaatje",
        "taalmaatje_bot",
        True,
    )
    assert me.can_join_groups is True


async def test_text_arrives_as_update_and_offset_confirms(
    emulator_bot: telegram.Bot, emulator_http: aiohttp.ClientSession
) -> None:
    injected = await say(emulator_http, "hallo", first_name="Fatima")
    command = await post(emulator_http, f"/api/chats/{CHAT}/command", {"command": "start"})

    updates = await emulator_bot.get_updates(timeout=5)
    assert [u.update_id for u in updates] == [injected["update_id"], command["update_id"]]
    first = updates[0].message
    assert first.text == "hallo"
    assert first.message_id == injected["message_id"]
    assert first.chat.id == CHAT and first.chat.type == "private"
    assert first.from_user.id == CHAT and first.from_user.first_name == "Fatima"
    start = updates[1].message
    assert start.text == "/start"
    assert start.entities[0].type == "bot_command" and start.entities[0].length == 6
    assert start.message_id == first.message_id + 1

    # Confirming with offset drops them: a new call answers at once with nothing.
    assert await emulator_bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()


async def test_get_updates_answers_when_an_update_arrives_mid_wait(
    emulator_bot: telegram.Bot, emulator_http: aiohttp.ClientSession
) -> None:
    began = time.monotonic()
    waiting = asyncio.create_task(emulator_bot.get_updates(timeout=20))
    await asyncio.sleep(0.3)
    assert not waiting.done()
    await say(emulator_http, "ben je er?")
    updates = await asyncio.wait_for(waiting, 5)
    assert time.monotonic() - began < 3
    assert [u.message.text for u in updates] == ["ben je er?"]


async def test_get_updates_with_timeout_zero_answers_at_once(emulator_bot: telegram.Bot) -> None:
    began = time.monotonic()
    assert await emulator_bot.get_updates(timeout=0) == ()
    assert time.monotonic() - began < 0.5


async def test_inline_keyboard_is_read_back_and_a_press_is_a_callback_query(
    emulator_bot: telegram.Bot, emulator_http: aiohttp.ClientSession
) -> None:
    await say(emulator_http, "oefenen")
    sent = await emulator_bot.send_message(
        CHAT, "Wil je oefenen?", reply_markup=keyboard(("Ja", "oefenen:ja"), ("Nee", "nee"))
    )
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "oefenen:ja"

    seen = await get(emulator_http, f"/api/chats/{CHAT}/messages?since=0")
    bot_message = seen["messages"][-1]
    assert bot_message["from"] == "bot" and bot_message["text"] == "Wil je oefenen?"
    assert bot_message["reply_markup"]["inline_keyboard"][0][1] == {
        "text": "Nee",
        "callback_data": "nee",
    }

    pressed = await post(
        emulator_http,
        f"/api/chats/{CHAT}/press",
        {"message_id": sent.message_id, "data": "oefenen:ja"},
    )
    updates = await emulator_bot.get_updates(timeout=5)
    query = updates[-1].callback_query
    assert updates[-1].update_id == pressed["update_id"]
    assert query.id == pressed["callback_query_id"]
    assert query.data == "oefenen:ja"
    assert query.message.message_id == sent.message_id
    assert query.message.text == "Wil je oefenen?"
    assert query.from_user.id == CHAT and query.chat_instance

    assert await emulator_bot.answer_callback_query(query.id, text="Fijn!") is True
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await emulator_bot.answer_callback_query(query.id)
    assert (await get(emulator_http, "/api/stats"))["callback_answers"] == 1
    notices = (await get(emulator_http, f"/api/chats/{CHAT}/messages?since=0"))["notices"]
    assert [n["text"] for n in notices] == ["Fijn!"]


async def test_voice_upload_then_file_id_uploads_once_and_downloads(
    emulator_bot: telegram.Bot, emulator_http: aiohttp.ClientSession, emulator_ogg: bytes
) -> None:
    await say(emulator_http, "lees voor")
    first = await emulator_bot.send_voice(CHAT, emulator_ogg, duration=1, caption="Hallo")
    voice = first.voice
    assert voice.mime_type == "audio/ogg" and voice.file_size == len(emulator_ogg)
    assert seconds(voice.duration) == 1 and first.caption == "Hallo"
    again = await emulator_bot.send_voice(CHAT, voice.file_id)
    assert again.voice.file_id == voice.file_id
    stats = await get(emulator_http, "/api/stats")
    assert stats["uploads"] == 1 and stats["methods"]["sendVoice"] == 2

    file = await emulator_bot.get_file(voice.file_id)
    assert file.file_size == len(emulator_ogg)
    assert bytes(await file.download_as_bytearray()) == emulator_ogg

    seen = (await get(emulator_http, f"/api/chats/{CHAT}/messages?since=0"))["messages"]
    url = seen[-1]["voice"]["url"]
    async with emulator_http.get(url) as response:
        assert response.status == 200 and response.content_type == "audio/ogg"
        assert await response.read() == emulator_ogg


async def test_photo_and_document_by_upload_and_file_id(
    emulator_bot: telegram.Bot, emulator_http: aiohttp.ClientSession
) -> None:
    await say(emulator_http, "plaatje")
    photo = await emulator_bot.send_photo(CHAT, media.sample_png(40, 30))
    size = photo.photo[-1]
    assert (size.width, size.height) == (40, 30)
    await emulator_bot.send_photo(CHAT, size.file_id)
    document = await emulator_bot.send_document(CHAT, b"Week 12: oefenen\n", filename="rooster.txt")
    assert document.document.file_name == "rooster.txt"
    assert document.document.mime_type == "text/plain"
    again = await emulator_bot.send_document(CHAT, document.document.file_id)
    assert again.document.file_name == "rooster.txt"
    assert (await get(emulator_http, "/api/stats"))["uploads"] == 2


async def test_unknown_file_id_is_a_bad_request(
    emulator_bot: telegram.Bot, emulator_http: aiohttp.ClientSession
) -> None:
    await say(emulator_http, "hoi")
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await emulator_bot.send_voice(CHAT, "AwACAgQAAxkBAAIBZ2bogus")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await emulator_bot.send_message(999_999, "Niemand hier")


async def test_rate_limit_fault_raises_retry_after_once(
    emulator_bot: telegram.Bot, emulator_http: aiohttp.ClientSession
) -> None:
    await say(emulator_http, "hoi")
    await post(
        emulator_http,
        "/api/faults",
        {"method": "sendMessage", "error_code": 429, "retry_after": 1, "count": 1},
    )
    with pytest.raises(RetryAfter) as caught:
        await emulator_bot.send_message(CHAT, "Hallo")
    assert seconds(caught.value.retry_after) == 1
    await emulator_bot.send_message(CHAT, "Hallo")  # the retry goes through
    texts = [
        m["text"] for m in (await get(emulator_http, f"/api/chats/{CHAT}/messages"))["messages"]
    ]
    assert texts == ["hoi", "Hallo"]


async def test_disconnect_fault_is_a_network_error_and_nothing_is_sent(
    emulator_bot: telegram.Bot, emulator_http: aiohttp.ClientSession, emulator_ogg: bytes
) -> None:
    await say(emulator_http, "hoi")
    await post(emulator_http, "/api/faults", {"method": "sendvoice", "disconnect": True})
    with pytest.raises(NetworkError):
        await emulator_bot.send_voice(CHAT, emulator_ogg)
    assert (await get(emulator_http, "/api/stats"))["uploads"] == 0
    await emulator_bot.send_voice(CHAT, emulator_ogg)
    assert (await get(emulator_http, "/api/stats"))["uploads"] == 1


async def test_edits_and_deletes_bump_seq(
    emulator_bot: telegram.Bot, emulator_http: aiohttp.ClientSession
) -> None:
    await say(emulator_http, "hoi")
    sent = await emulator_bot.send_message(CHAT, "Kies:", reply_markup=keyboard(("A", "a")))
    before = await get(emulator_http, f"/api/chats/{CHAT}/messages?since=0")

    edited = await emulator_bot.edit_message_text("Je koos A.", CHAT, sent.message_id)
    assert edited.text == "Je koos A." and edited.edit_date is not None
    assert edited.reply_markup is None  # an edit without markup removes the keyboard
    after = await get(emulator_http, f"/api/chats/{CHAT}/messages?since={before['seq']}")
    assert [m["message_id"] for m in after["messages"]] == [sent.message_id]
    change = after["messages"][0]
    assert change["edited"] is True and change["text"] == "Je koos A."
    assert change["seq"] > before["seq"] and after["seq"] == change["seq"]

    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await emulator_bot.edit_message_text("Je koos A.", CHAT, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await emulator_bot.edit_message_reply_markup(CHAT, 9999, reply_markup=keyboard(("B", "b")))
    with_markup = await emulator_bot.edit_message_reply_markup(
        CHAT, sent.message_id, reply_markup=keyboard(("B", "b"))
    )
    assert with_markup.reply_markup.inline_keyboard[0][0].text == "B"

    assert await emulator_bot.delete_message(CHAT, sent.message_id) is True
    last = await get(emulator_http, f"/api/chats/{CHAT}/messages?since={after['seq']}")
    assert last["messages"][-1]["deleted"] is True


async def test_messages_long_poll_wakes_on_a_bot_message(
    emulator_bot: telegram.Bot, emulator_http: aiohttp.ClientSession
) -> None:
    await say(emulator_http, "hoi")
    seq = (await get(emulator_http, f"/api/chats/{CHAT}/messages"))["seq"]
    began = time.monotonic()
    waiting = asyncio.create_task(
        get(emulator_http, f"/api/chats/{CHAT}/messages?since={seq}&wait=20")
    )
    await asyncio.sleep(0.3)
    assert not waiting.done()
    await emulator_bot.send_message(CHAT, "Hallo!")
    result = await asyncio.wait_for(waiting, 5)
    assert time.monotonic() - began < 3
    assert [m["text"] for m in result["messages"]] == ["Hallo!"]


async def test_injected_media_edits_and_groups_parse_in_ptb(
    emulator_bot: telegram.Bot, emulator_http: aiohttp.ClientSession
) -> None:
    said = await say(emulator_http, "eerst")
    await post(emulator_http, f"/api/chats/{CHAT}/sticker")
    await post(emulator_http, f"/api/chats/{CHAT}/photo")
    voice = await post(emulator_http, f"/api/chats/{CHAT}/voice")
    await post(emulator_http, f"/api/chats/{CHAT}/document")
    await post(
        emulator_http,
        f"/api/chats/{CHAT}/edit",
        {"message_id": said["message_id"], "text": "/help"},
    )
    await say(emulator_http, "hallo groep", chat=-100, chat_type="group", user_id=77)

    updates = await emulator_bot.get_updates(timeout=5)
    assert len(updates) == 7
    sticker = updates[1].message.sticker
    assert sticker.emoji == "👍" and sticker.is_animated is False and sticker.type == "regular"
    photo = updates[2].message.photo
    assert photo[-1].width == 160 and photo[-1].file_id
    assert updates[3].message.voice.mime_type == "audio/ogg"
    assert updates[3].message.message_id == voice["message_id"]
    assert updates[4].message.document.file_name == "oefening.txt"
    edited = updates[5].edited_message
    assert updates[5].message is None and edited.message_id == said["message_id"]
    assert edited.text == "/help" and edited.entities[0].type == "bot_command"
    group = updates[6]
    assert group.effective_chat.type == "group" and group.effective_chat.id == -100
    assert group.effective_user.id == 77

    # A user's voice note is a real OGG/Opus file the bot can download and decode.
    file = await emulator_bot.get_file(updates[3].message.voice.file_id)
    samples, rate = soundfile.read(io.BytesIO(bytes(await file.download_as_bytearray())))
    assert rate == 48000 and len(samples) > 0


async def test_json_bodies_unknown_methods_and_reset(
    emulator_server: Running, emulator_http: aiohttp.ClientSession
) -> None:
    await say(emulator_http, "hoi")
    url = "/bot123:abc/sendMessage"
    async with emulator_http.post(url, json={"chat_id": CHAT, "text": "Via JSON"}) as response:
        body = await response.json()
    assert body["ok"] is True and body["result"]["text"] == "Via JSON"
    async with emulator_http.get("/bot123:abc/getMe") as response:
        assert (await response.json())["result"]["username"] == "taalmaatje_bot"
    async with emulator_http.post("/bot123:abc/sendTelepathy") as response:
        assert response.status == 404
        assert await response.json() == {
            "ok": False,
            "error_code": 404,
            "description": "Not Found",
        }

    await post(emulator_http, "/api/reset")
    assert (await get(emulator_http, f"/api/chats/{CHAT}/messages?since=0"))["messages"] == []
    assert (await get(emulator_http, "/api/stats"))["uploads"] == 0
    assert emulator_server.emulator.updates == type(emulator_server.emulator.updates)()


async def test_python_telegram_bot_application_polls_and_replies(
    emulator_server: Running, emulator_http: aiohttp.ClientSession
) -> None:
    """The same path as production: an Application polling the emulator answers /start."""

    async def start(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text("Welkom bij Taalmaatje!")

    application = (
        ApplicationBuilder()
        .token("123:app")
        .base_url(emulator_server.bot_base_url)
        .base_file_url(emulator_server.file_base_url)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    async with application:
        await application.start()
        await application.updater.start_polling(poll_interval=0, timeout=10)
        await post(emulator_http, f"/api/chats/{CHAT}/command", {"command": "start"})
        reply = await get(emulator_http, f"/api/chats/{CHAT}/messages?since=1&wait=10")
        await application.updater.stop()
        await application.stop()
    assert [m["text"] for m in reply["messages"]] == ["Welkom bij Taalmaatje!"]
