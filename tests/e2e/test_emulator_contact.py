"""Sharing a phone number in the emulator: the contact endpoint and request_contact keyboards.

The control API injects the `contact` message Telegram sends when a user taps a reply-keyboard
button with `request_contact: true`; the Bot API accepts (and checks) reply keyboards; the web
chat turns such a button into a shared contact.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
import telegram
from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove

from bot.emulator import media
from bot.emulator.server import Running
from tests.e2e.chromium import find_chromium, launch_chromium
from tests.e2e.conftest import TEST_TOKEN

pytestmark = pytest.mark.asyncio

CHAT = 31_000
PHONE = "+31612345678"
SHARE = "📞 Stuur mijn nummer"
CONTACT_KEYBOARD: dict[str, Any] = {
    "keyboard": [[{"text": SHARE, "request_contact": True}]],
    "one_time_keyboard": True,
    "resize_keyboard": True,
}


async def control(
    http: aiohttp.ClientSession, action: str, body: Any, chat: int = CHAT
) -> tuple[int, dict[str, Any]]:
    async with http.post(f"/api/chats/{chat}/{action}", json=body) as response:
        return response.status, await response.json()


async def bot_api(
    http: aiohttp.ClientSession, method: str, **params: Any
) -> tuple[int, dict[str, Any]]:
    """A raw Bot API call with a JSON body, as any HTTP client may send it."""
    async with http.post(f"/bot{TEST_TOKEN}/{method}", json=params) as response:
        return response.status, await response.json()


async def messages(http: aiohttp.ClientSession, chat: int = CHAT) -> list[dict[str, Any]]:
    async with http.get(f"/api/chats/{chat}/messages?since=0") as response:
        assert response.status == 200, await response.text()
        return (await response.json())["messages"]


async def test_contact_arrives_through_raw_get_updates(
    emulator_http: aiohttp.ClientSession,
) -> None:
    status, injected = await control(
        emulator_http, "contact", {"phone_number": PHONE, "first_name": "Ali"}
    )
    assert status == 200, injected
    assert set(injected) == {"update_id", "message_id"}

    status, reply = await bot_api(emulator_http, "getUpdates", timeout=5)
    assert status == 200 and reply["ok"] is True
    [update] = reply["result"]
    assert update["update_id"] == injected["update_id"]
    message = update["message"]
    assert message["message_id"] == injected["message_id"]
    assert message["contact"] == {"phone_number": PHONE, "first_name": "Ali", "user_id": CHAT}
    assert message["from"]["id"] == CHAT and message["from"]["first_name"] == "Ali"
    assert message["chat"] == {"id": CHAT, "type": "private", "first_name": "Ali"}
    assert "text" not in message


async def test_contact_parses_in_ptb_with_defaults_and_a_given_user_id(
    emulator_http: aiohttp.ClientSession, emulator_bot: telegram.Bot
) -> None:
    assert (await control(emulator_http, "contact", {"phone_number": "06 1234 5678"}))[0] == 200
    given = {"phone_number": PHONE, "user_id": 777, "first_name": "Fatima"}
    assert (await control(emulator_http, "contact", given, chat=777))[0] == 200

    first, second = await emulator_bot.get_updates(timeout=5)
    assert first.message.contact.phone_number == "06 1234 5678"
    assert first.message.contact.first_name == "Sam"  # the default, as for /text
    assert first.message.contact.user_id == first.message.from_user.id == CHAT
    assert second.message.contact.user_id == second.message.from_user.id == 777
    assert second.message.contact.first_name == "Fatima"
    assert second.message.chat.type == "private"


async def test_messages_view_shows_the_contact(emulator_http: aiohttp.ClientSession) -> None:
    await control(emulator_http, "contact", {"phone_number": PHONE, "first_name": "Ali"})
    [view] = await messages(emulator_http)
    assert view["from"] == "user" and view["sender_name"] == "Ali"
    assert view["contact"] == {"phone_number": PHONE, "first_name": "Ali"}
    assert view["text"] is None and view["voice"] is None

    await control(emulator_http, "text", {"text": "hallo"})
    assert [m["contact"] for m in await messages(emulator_http)] == [
        {"phone_number": PHONE, "first_name": "Ali"},
        None,
    ]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"phone_number": ""},
        {"phone_number": "   "},
        {"phone_number": "+"},
        {"phone_number": "++31612345678"},
        {"phone_number": "06-12345678"},
        {"phone_number": "bel me"},
        {"phone_number": " +31612345678"},
        {"phone_number": "3" * 33},
        {"phone_number": 31612345678},
    ],
)
async def test_a_bad_phone_number_is_a_400(
    emulator_http: aiohttp.ClientSession, body: dict[str, Any]
) -> None:
    status, reply = await control(emulator_http, "contact", body)
    assert status == 400
    assert "phone_number" in reply["error"]
    assert await messages(emulator_http) == []


async def test_phone_number_limits_and_private_chats_only(
    emulator_http: aiohttp.ClientSession,
) -> None:
    assert (await control(emulator_http, "contact", {"phone_number": "3" * 32}))[0] == 200
    assert (await control(emulator_http, "contact", {"phone_number": "+31 6 1234 5678"}))[0] == 200
    status, reply = await control(emulator_http, "contact", {"phone_number": PHONE}, chat=-500)
    assert status == 400 and "private" in reply["error"]
    body = {"phone_number": PHONE, "chat_type": "group"}
    assert (await control(emulator_http, "contact", body))[0] == 400


async def test_request_contact_keyboard_is_accepted_and_kept_as_sent(
    emulator_http: aiohttp.ClientSession, emulator_bot: telegram.Bot
) -> None:
    await control(emulator_http, "text", {"text": "hallo"})

    status, reply = await bot_api(
        emulator_http,
        "sendMessage",
        chat_id=CHAT,
        text="Deel je nummer?",
        reply_markup=CONTACT_KEYBOARD,
    )
    assert status == 200, reply
    assert "reply_markup" not in reply["result"]  # Telegram puts only inline keyboards there

    # python-telegram-bot sends it form-encoded; and a media message may carry one too.
    markup = ReplyKeyboardMarkup(
        [[KeyboardButton(SHARE, request_contact=True)], ["Nee, liever niet"]],
        one_time_keyboard=True,
        resize_keyboard=True,
    )
    sent = await emulator_bot.send_message(CHAT, "Nog een keer?", reply_markup=markup)
    assert sent.reply_markup is None
    await emulator_bot.send_voice(CHAT, media.silent_ogg_opus(1), reply_markup=markup)

    views = [m for m in await messages(emulator_http) if m["from"] == "bot"]
    assert [m["reply_markup"] for m in views] == [
        CONTACT_KEYBOARD,
        markup.to_dict(),
        markup.to_dict(),
    ]
    assert views[1]["reply_markup"]["keyboard"] == [
        [{"text": SHARE, "request_contact": True}],
        [{"text": "Nee, liever niet"}],
    ]

    # A plain string is a text button too.
    keyboard = {"keyboard": [["Ja", "Nee"]]}
    status, reply = await bot_api(
        emulator_http, "sendMessage", chat_id=CHAT, text="Kies", reply_markup=keyboard
    )
    assert status == 200, reply


async def test_remove_keyboard_is_accepted(
    emulator_http: aiohttp.ClientSession, emulator_bot: telegram.Bot
) -> None:
    await control(emulator_http, "text", {"text": "hallo"})
    status, reply = await bot_api(
        emulator_http,
        "sendMessage",
        chat_id=CHAT,
        text="Dank je!",
        reply_markup={"remove_keyboard": True},
    )
    assert status == 200, reply
    await emulator_bot.send_message(CHAT, "Genoteerd.", reply_markup=ReplyKeyboardRemove())
    views = await messages(emulator_http)
    assert [m["reply_markup"] for m in views if m["from"] == "bot"] == [
        {"remove_keyboard": True},
        {"remove_keyboard": True},
    ]


@pytest.mark.parametrize(
    ("markup", "description"),
    [
        ({"keyboard": "📞"}, 'field "keyboard" must be of type Array'),
        ({"keyboard": [{"text": "📞"}]}, "expected an Array of KeyboardButton"),
        ({"keyboard": ["📞"]}, "expected an Array of KeyboardButton"),
        ({"keyboard": [[{"request_contact": True}]]}, 'Can\'t find field "text"'),
        ({"keyboard": [[{"text": 5}]]}, 'Field "text" must be of type String'),
        ({"keyboard": [[42]]}, "KeyboardButton must be a String or an Object"),
        ({"keyboard": [[{"text": ""}]]}, "BUTTON_TEXT_INVALID"),
        ({"keyboard": [[" "]]}, "BUTTON_TEXT_INVALID"),
        (
            {"keyboard": [[{"text": SHARE, "request_contact": "yes"}]]},
            'Field "request_contact" must be of type Boolean',
        ),
        (
            {"keyboard": [[SHARE]], "one_time_keyboard": "yes"},
            'field "one_time_keyboard" must be of type Boolean',
        ),
        ({"remove_keyboard": "yes"}, 'field "remove_keyboard" must be of type Boolean'),
    ],
)
async def test_a_malformed_reply_keyboard_is_a_400(
    emulator_http: aiohttp.ClientSession, markup: dict[str, Any], description: str
) -> None:
    await control(emulator_http, "text", {"text": "hallo"})
    status, reply = await bot_api(
        emulator_http, "sendMessage", chat_id=CHAT, text="Deel je nummer?", reply_markup=markup
    )
    assert status == 400
    assert reply["ok"] is False and reply["error_code"] == 400
    assert reply["description"].startswith("Bad Request: ")
    assert description in reply["description"]
    assert [m["from"] for m in await messages(emulator_http)] == ["user"]  # nothing was sent


async def test_a_malformed_keyboard_fails_a_voice_before_its_upload(
    emulator_http: aiohttp.ClientSession, emulator_bot: telegram.Bot
) -> None:
    await control(emulator_http, "text", {"text": "hallo"})
    with pytest.raises(telegram.error.BadRequest, match=r"(?i)button_text_invalid"):
        await emulator_bot.send_voice(
            CHAT, media.silent_ogg_opus(1), reply_markup=ReplyKeyboardMarkup([[" "]])
        )
    async with emulator_http.get("/api/stats") as response:
        assert (await response.json())["uploads"] == 0


@pytest.mark.chromium
@pytest.mark.skipif(find_chromium() is None, reason="no chromium binary (apt-get install chromium)")
@pytest.mark.parametrize(
    ("query", "expected"),
    [("", PHONE), ("?telefoon=+31687654321", "+31687654321")],  # an unencoded + still means +
)
async def test_web_chat_shares_the_number_through_the_contact_button(
    emulator_server: Running,
    emulator_http: aiohttp.ClientSession,
    emulator_bot: telegram.Bot,
    query: str,
    expected: str,
) -> None:
    async with launch_chromium(width=420, height=860) as browser:
        await browser.navigate(f"{emulator_server.base_url}/{query}")
        await browser.wait_until("document.getElementById('status').textContent === 'Online'")
        await browser.click("#start")
        [start_update] = await emulator_bot.get_updates(timeout=5)
        chat_id = start_update.message.chat.id

        # The bot side asks for the number with a one-time request_contact keyboard.
        status, reply = await bot_api(
            emulator_http,
            "sendMessage",
            chat_id=chat_id,
            text="Mag ik je telefoonnummer?",
            reply_markup=CONTACT_KEYBOARD,
        )
        assert status == 200, reply
        button = '#toetsenbord button[data-request="contact"]'
        await browser.wait_for(button)
        assert await browser.evaluate("document.getElementById('toetsenbord').hidden") is False
        assert (
            await browser.evaluate(f"document.querySelector({json.dumps(button)}).textContent")
            == SHARE
        )

        await browser.click(button)
        updates = await emulator_bot.get_updates(offset=start_update.update_id + 1, timeout=5)
        assert len(updates) == 1
        message = updates[0].message
        assert message.text is None
        assert message.contact.phone_number == expected
        assert message.contact.user_id == message.from_user.id == chat_id

        # One-time keyboard: hidden after the tap; the chat shows the shared number.
        assert await browser.evaluate("document.getElementById('toetsenbord').hidden") is True
        bubble = f"📞 {expected}"
        await browser.wait_until(
            "[...document.querySelectorAll('.van-jou .contact')]"
            f".some(e => e.textContent === {json.dumps(bubble)})"
        )
        assert browser.errors == []
