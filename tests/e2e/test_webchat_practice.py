"""A practice round in the web chat, in a real headless Chromium, by clicking buttons only."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from bot.practice.service import answer_payload, theme_payload
from bot.settings import PROJECT_ROOT
from tests.e2e.chromium import (
    BOT_BUBBLES,
    Chromium,
    click_button,
    find_chromium,
    launch_chromium,
    texts,
)

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.chromium,
    pytest.mark.skipif(
        find_chromium() is None, reason="no chromium binary (apt-get install chromium)"
    ),
]

PROFILE = "nt2"
THEME = "boodschappen"


def nt2_texts(response: str, **fields: str) -> list[str]:
    """The texts a learner with profile nt2 may get for `response` (its own variations)."""
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    variations = domain["responses"][response]
    own = [
        v
        for v in variations
        if any(c["name"] == "profiel" and c["value"] == PROFILE for c in v.get("condition", []))
    ]
    chosen = own or [v for v in variations if not v.get("condition")]
    return [v["text"].format(**fields) for v in chosen]


async def test_practice_round_in_the_web_chat(harness: Any, client: Any) -> None:
    """Start, choose a profile, skip the check, pick a theme, answer right and wrong."""
    practice = harness.bot.store.practice
    async with launch_chromium(width=420, height=860) as browser:
        await browser.navigate(f"{harness.base_url}/")
        await browser.wait_until("document.getElementById('status').textContent === 'Online'")
        chat_id = int(await browser.evaluate("localStorage.getItem('taalmaatje.chatId')"))
        await browser.click("#start")

        await click_button(browser, '/instellingen{"profiel":"' + PROFILE + '"}')
        chosen = json.dumps(nt2_texts(f"utter_profiel_{PROFILE}")[0])
        await browser.wait_until(f"{texts('.van-bot .tekst')}.includes({chosen})", timeout=20)
        await click_button(browser, answer_payload("overslaan"))
        await click_button(browser, theme_payload(THEME))
        await click_and_check(browser, practice, chat_id, right=True)
        await click_and_check(browser, practice, chat_id, right=False)
        await browser.screenshot("/tmp/webchat-practice.png")
        assert browser.errors == []
    assert practice.store.answered(chat_id) == (2, 1)


async def click_and_check(browser: Chromium, practice: Any, chat_id: int, right: bool) -> None:
    """Click the right (or a wrong) answer of the open question and wait for the feedback.

    The open question is read from the database once its buttons are on the page (the bot
    stores the question before it sends it).
    """
    await browser.wait_until(
        "[...document.querySelectorAll('.van-bot button.knop')]"
        r""".some(b => /^\/oefenen\{"keuze":"\d+:/.test(b.dataset.data || ''))""",
        timeout=20,
    )
    exercise = practice.current(chat_id)
    assert exercise is not None, "a question is open"
    assert exercise.level == 1, "a new nt2 learner starts at level 1: no word-order taps"
    choice = exercise.answer if right else (exercise.answer + 1) % len(exercise.choices)
    await click_button(browser, answer_payload(f"{exercise.seq}:{choice}"))
    response = "utter_oef_goed" if right else "utter_oef_fout"
    expected = json.dumps(nt2_texts(response, juist=exercise.right))
    await browser.wait_until(
        f"{texts('.van-bot .tekst')}.some(t => {expected}.includes(t))", timeout=20
    )


LAST_BUTTON = """(() => {
    const bubbles = [...document.querySelectorAll('.van-bot')];
    const last = bubbles[bubbles.length - 1];
    const buttons = last ? [...last.querySelectorAll('button.knop')] : [];
    return buttons.length ? buttons.map(b => b.dataset.data) : null;
})()"""


async def click_first_and_wait(browser: Chromium, data: str) -> list[str]:
    """Click a button of the newest message; wait for the bot's next message with buttons."""
    before = await browser.evaluate(BOT_BUBBLES)
    await click_button(browser, data)
    await browser.wait_until(f"{BOT_BUBBLES} > {before} && {LAST_BUTTON} !== null", timeout=30)
    return await browser.evaluate(LAST_BUTTON)


async def test_a_deaf_learner_practises_three_themes_by_clicks_alone(harness: Any) -> None:
    """doof: intake with the level check, three rounds in three themes, the progress picture.

    Only clicks; after the profile choice no voice note appears, and no question asks the
    learner to listen.
    """
    practice = harness.bot.store.practice
    themes = ["werk_veiligheid", "gezondheid", "vervoer"]
    async with launch_chromium(width=420, height=860) as browser:
        await browser.navigate(f"{harness.base_url}/")
        await browser.wait_until("document.getElementById('status').textContent === 'Online'")
        chat_id = int(await browser.evaluate("localStorage.getItem('taalmaatje.chatId')"))
        await browser.click("#start")
        await browser.wait_until(f"{LAST_BUTTON} !== null", timeout=30)
        buttons = await click_first_and_wait(browser, '/instellingen{"profiel":"doof"}')
        voices_at_choice = await browser.evaluate("document.querySelectorAll('audio').length")

        buttons = await click_first_and_wait(browser, answer_payload("toets"))
        while theme_payload(themes[0]) not in buttons:  # the check, then the theme list
            buttons = await click_first_and_wait(browser, buttons[0])
        for theme in themes:
            buttons = await click_first_and_wait(browser, theme_payload(theme))
            while "/stoppen" not in buttons:  # answer with the first button until the end
                exercise = practice.current(chat_id)
                assert exercise is not None and exercise.kind != "luisteren"
                buttons = await click_first_and_wait(browser, buttons[0])
            if theme != themes[-1]:
                buttons = await click_first_and_wait(browser, "/oefenen")  # another theme
        buttons = await click_first_and_wait(browser, answer_payload("later"))
        before = await browser.evaluate(BOT_BUBBLES)
        await click_button(browser, "/voortgang")
        await browser.wait_until(
            f"{BOT_BUBBLES} > {before} && document.querySelector('.van-bot img') !== null",
            timeout=30,
        )
        await browser.screenshot("/tmp/webchat-doof.png")
        assert await browser.evaluate("document.querySelectorAll('audio').length") == (
            voices_at_choice
        ), "no voice note after choosing doof"
        assert browser.errors == []
    kinds = {e.kind for e in practice.store.events(chat_id)}
    assert "luisteren" not in kinds
    assert {e.theme for e in practice.store.events(chat_id) if e.event == "answered"} >= set(themes)
