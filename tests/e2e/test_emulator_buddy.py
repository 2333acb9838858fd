"""The emulator's part for buddies: copies and forwards between chats, protected content,
a chat opened without a message, and the web chat as more than one person with Telegram's
deep links. Driven by python-telegram-bot's real Bot over HTTP, the web chat in Chromium."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
import telegram

from bot.emulator.people import person_chat_id, person_name
from bot.emulator.server import Running
from tests.e2e.chromium import Chromium, find_chromium, launch_chromium, texts

pytestmark = pytest.mark.asyncio

LEARNER, BUDDY = 5_101, 5_102
NO_CHROMIUM = pytest.mark.skipif(
    find_chromium() is None, reason="no chromium binary (apt-get install chromium)"
)


async def messages(http: aiohttp.ClientSession, chat: int) -> list[dict]:
    async with http.get(f"/api/chats/{chat}/messages") as response:
        return (await response.json())["messages"]


async def user_texts(http: aiohttp.ClientSession, chat: int, count: int) -> list[str]:
    """What the person wrote in `chat`, once there are `count` messages (10 s at most)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while True:
        found = [m["text"] for m in await messages(http, chat) if m["from"] == "user"]
        if len(found) >= count or loop.time() > deadline:
            return found
        await asyncio.sleep(0.05)


async def click_link(browser: Chromium, selector: str) -> None:
    """Click a text link as a user would: on its first line (a long link wraps, and the
    middle of its box may be plain text)."""
    box = await browser.evaluate(
        f"""(() => {{
            const r = document.querySelector({json.dumps(selector)}).getClientRects()[0];
            return {{x: r.left + Math.min(r.width / 2, 20), y: r.top + r.height / 2}};
        }})()"""
    )
    for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
        await browser.send(
            "Input.dispatchMouseEvent", {"type": kind, "button": "left", "clickCount": 1, **box}
        )


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
    with pytest.raises(telegram.error.BadRequest, match=r"(?i)message can't be forwarded"):
        await emulator_bot.forward_message(LEARNER, BUDDY, copy.message_id)


async def test_a_forward_says_where_it_came_from(
    emulator_bot: telegram.Bot, emulator_http: aiohttp.ClientSession
) -> None:
    await open_chat(emulator_http, BUDDY, "Jan")
    await open_chat(emulator_http, LEARNER, "Sara")
    sent = await emulator_bot.send_message(BUDDY, "Wat eet je graag?")
    forwarded = await emulator_bot.forward_message(LEARNER, BUDDY, sent.message_id)
    assert forwarded.text == "Wat eet je graag?"
    assert isinstance(forwarded.forward_origin, telegram.MessageOriginUser)
    assert forwarded.forward_origin.sender_user.first_name == "Taalmaatje"
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


async def test_a_copied_text_stays_a_text_and_a_photo_gets_the_new_caption(
    emulator_bot: telegram.Bot, emulator_http: aiohttp.ClientSession
) -> None:
    await open_chat(emulator_http, BUDDY, "Jan")
    async with emulator_http.post(f"/api/chats/{LEARNER}/photo?caption=Mijn+fiets") as response:
        photo = (await response.json())["message_id"]
    text = await emulator_bot.send_message(BUDDY, "Wat zie je op de foto?")
    await emulator_bot.copy_message(BUDDY, BUDDY, text.message_id, caption="genegeerd")
    await emulator_bot.copy_message(BUDDY, LEARNER, photo, caption="Sara stuurde een foto.")
    *_, shown_text, shown_photo = await messages(emulator_http, BUDDY)
    assert (shown_text["text"], shown_text["caption"]) == ("Wat zie je op de foto?", None)
    assert shown_photo["caption"] == "Sara stuurde een foto." and shown_photo["photo"]
    assert shown_photo["protect_content"] is False


@pytest.mark.chromium
@NO_CHROMIUM
async def test_the_web_chat_as_a_second_person_opened_by_a_deep_link(
    emulator_server: Running,
    emulator_bot: telegram.Bot,
    emulator_http: aiohttp.ClientSession,
    emulator_ogg: bytes,
) -> None:
    base = emulator_server.base_url
    jan, fatima, piet = (person_chat_id(n) for n in (2, 3, 4))
    async with launch_chromium(width=420, height=860) as browser:
        await browser.navigate(f"{base}/")
        await browser.wait_until("document.getElementById('status').textContent === 'Online'")
        default_chat = int(await browser.evaluate("document.documentElement.dataset.chatId"))

        # Person 2 comes in through a deep link: /start with its payload, once.
        await browser.navigate(f"{base}/?persoon=2&start=B7K2")
        await browser.wait_until("document.getElementById('status').textContent === 'Online'")
        assert await browser.evaluate("document.getElementById('persoon').textContent") == (
            f"Je bent {person_name(2)}"
        )
        assert int(await browser.evaluate("document.documentElement.dataset.chatId")) == jan
        assert jan != default_chat
        assert await user_texts(emulator_http, jan, 1) == ["/start B7K2"]
        [start] = await messages(emulator_http, jan)
        assert start["sender_name"] == "Jan" and person_name(2) == "Jan"
        assert await browser.evaluate("location.search") == "?persoon=2"  # a reload is no link

        # Bot text stays text; t.me deep links become links to the next people.
        links = "https://t.me/taalmaatje_bot?start=L1 en https://t.me/taalmaatje_bot?start=L2"
        await emulator_bot.send_message(jan, f"<img src=x onerror=alert(1)> Deel: {links}")
        await emulator_bot.send_voice(jan, emulator_ogg, duration=1, protect_content=True)
        await browser.wait_for(".van-bot a.link")
        assert await browser.evaluate("document.querySelectorAll('.van-bot img').length") == 0
        assert any("<img src=x" in t for t in await browser.evaluate(texts(".van-bot .tekst")))
        await browser.wait_for(".van-bot audio.voice")
        assert "🔒" in (await browser.evaluate(texts(".van-bot .beschermd")))[0]
        assert await browser.evaluate(
            "document.querySelector('.van-bot audio.voice').controlsList.contains('nodownload')"
        )

        # Each link opens someone new in a new tab, who sends /start with the link's payload.
        await click_link(browser, ".van-bot a.link:nth-of-type(1)")
        assert await user_texts(emulator_http, fatima, 1) == ["/start L1"]
        await click_link(browser, ".van-bot a.link:nth-of-type(2)")
        assert await user_texts(emulator_http, piet, 1) == ["/start L2"]
        assert [m["sender_name"] for m in await messages(emulator_http, piet)] == ["Piet"]
        assert browser.errors == []
