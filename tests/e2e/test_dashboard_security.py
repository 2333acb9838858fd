"""Every dashboard page, CSV and form, found from the web server's own routes: without a
session, with a tampered cookie, for a person who is no coordinator (any more), without
the form's CSRF token; and a coordinator of one place sees nothing of another place."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa

from tests.e2e.test_dashboard import CULEMBORG, TEXTS, TIEL, bot, browser, login_link

pytestmark = pytest.mark.asyncio
__all__ = ["bot"]

OPEN = {"/dashboard/inloggen", "/dashboard/telegram"}  # the ways in
FORMER = 73_000_040


def routes(bot: Any) -> tuple[list[str], list[str]]:
    """The dashboard's GET and POST paths (not the static files, not the ways in)."""
    gets, posts = [], []
    for route in bot.web.app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if not path.startswith("/dashboard/") or "/static" in path or path in OPEN:
            continue
        (gets if route.method == "GET" else posts if route.method == "POST" else []).append(path)
    return sorted(set(gets)), sorted(set(posts))


def counts(bot: Any) -> dict[str, int]:
    with bot.store.engine.connect() as connection:
        names = sa.inspect(connection).get_table_names()
        return {n: int(connection.scalar(sa.text(f"SELECT count(*) FROM {n}"))) for n in names}


def tiels_secrets(bot: Any) -> list[str]:
    """What must never reach Culemborg: Tiel's appointment phone number, and no page shows
    a pseudonym to anyone."""
    store = bot.store
    for number in range(37):
        learner = 75_000_000 + number
        store.analytics.record([(learner, "groet", 0.9, None)])
        store.analytics.set_place(learner, "tiel")
    store.analytics.stats.refresh()
    from datetime import datetime, time, timedelta

    from bot.taalhuis.organisation import TIMEZONE

    day = datetime.now(TIMEZONE).date() + timedelta(days=1)
    store.appointments.book(75_000_000, "tiel", datetime.combine(day, time(11), tzinfo=TIMEZONE),
                            "intake", 4, phone="0611223344")  # fmt: skip
    with store.engine.connect() as connection:
        keys = [r[0] for r in connection.execute(sa.text("SELECT user_key FROM learner_facts"))]
    return ["0611223344", "37", *keys]


async def test_nothing_without_a_valid_coordinators_session(bot: Any) -> None:
    gets, posts = routes(bot)
    assert {"/dashboard/", "/dashboard/oefenen", "/dashboard/uitnodigingen"} <= set(gets)
    assert posts, "forms exist"
    base = bot.emulator.base_url
    secrets = tiels_secrets(bot)
    # No session, and a session cookie someone altered.
    link = await login_link(bot, TIEL)
    async with browser() as session:
        async with session.get(link):
            pass
        [cookie] = list(session.cookie_jar)
    tampered = {"Cookie": f"{cookie.key}={cookie.value[:-6]}AAAAAA"}
    async with aiohttp.ClientSession() as anonymous:
        for path in gets + posts:
            for headers in ({}, tampered):
                method = anonymous.get if path in gets else anonymous.post
                async with method(f"{base}{path}", headers=headers) as response:
                    body = await response.text()
                    assert response.status == 401, (path, headers)
                    assert TEXTS["login_needed"] in body
                    assert not any(s in body for s in secrets[2:]), path
                    csp = response.headers["Content-Security-Policy"]
                    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
                    assert response.headers["Referrer-Policy"] == "no-referrer"
    # A coordinator who was removed: the session they still hold opens nothing.
    bot.store.coordinators.add(FORMER, ["tiel"])
    async with browser() as former:
        async with former.get(await login_link(bot, FORMER)):
            pass
        bot.store.coordinators.remove(FORMER)
        statuses = []
        for path in gets:  # the first says "for coordinators only" and ends the session
            async with former.get(f"{base}{path}") as response:
                statuses.append(response.status)
                assert "Tiel" not in await response.text()
        assert statuses[0] == 403 and set(statuses[1:]) <= {401}, statuses
    # Every form without its CSRF token: refused, nothing changed.
    async with browser() as session:
        async with session.get(await login_link(bot, TIEL)):
            pass
        before = counts(bot)
        for path in posts:
            async with session.post(f"{base}{path}", data={"plek": "tiel", "aantal": "1"}) as r:
                assert r.status == 403, path
                assert TEXTS["form_expired"] in await r.text()
    after = counts(bot)
    changed = {t for t in after if after[t] != before.get(t)}
    assert changed == set(), changed


async def test_another_places_coordinator_sees_nothing_of_tiel(bot: Any) -> None:
    secrets = tiels_secrets(bot)
    gets, _ = routes(bot)
    base = bot.emulator.base_url
    async with browser() as session:
        async with session.get(await login_link(bot, CULEMBORG)):
            pass
        pages = [p for p in gets if "{" not in p]
        for path in pages:
            for query in ("", "?plek=tiel", "?plek=-"):
                url = f"{base}{path}{query}"
                async with session.get(url) as response:
                    assert response.status in (200, 403, 404), url  # 403: admins only
                    body = await response.text()
                assert not any(s in body for s in secrets if s != "37"), url
                assert "Tiel" not in body, url
                for link in re.findall(r'href="(/dashboard/[^"]+\.csv[^"]*)"', body):
                    async with session.get(base + link.replace("&amp;", "&")) as csv:
                        text = (await csv.read()).decode("utf-8-sig")
                    assert "Tiel" not in text and not any(s in text for s in secrets[2:])
