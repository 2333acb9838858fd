"""The emulator's web chat in a real headless Chromium, with the test acting as the bot."""

from __future__ import annotations

import json

import aiohttp
import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.emulator.server import Running
from tests.e2e.chromium import find_chromium, launch_chromium, texts

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.chromium,
    pytest.mark.skipif(
        find_chromium() is None, reason="no chromium binary (apt-get install chromium)"
    ),
]

SCREENSHOT = "/tmp/webchat.png"
REPLY = "Goed zo! Wil je nog een oefening?"


def count(selector: str) -> str:
    return f"document.querySelectorAll({json.dumps(selector)}).length"


async def test_user_and_bot_talk_through_the_web_chat(
    emulator_server: Running,
    emulator_bot: telegram.Bot,
    emulator_http: aiohttp.ClientSession,
    emulator_ogg: bytes,
) -> None:
    async with launch_chromium(width=420, height=860) as browser:
        await browser.navigate(f"{emulator_server.base_url}/")
        await browser.wait_until("document.getElementById('status').textContent === 'Online'")
        assert await browser.evaluate("!document.getElementById('leeg').hidden")
        assert await browser.evaluate("document.getElementById('tekst').placeholder") == (
            "Typ een bericht…"
        )

        # The Start button of the empty chat sends /start.
        await browser.click("#start")
        updates = await emulator_bot.get_updates(timeout=5)
        assert [u.message.text for u in updates] == ["/start"]
        assert updates[0].message.entities[0].type == "bot_command"
        chat_id = updates[0].message.chat.id
        assert chat_id == int(await browser.evaluate("localStorage.getItem('taalmaatje.chatId')"))

        # The user types "hallo" and presses Stuur: the page shows it, the bot receives it.
        await browser.type_text("#tekst", "hallo")
        await browser.click("#stuur")
        await browser.wait_until(f"{texts('.van-jou .tekst')}.includes('hallo')")
        assert await browser.evaluate("document.getElementById('tekst').value") == ""
        updates = await emulator_bot.get_updates(offset=updates[-1].update_id + 1, timeout=5)
        assert [(u.message.text, u.message.chat.id) for u in updates] == [("hallo", chat_id)]

        # The bot answers with a button and a voice note.
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton("Ja, graag", callback_data="oefenen:ja")]]
        )
        question = await emulator_bot.send_message(chat_id, REPLY, reply_markup=markup)
        await emulator_bot.send_voice(chat_id, emulator_ogg, duration=1)
        await browser.wait_until(f"{texts('.van-bot .tekst')}.includes({json.dumps(REPLY)})")
        await browser.wait_for("audio.voice")
        assert await browser.evaluate(texts(".van-bot button.knop")) == ["Ja, graag"]
        assert await browser.evaluate("document.getElementById('leeg').hidden")

        source = await browser.evaluate("document.querySelector('audio.voice').getAttribute('src')")
        assert source.startswith("/api/files/")
        async with emulator_http.get(source) as response:
            assert response.status == 200 and response.content_type == "audio/ogg"
            assert await response.read() == emulator_ogg
        assert await browser.evaluate(f"fetch({json.dumps(source)}).then(r => r.status)") == 200
        assert await browser.evaluate("document.querySelector('audio.voice').preload") == "none"

        await browser.screenshot(SCREENSHOT)

        # A tap on the button reaches the bot as a callback query.
        await browser.click(".van-bot button.knop")
        updates = await emulator_bot.get_updates(offset=updates[-1].update_id + 1, timeout=5)
        query = updates[-1].callback_query
        assert query is not None and query.data == "oefenen:ja"
        assert query.message.message_id == question.message_id

        # The bot's answer and its edit show in the page.
        await emulator_bot.answer_callback_query(query.id, text="Fijn!")
        await browser.wait_until("document.getElementById('melding').textContent === 'Fijn!'")
        await emulator_bot.edit_message_text("Top, we gaan oefenen.", chat_id, question.message_id)
        await browser.wait_until(f"{texts('.van-bot .tekst')}.includes('Top, we gaan oefenen.')")
        assert await browser.evaluate(count(".van-bot button.knop")) == 0
        assert "bewerkt" in await browser.evaluate(
            f"document.querySelector('[data-message-id=\"{question.message_id}\"] .tijd')"
            ".textContent"
        )

        assert browser.errors == []
