"""``taalmaatje bench --dashboard``: every dashboard page's server time on a demo year.

A fresh database (a SQLite file, or ``--database-url`` when it is empty) gets the demo
year (bot/demo_data.py); the dashboard runs in-process on the bot's own composition
(bot/app.py), with a middleware that times each request from arrival to response (the
server's time: session, queries, templates). As an admin and as a coordinator of one place,
every page in the menu, the pages its forms and links lead to under /dashboard/, and every
CSV, 3 times to warm up and then ``REPEATS`` times; p50 and p95 per page.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.settings import Settings

REPEATS = 30
WARM_UP = 3
EVENT_TABLES = ("analytics_events", "practice_events", "taalhuis_events",
                "clarification_events", "buddy_events")  # fmt: skip
ADMIN, COORDINATOR = 90_000_001, 90_000_002


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.found.append(href)


def _page_name(path: str) -> str:
    name = path.removeprefix("/dashboard/") or "overzicht"
    return name.split("#")[0]


def run_dashboard_bench(settings: Settings, args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="taalmaatje-dashboard-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'demo.db'}"
        bench_settings = replace(settings, database_url=url)
        figures = asyncio.run(_measure(bench_settings, args))
    if args.json:
        print(json.dumps(figures))
        return 0
    print(f"Dashboard on a demo year: {figures['dashboard']['events']} events")
    for page, times in figures["dashboard"]["pages"].items():
        print(f"  {page:52} p50 {times['p50_ms']:7.1f} ms   p95 {times['p95_ms']:7.1f} ms")
    return 0


async def _measure(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    from sqlalchemy import func, select, table

    from bot.app import _dashboard_deps, open_speech, open_store
    from bot.dashboard.app import add_dashboard
    from bot.demo_data import make_demo_year

    store = open_store(settings)
    try:
        made = await asyncio.to_thread(
            make_demo_year, store.engine, store.analytics.pseudonym,
            learners=args.demo_learners, weeks=args.demo_weeks,
        )  # fmt: skip
        with store.engine.connect() as connection:
            events = sum(
                int(connection.scalar(select(func.count()).select_from(table(name))) or 0)
                for name in EVENT_TABLES
            )
        store.coordinators.add(ADMIN, [], admin=True)
        store.coordinators.add(COORDINATOR, [next(iter(store.organisation.locations))])
        times: dict[str, list[float]] = {}
        current: list[str] = []

        @web.middleware
        async def timed(request: web.Request, handler: Any) -> web.StreamResponse:
            started = time.perf_counter()
            try:
                return await handler(request)
            finally:
                if current:
                    times.setdefault(current[0], []).append((time.perf_counter() - started) * 1000)

        app = web.Application(middlewares=[timed])
        speech = open_speech(settings, store)
        add_dashboard(app, _dashboard_deps(settings, store, speech), settings.secret_key.get())
        async with TestClient(TestServer(app)) as client:
            for who, label in ((ADMIN, "admin"), (COORDINATOR, "coordinator")):
                await _log_in(client, store, who)
                for path in await _pages(client):
                    name = f"{_page_name(path)} ({label})"
                    for repeat in range(WARM_UP + args.repeats):
                        current[:] = [name] if repeat >= WARM_UP else []
                        async with client.get(path) as response:
                            await response.read()
                            if response.status != 200:
                                raise RuntimeError(f"{path}: HTTP {response.status}")
                    current.clear()
        pages = {
            name: {"p50_ms": round(statistics.median(found), 1),
                   "p95_ms": round(_percentile(found, 0.95), 1)}
            for name, found in times.items()
        }  # fmt: skip
        return {
            "dashboard": {
                "events": events, "learners": made.learners,
                "demo_data_s": round(made.seconds, 1), "rollup_s": round(made.rollup_seconds, 1),
                "database": store.engine.dialect.name, "pages": pages,
            }
        }  # fmt: skip
    finally:
        store.close()


async def _log_in(client: TestClient, store: Any, telegram_id: int) -> None:
    client.session.cookie_jar.clear()
    token = store.coordinators.new_link_token(telegram_id)
    async with client.get("/dashboard/inloggen", params={"code": token}) as response:
        if response.status != 200:
            raise RuntimeError(f"login failed: HTTP {response.status}")


async def _pages(client: TestClient) -> list[str]:
    """The menu's pages, every CSV, and one variant of each page (?plek=, a day, a page)."""
    seen: list[str] = []
    queue = ["/dashboard/"]
    while queue and len(seen) < 60:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.append(path)
        if path.endswith(".csv") or ".csv?" in path:
            continue
        async with client.get(path) as response:
            if "text/html" not in response.headers.get("Content-Type", ""):
                continue
            parser = _Links()
            parser.feed(await response.text())
        for href in parser.found:
            target = urljoin(path, href)
            parts = urlsplit(target)
            if parts.netloc or not parts.path.startswith("/dashboard/"):
                continue
            if "/static/" in parts.path or parts.path.endswith(("inloggen", "telegram")):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            same = [p for p in seen + queue if urlsplit(p).path == parts.path]
            # Every CSV; of a page, itself and one variant (another day, page or place).
            if local not in same and (parts.path.endswith(".csv") or len(same) < 2):
                queue.append(local)
    return seen


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]
