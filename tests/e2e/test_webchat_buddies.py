"""A buddy and a learner side by side in two web chats (issue 11), in headless Chromium, by
clicks and typing: the buddy's invitation link opens the learner's chat as another person."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.chromium import (
    Chromium,
    axe_violations,
    click_button,
    find_chromium,
    launch_chromium,
    texts,
)
from tests.e2e.test_buddies import TEXTS, Running, buddy_text, invite_buddies, learner_text
from tests.e2e.test_buddies import running as running  # the fixture

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.chromium,
    pytest.mark.skipif(
        find_chromium() is None, reason="no chromium binary (apt-get install chromium)"
    ),
]

# The buddies' guide (docs/maatjes.md) takes its pictures from this walk:
#   TAALMAATJE_GUIDE_SHOTS=docs/maatjes .venv/bin/python -m pytest tests/e2e/test_webchat_buddies.py
SHOTS = Path(os.environ.get("TAALMAATJE_GUIDE_SHOTS") or tempfile.gettempdir())
BUDDY_BUTTONS = TEXTS["maatje_knoppen"]
LEARNER_BUTTONS = TEXTS["leerling_knoppen"]


async def sees(browser: Chromium, text: str, timeout: float = 20.0) -> None:
    await browser.wait_until(
        f"{texts('.van-bot .tekst')}.some(t => t === {json.dumps(text)})", timeout=timeout
    )


async def tap(browser: Chromium, title: str) -> None:
    await click_button(browser, "", title=title)


async def shot(browser: Chromium, name: str) -> None:
    """A picture of the phone as it is now (the page itself not scrolled by a click)."""
    await browser.evaluate("window.scrollTo(0, 0)")
    await browser.screenshot(SHOTS / name)


async def write(browser: Chromium, text: str) -> None:
    await browser.type_text("#tekst", text)
    await browser.click("#stuur")


async def open_chat(browser: Chromium, url: str) -> None:
    await browser.navigate(url)
    await browser.wait_until("document.getElementById('status').textContent === 'Online'")


async def test_a_buddy_and_a_learner_in_two_web_chats(running: Running) -> None:
    [invitation] = invite_buddies(running.settings)
    base = running.url
    async with (
        launch_chromium(width=420, height=860) as buddy,
        launch_chromium(width=420, height=860) as learner,
    ):
        # The coordinator's link, opened as person 2 (Jan).
        await open_chat(buddy, f"{base}/?persoon=2&start={invitation['code']}")
        assert await buddy.evaluate("document.getElementById('persoon').textContent") == (
            "Je bent Jan"
        )
        await sees(buddy, buddy_text("uitleg"))
        await shot(buddy, "1-meedoen.png")
        await tap(buddy, BUDDY_BUTTONS["ja"])
        await sees(buddy, buddy_text("welkom"))
        await tap(buddy, BUDDY_BUTTONS["uitnodigen"])
        # The personal link is a link: it opens the next person's chat with the code.
        await buddy.wait_until("document.querySelector('.van-bot a.link') !== null")
        href: Any = await buddy.evaluate("document.querySelector('.van-bot a.link').href")
        assert "persoon=3" in href and "start=L" in href

        await open_chat(learner, href)  # person 3: Fatima
        ask = " ".join(learner_text(k, "Jan") for k in ("vraag_koppeling", "vraag_oefenen"))
        await sees(learner, ask)
        await tap(learner, LEARNER_BUTTONS["ja"])
        await sees(learner, learner_text("vraag_voortgang", "Jan"))
        await write(learner, "nee")  # typed: the question on screen takes it
        await sees(learner, learner_text("gekoppeld", "Jan"))
        await sees(buddy, buddy_text("nieuw", naam="Fatima"))
        await shot(learner, "2-uitnodigen.png")

        # A question with buttons, written by typing, answered by a click.
        await write(buddy, "maatje")
        await tap(buddy, BUDDY_BUTTONS["vraag"])
        await sees(buddy, buddy_text("schrijf"))
        await write(buddy, "Wat drink je graag?")
        await tap(buddy, BUDDY_BUTTONS["knoppen"])
        await write(buddy, "Water; Thee")
        await sees(buddy, buddy_text("verstuurd", naam="Fatima"))
        prompt = TEXTS["leerling"]["prompt"].format(naam="Jan", tekst="Wat drink je graag?")
        await sees(learner, f"{prompt}\n{learner_text('antwoord_hoe', 'Jan')}")
        await shot(learner, "3-vraag.png")
        await tap(learner, "Thee")
        await sees(learner, learner_text("bedankt", "Jan"))
        await sees(buddy, buddy_text("antwoord", naam="Fatima", tekst="Thee"))
        await shot(buddy, "4-antwoord.png")
        await tap(buddy, BUDDY_BUTTONS["goed"])
        await sees(learner, learner_text("reactie_goed", "Jan"))

        # The learner stops by typing; the buddy reads it in the other tab.
        await write(learner, "stop maatje")
        await sees(learner, learner_text("gestopt", "Jan"))
        await sees(buddy, buddy_text("gestopt", naam="Fatima"))
        assert buddy.errors == [] and learner.errors == []
        # Accessible as they are now: buttons, voice players, links, the protected note.
        for browser in (buddy, learner):
            violations = await axe_violations(browser)
            assert not violations, json.dumps(violations, indent=1)
