"""The coordinators' dashboard (issue 12, first part): login by a link from the bot, the
session cookie, CSRF, security headers, one's own places only, "< 5" in page and CSV.

The whole bot runs with the emulator; the dashboard is on the same web server, at
/dashboard/, and is called over HTTP as a browser would.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
import sqlalchemy as sa

from bot.content import load_dashboard_texts
from bot.emulator.client import EmulatorClient, text_of
from bot.store.models import BuddyEvent, Pairing
from tests.conftest import make_settings
from tests.e2e.chromium import axe_violations, find_chromium, launch_chromium

pytestmark = pytest.mark.asyncio

TEXTS = load_dashboard_texts()
TIEL, CULEMBORG, LEARNER = 73_000_001, 73_000_002, 73_000_003
LINK = re.compile(r"http://\S+/dashboard/inloggen\?code=\S+")


@pytest_asyncio.fixture
async def bot(tmp_path: Path, model_path: Path) -> AsyncIterator[Any]:
    from bot.app import start_bot

    running = await start_bot(make_settings(tmp_path), model_path, with_emulator=True)
    running.store.coordinators.add(TIEL, ["tiel"])
    running.store.coordinators.add(CULEMBORG, ["culemborg"])
    fill(running)
    running.store.analytics.stats.refresh()  # as the bot's job does every five minutes
    try:
        yield running
    finally:
        await running.stop()


def fill(bot: Any) -> None:
    """Tiel: 6 active pairings, 12 prompts, 4 answers; Culemborg: 2, 7, 5."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    pairs = [("tiel", 6), ("culemborg", 2)]
    events = [("tiel", "vraag_verstuurd", 12), ("tiel", "antwoord", 4),
              ("culemborg", "vraag_verstuurd", 7), ("culemborg", "antwoord", 5)]  # fmt: skip
    with bot.store.engine.begin() as connection:
        connection.execute(sa.insert(Pairing), [
            {"buddy_id": 1000 + i, "learner_id": 2000 + i, "place": place, "status": "active",
             "practice_ok": True, "progress_ok": False, "started_at": now}
            for place, count in pairs for i in range(count)
        ])  # fmt: skip
        connection.execute(sa.insert(BuddyEvent), [
            {"kind": kind, "place": place, "created_at": now}
            for place, kind, count in events for _ in range(count)
        ])  # fmt: skip


async def login_link(bot: Any, chat: int) -> str:
    async with EmulatorClient(bot.emulator.base_url) as client:
        replies = await client.command(chat, "dashboard")
    [link] = LINK.findall(text_of(replies[-1]))
    assert replies[-1].get("protect_content"), "a login link is not to be forwarded"
    return link


def browser() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def test_a_coordinator_logs_in_once_and_sees_only_their_place(bot: Any) -> None:
    link = await login_link(bot, TIEL)
    async with browser() as session:
        async with session.get(link, allow_redirects=False) as response:
            assert response.status == 303 and response.headers["Location"] == "/dashboard/"
            cookie = response.headers["Set-Cookie"]
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        async with session.get(f"{bot.emulator.base_url}/dashboard/") as response:
            assert response.status == 200
            page = await response.text()
            for name, value in {
                "Content-Security-Policy": "frame-ancestors 'none'",
                "Referrer-Policy": "no-referrer",
            }.items():
                assert value in response.headers[name]
        # The buddies' table: Tiel's row only, with "< 5" for the 4 answers, in page and CSV.
        buddies = page[page.index('id="tabel-maatjes"') :]
        buddies = buddies[: buddies.index("</table>")]
        assert '<th scope="row">Tiel</th>' in buddies and "Culemborg" not in page
        assert re.search(r'<td class="visible">6</td>\s*<td class="visible">12</td>\s*'
                         r'<td class="small">&lt; 5</td>', buddies), buddies  # fmt: skip
        assert "<script>" not in page and " style=" not in page  # nothing inline (the CSP)
        async with session.get(
            f"{bot.emulator.base_url}/dashboard/overzicht.csv", params={"tabel": "maatjes"}
        ) as response:
            assert response.status == 200
            table = (await response.read()).decode("utf-8-sig").splitlines()
        o = TEXTS["overzicht"]
        assert table[:2] == [
            ";".join([TEXTS["column_place"], o["pairs"], o["prompts"], o["answers"]]),
            "Tiel;6;12;< 5",
        ]

    # The same link again (replayed, or a forwarded copy): refused.
    async with browser() as session, session.get(link, allow_redirects=False) as response:
        assert response.status == 403
        assert TEXTS["login_failed"] in await response.text()


async def test_pages_without_a_valid_session_show_nothing(bot: Any, tmp_path: Path) -> None:
    base = bot.emulator.base_url
    async with browser() as session:
        for path in ("/dashboard/", "/dashboard/overzicht.csv?tabel=maatjes"):
            async with session.get(f"{base}{path}") as response:
                assert response.status == 401, path
                body = await response.text()
                assert "Tiel" not in body and TEXTS["login_needed"] in body
    # A forged code, an expired one, one of a coordinator since removed.
    forged = "abc.0123456789abcdef0123456789abcdef"
    old = bot.store.coordinators.new_link_token(
        TIEL, now=datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(minutes=11)
    )
    for code in (forged, old, old.split(".")[0] + ".x", ""):
        async with (
            browser() as session,
            session.get(
                f"{base}/dashboard/inloggen", params={"code": code}, allow_redirects=False
            ) as response,
        ):
            assert response.status == 403, code
    # A tampered cookie: the session is gone.
    link = await login_link(bot, TIEL)
    async with browser() as session:
        async with session.get(link, allow_redirects=False):
            pass
        [cookie] = list(session.cookie_jar)
        value = cookie.value
    async with aiohttp.ClientSession() as plain:
        good = {"Cookie": f"{cookie.key}={value}"}
        async with plain.get(f"{base}/dashboard/", headers=good) as response:
            assert response.status == 200, "the cookie itself is the session"
        middle = len(value) // 2
        for tampered in (value[:middle] + ("A" if value[middle] != "A" else "B")
                         + value[middle + 1:], value[:-8], "x" + value):  # fmt: skip
            bad = {"Cookie": f"{cookie.key}={tampered}"}
            async with plain.get(f"{base}/dashboard/", headers=bad) as response:
                assert response.status == 401


async def test_a_learner_gets_no_link_and_logging_out_needs_the_form(bot: Any) -> None:
    async with EmulatorClient(bot.emulator.base_url) as client:
        replies = await client.command(LEARNER, "dashboard", timeout=30)
    assert not any(LINK.search(text_of(m)) for m in replies), "a learner gets no link"

    link = await login_link(bot, CULEMBORG)
    base = bot.emulator.base_url
    async with browser() as session:
        async with session.get(link):
            pass
        async with session.get(f"{base}/dashboard/") as response:
            page = await response.text()
        assert "Culemborg" in page and '<th scope="row">Tiel</th>' not in page, page
        # Without the form's CSRF token (another site posting): refused, still logged in.
        async with session.post(f"{base}/dashboard/uitloggen", data={}) as response:
            assert response.status == 403
        async with session.get(f"{base}/dashboard/") as response:
            assert response.status == 200
        [csrf] = re.findall(r'name="csrf" value="([^"]+)"', page)
        async with session.post(f"{base}/dashboard/uitloggen", data={"csrf": csrf}) as response:
            assert response.status == 200
        async with session.get(f"{base}/dashboard/") as response:
            assert response.status == 401


@pytest.mark.chromium
@pytest.mark.skipif(find_chromium() is None, reason="no chromium binary")
async def test_the_pages_pass_axe_in_chromium(bot: Any) -> None:
    link = await login_link(bot, TIEL)
    async with launch_chromium(width=1100, height=800) as browser:
        await browser.navigate(f"{bot.emulator.base_url}/dashboard/")  # not logged in
        assert TEXTS["login_needed"] in await browser.evaluate("document.body.innerText")
        assert not await axe_violations(browser)
        await browser.navigate(link)  # logs in, then the overview
        await browser.wait_until("document.querySelector('table') !== null")
        violations = await axe_violations(browser)
        assert not violations, violations
        # The first page's 401 is expected; nothing refused by the CSP, no script errors.
        assert [e for e in browser.errors if "status of 401" not in e] == []
        await browser.click("form.uitloggen button")
        await browser.wait_until(
            f"document.body && document.body.innerText.includes({TEXTS['login_needed']!r})"
        )
        assert not await axe_violations(browser)
