"""The real bot in the web chat, in a real headless Chromium: what `make run` shows a person."""

from __future__ import annotations

import json

import pytest

from bot.practice.texts import load_practice_texts
from tests.e2e.chromium import axe_violations, find_chromium, launch_chromium, texts

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.chromium,
    pytest.mark.skipif(
        find_chromium() is None, reason="no chromium binary (apt-get install chromium)"
    ),
]


async def test_hallo_in_the_web_chat_gets_a_spoken_dutch_reply(harness, client, domain_responses):
    async with launch_chromium(width=420, height=860) as browser:
        await browser.navigate(f"{harness.base_url}/")
        await browser.wait_until("document.getElementById('status').textContent === 'Online'")
        await browser.type_text("#tekst", "hallo")
        await browser.click("#stuur")

        # First contact: the introduction, ending with "how do you want to practise?".
        welcome = json.dumps(domain_responses["utter_welkom"])
        await browser.wait_until(f"{texts('.van-bot .tekst')}.includes({welcome})", timeout=20)
        later = json.dumps(load_practice_texts().labels["profiel_later"])
        await browser.wait_until(f"{texts('.van-bot button.knop')}.includes({later})")
        await browser.evaluate(
            "[...document.querySelectorAll('.van-bot button.knop')]"
            f".find(b => b.textContent === {later}).click()"
        )
        # "Later": then the menu.
        await browser.wait_until(f"{texts('.van-bot button.knop')}.includes('🏠 Taalhuis')")
        assert (
            await browser.evaluate("document.querySelectorAll('.van-bot audio.voice').length") >= 5
        )
        source = await browser.evaluate("document.querySelector('audio.voice').getAttribute('src')")
        audio = await client.file_bytes(source)
        assert audio[:4] == b"OggS", "a playable OGG voice note"

        # A button press goes to the bot and comes back answered.
        await browser.evaluate(
            "[...document.querySelectorAll('.van-bot button.knop')]"
            ".find(b => b.textContent === '🏠 Taalhuis').click()"
        )
        answer = json.dumps(domain_responses["utter_taalhuis_info"])
        await browser.wait_until(f"{texts('.van-bot .tekst')}.includes({answer})", timeout=20)
        await browser.screenshot("/tmp/webchat-bot.png")
        assert browser.errors == []
        violations = await axe_violations(browser)
        assert not violations, json.dumps(violations, indent=1)
