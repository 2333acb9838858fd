"""The statistics pages as a coordinator reads them: practice with the hardest item first,
the funnel, the desk's day (own place only, the same as `taalmaatje afspraken`), and every
CSV the same as its table; on a place with 4 learners nothing but "< 5" and "–"."""

from __future__ import annotations

import asyncio
import html
import json
import os
import re
import subprocess
import sys
from datetime import datetime, time, timedelta, timezone
from html.parser import HTMLParser
from typing import Any

import aiohttp
import pytest

from bot.content.bank import load_bank
from bot.settings import PROJECT_ROOT
from bot.store.practice import ExerciseEvent
from bot.taalhuis.organisation import TIMEZONE
from tests.e2e.test_dashboard import CULEMBORG, TEXTS, TIEL, bot, browser, login_link

pytestmark = pytest.mark.asyncio
__all__ = ["bot"]

FIRST = 74_000_000  # Tiel's learners
SMALL_PLACE = "geldermalsen"
GELDERMALSEN = 73_000_030


class Tables(HTMLParser):
    """Every <table>: its rows as lists of cell texts (header cells included)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables_of(page: str) -> list[list[list[str]]]:
    parser = Tables()
    parser.feed(page)
    return parser.tables


def fill(bot: Any) -> tuple[str, str]:
    """Tiel: 8 learners practise; one item is wrong for all. Geldermalsen: 4 learners.
    Returns the hard item's and an easy item's question."""
    store = bot.store
    analytics, practice = store.analytics, store.practice.store
    vervoer = load_bank().themes["vervoer"]
    hard, easy = vervoer.items[1][0], vervoer.items[1][1]
    for number in range(8):
        learner = FIRST + number
        analytics.record([(learner, "oefenen", 0.95, None)])
        analytics.set_profile(learner, "nt2")
        analytics.set_place(learner, "tiel")
        for item, right in ((hard, False), (easy, True)):
            practice.record(
                learner, ExerciseEvent("answered", "vervoer", 1, "kiezen", item.key, right)
            )
        practice.record_round(learner, "vervoer", 1, 0)
    for number in range(4):
        learner = FIRST + 100 + number
        analytics.record([(learner, "groet", 0.9, None)])
        analytics.set_place(learner, SMALL_PLACE)
        practice.record(learner, ExerciseEvent("answered", "vervoer", 1, "kiezen", easy.key, True))
    # Six Tiel learners who started six weeks ago; four came back in week 2, two in week 4.
    started = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(weeks=6)
    for number in range(6):
        learner = FIRST + 200 + number
        key = analytics.pseudonym(learner)
        analytics.stats.started(key, now=started)
        analytics.set_place(learner, "tiel")
        with store.engine.begin() as connection:
            from bot.store.models import AnalyticsEvent

            weeks = [0] + ([1] if number < 4 else []) + ([3] if number < 2 else [])
            connection.execute(AnalyticsEvent.__table__.insert(), [
                {"user_key": key, "intent": "groet", "confidence": 0.9, "action": None,
                 "created_at": started + timedelta(weeks=w, hours=1)} for w in weeks
            ])  # fmt: skip
    analytics.stats.refresh(everything=True)
    return f"{hard.article} {hard.word}", f"{easy.article} {easy.word}"


async def page_of(session: aiohttp.ClientSession, url: str) -> str:
    async with session.get(url) as response:
        assert response.status == 200, url
        return await response.text()


async def test_practice_funnel_and_csv_as_tiels_coordinator(bot: Any) -> None:
    hard, easy = fill(bot)
    base = f"{bot.emulator.base_url}/dashboard"
    async with browser() as session:
        await page_of(session, await login_link(bot, TIEL))
        practice = await page_of(session, f"{base}/oefenen")
        themes, hardest, _levels = tables_of(practice)
        name = load_bank().themes["vervoer"].name
        [vervoer] = [row for row in themes if row[0] == f"{name}, niveau 1"]
        assert vervoer[1:] == ["16", "50 %"]  # 16 answers, 8 right
        assert hardest[1][0] == html.unescape(hard) and hardest[1][3:] == ["8", "0 %"]
        assert hardest[2][0] == html.unescape(easy)

        funnel = tables_of(await page_of(session, f"{base}/trechter"))[0]
        steps = {row[0]: row[1:] for row in funnel[1:]}
        o = TEXTS["trechter"]["steps"]
        assert steps[o["started"]][0] == "6" and steps[o["week_2"]][0] == "< 5"

        # Every CSV link gives the table beside it, cell for cell.
        for name in ("", "oefenen", "trechter"):
            page = await page_of(session, f"{base}/{name}")
            for link in re.findall(r'href="(/dashboard/[a-z]*\.csv\?tabel=[^"]+)"', page):
                key = html.unescape(link).split("tabel=")[1].split("&")[0]
                table = page[page.index(f'<table id="tabel-{key}"') :]
                table = table[: table.index("</table>") + 8]
                [cells] = tables_of(table)
                async with session.get(bot.emulator.base_url + html.unescape(link)) as response:
                    text = (await response.read()).decode("utf-8-sig")
                assert [row.split(";") for row in text.splitlines()] == cells, link


async def test_a_place_with_four_learners_shows_only_small_cells(bot: Any) -> None:
    fill(bot)
    bot.store.coordinators.add(GELDERMALSEN, [SMALL_PLACE])
    base = f"{bot.emulator.base_url}/dashboard"
    async with browser() as session:
        await page_of(session, await login_link(bot, GELDERMALSEN))
        overview = await page_of(session, f"{base}/")
        by_place = overview[overview.index('<table id="tabel-actief_plaats"') :]
        [table] = tables_of(by_place[: by_place.index("</table>") + 8])
        # This week: 4 learners; other weeks nobody (0 is nobody, so it is shown).
        for row in table[1:]:
            assert set(row[1:]) <= {"< 5", "–", "0"}, row
        assert table[-1][1:] == ["< 5", "< 5"]
        assert "Tiel" not in overview


async def test_the_desk_sees_its_own_place_as_the_cli_prints_it(bot: Any) -> None:
    day = datetime.now(TIMEZONE).date() + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    at = datetime.combine(day, time(10), tzinfo=TIMEZONE)
    bot.store.appointments.book(FIRST, "tiel", at, "intake", 4, phone="0612345678")
    bot.store.appointments.book(FIRST + 1, "culemborg", at, "brief", 4, phone="0687654321")
    url = f"{bot.emulator.base_url}/dashboard/afspraken?dag={day.isoformat()}"
    async with browser() as session:
        await page_of(session, await login_link(bot, TIEL))
        tiel = await page_of(session, url)
    async with browser() as session:
        await page_of(session, await login_link(bot, CULEMBORG))
        culemborg = await page_of(session, url)
    assert "0612345678" in tiel and "0687654321" not in tiel
    assert "0687654321" in culemborg and "0612345678" not in culemborg and "Tiel" not in culemborg
    env = {**os.environ, "DATABASE_URL": str(bot.store.engine.url),
           "TAALMAATJE_SECRET": "test-secret"}  # fmt: skip
    printed = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot", "afspraken", "--dag", day.isoformat(), "--json"],
        capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=60, check=True,
    )  # fmt: skip
    cli = json.loads(printed.stdout)["appointments"]
    [row] = [r for r in cli if r["location_id"] == "tiel"]
    [page_row] = [r for t in tables_of(tiel) for r in t[1:]]
    assert row["starts_at"][11:16] in page_row and row["ref"] in page_row
    assert row["phone"] in page_row
