"""An appointment in the web chat, in a real headless Chromium, by clicks alone.

A learner asks the opening hours, books by buttons (the phone number through the reply
keyboard's contact button), gets the calendar file, moves the appointment and cancels it; the
desk's day list then shows nothing booked. Days and times come from the buttons on screen:
the bot books against the real clock.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import pytest

from bot.content import load_channel_texts
from bot.taalhuis.labels import load_labels
from bot.taalhuis.organisation import TIMEZONE, load_organisation
from bot.telegram.handlers import DOUBLE_PRESS_SECONDS
from tests.e2e.chromium import (
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

PLACE = "tiel"
BOOK = "/afspraak_maken"
CHANGE = "/afspraak_annuleren"
PHONE = "+31612345678"  # what the web chat's contact button shares
CONTACT_BUTTON = '#toetsenbord button[data-request="contact"]'


def buttons_after(count: int, prefix: str) -> str:
    """JavaScript: the data of the buttons starting with `prefix` in the newest bot message
    after the first `count` ones that has any."""
    return f"""(() => {{
        const bubbles = [...document.querySelectorAll('.van-bot')].slice({count}).reverse();
        for (const bubble of bubbles) {{
            const found = [...bubble.querySelectorAll('button.knop')]
                .map(b => b.dataset.data || '')
                .filter(d => d.startsWith({json.dumps(prefix)}));
            if (found.length) return found;
        }}
        return [];
    }})()"""


def value_of(data: str, key: str) -> str:
    return json.loads(data[data.index("{") :])[key]


def evening_before(day: date) -> datetime:
    return datetime.combine(day - timedelta(days=1), time(18, 0), tzinfo=TIMEZONE)


async def new_buttons(browser: Chromium, after: int, prefix: str) -> list[str]:
    """Wait for a bot message (after the first `after`) with buttons starting with `prefix`."""
    script = buttons_after(after, prefix)
    await browser.wait_until(f"{script}.length > 0", timeout=30)
    return list(await browser.evaluate(script))


async def wait_for_text(browser: Chromium, words: str) -> None:
    await browser.wait_until(
        f"{texts('.van-bot .tekst')}.some(t => t.includes({json.dumps(words)}))", timeout=30
    )


def first_with_evening_ahead(buttons: list[str]) -> str:
    """The first day button whose reminder evening (18:00 the day before) is still ahead, so
    the form asks about a reminder as its last question."""
    soon = datetime.now(TIMEZONE) + timedelta(minutes=10)
    for data in buttons:
        if evening_before(date.fromisoformat(value_of(data, "dag"))) > soon:
            return data
    raise AssertionError(f"no day with a reminder evening ahead in {buttons}")


async def test_opening_hours_book_move_and_cancel_by_clicks(harness: Any) -> None:
    """Taalhuis → 🕙 Wanneer open? → Tiel; then 📅 Afspraak maken by buttons and the contact
    button; the .ics link; 📅 Mijn afspraak → 🔄 Andere tijd → day → time; ❌ Afzeggen."""
    labels = load_labels().labels
    location = load_organisation().locations[PLACE]
    appointments = harness.bot.store.appointments
    async with launch_chromium(width=420, height=860) as browser:
        await browser.navigate(f"{harness.base_url}/")
        await browser.wait_until("document.getElementById('status').textContent === 'Online'")
        chat_id = int(await browser.evaluate("localStorage.getItem('taalmaatje.chatId')"))
        await browser.click("#start")

        # The menu, the Taalhuis, its opening hours in Tiel.
        await click_button(browser, '/instellingen{"keuze":"later"}')
        await click_button(browser, "/taalhuis_info")
        hours = json.dumps(labels["openingstijden"])
        await browser.wait_until(f"{texts('.van-bot button.knop')}.includes({hours})", timeout=20)
        await click_button(browser, "/openingstijden")
        await click_button(browser, f'/openingstijden{{"plek":"{PLACE}"}}')
        await wait_for_text(browser, f"{location.name} is nu ")

        # Book: the answer's "📅 Afspraak maken", place, day, time, reason.
        before = await click_button(browser, BOOK)
        places = await new_buttons(browser, before, f'{BOOK}{{"plek"')
        assert f'{BOOK}{{"plek":"{PLACE}"}}' in places
        before = await click_button(browser, f'{BOOK}{{"plek":"{PLACE}"}}')
        day = first_with_evening_ahead(await new_buttons(browser, before, f'{BOOK}{{"dag"'))
        before = await click_button(browser, day)
        slot = (await new_buttons(browser, before, f'{BOOK}{{"tijd"'))[0]
        before = await click_button(browser, slot)
        reasons = await new_buttons(browser, before, f'{BOOK}{{"reden"')
        await click_button(browser, reasons[0])

        # The phone question's reply keyboard: Telegram's contact button.
        await browser.wait_until(
            f"document.querySelector({json.dumps(CONTACT_BUTTON)}) !== null"
            " && !document.getElementById('toetsenbord').hidden",
            timeout=30,
        )
        share = load_channel_texts().buttons["phone_share"]
        assert (
            await browser.evaluate(
                f"document.querySelector({json.dumps(CONTACT_BUTTON)}).textContent"
            )
            == share
        )
        await browser.click(CONTACT_BUTTON)
        await browser.wait_until(
            "[...document.querySelectorAll('.van-jou .contact')]"
            f".some(e => e.textContent === {json.dumps('📞 ' + PHONE)})",
            timeout=20,
        )
        await click_button(browser, "/bevestigen", timeout=30)
        await wait_for_text(browser, "Je afspraak staat!")
        assert await browser.evaluate("document.getElementById('toetsenbord').hidden") is True

        # The calendar file: a link to the .ics.
        links = "[...document.querySelectorAll('.van-bot a.document')]"
        await browser.wait_until(f"{links}.length === 1", timeout=30)
        name = await browser.evaluate(f"{links}[0].textContent")
        appointment = appointments.active(chat_id, datetime.now(timezone.utc))
        assert appointment is not None, "booked"
        assert name == f"afspraak-{appointment.ref}.ics"
        assert await browser.evaluate(f"{links}[0].download") == name
        booked_start = datetime.strptime(value_of(slot, "tijd"), "%Y-%m-%d_%H:%M").replace(
            tzinfo=TIMEZONE
        )
        assert appointment.starts_at == booked_start.astimezone(timezone.utc).replace(tzinfo=None)
        assert appointment.phone == PHONE
        ics = await browser.evaluate(f"fetch({links}[0].href).then(r => r.text())")
        assert "BEGIN:VEVENT" in ics
        assert f"DTSTART:{booked_start.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}" in ics

        # Move: 📅 Mijn afspraak → 🔄 Andere tijd → another day → its first time.
        before = await click_button(browser, CHANGE)
        await new_buttons(browser, before, f'{CHANGE}{{"keuze":"verzetten"}}')
        before = await click_button(browser, f'{CHANGE}{{"keuze":"verzetten"}}')
        days = await new_buttons(browser, before, f'{CHANGE}{{"keuze":"d')
        booked_day = booked_start.date().isoformat()
        other_days = [d for d in days if value_of(d, "keuze")[1:] != booked_day]
        before = await click_button(browser, other_days[0])
        new_slot = (await new_buttons(browser, before, f'{CHANGE}{{"keuze":"t'))[0]
        new_start = datetime.strptime(value_of(new_slot, "keuze")[1:], "%Y-%m-%d_%H:%M").replace(
            tzinfo=TIMEZONE
        )
        [free_before] = appointments.free_places(location.id, [new_start], location.places).values()
        await click_button(browser, new_slot)
        await wait_for_text(browser, "Je afspraak is verzet.")
        await browser.wait_until(f"{links}.length === 2", timeout=30)
        moved = appointments.active(chat_id, datetime.now(timezone.utc))
        assert moved is not None and moved.id == appointment.id
        assert moved.starts_at == new_start.astimezone(timezone.utc).replace(tzinfo=None)

        # Cancel: 📅 Mijn afspraak (again, at a human pace: a second tap of the same button
        # within DOUBLE_PRESS_SECONDS counts as a double tap) → ❌ Afzeggen.
        await asyncio.sleep(DOUBLE_PRESS_SECONDS)
        before = await click_button(browser, CHANGE)
        await new_buttons(browser, before, f'{CHANGE}{{"keuze":"afzeggen"}}')
        await wait_for_text(browser, f"om {new_start:%H:%M} uur in {location.town}. Wat wil je?")
        await click_button(browser, f'{CHANGE}{{"keuze":"afzeggen"}}')
        await wait_for_text(browser, "Je afspraak is afgezegd.")
        await browser.screenshot("/tmp/webchat-afspraak.png")
        assert browser.errors == []

    # The desk's day list: nothing booked on either day; the appointment is cancelled.
    assert appointments.active(chat_id, datetime.now(timezone.utc)) is None
    for day_listed in {booked_start.date(), new_start.date()}:
        refs = [entry.ref for entry in appointments.on_day(day_listed, TIMEZONE)]
        assert appointment.ref not in refs
    assert appointments.booked(chat_id, appointment.id) is None
    [free] = appointments.free_places(location.id, [new_start], location.places).values()
    assert free == free_before, "the moved-to place is free again"
