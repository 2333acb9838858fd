"""The coordinators' dashboard: server-rendered pages on the bot's own web server.

Login without passwords: a coordinator sends /dashboard to the bot and gets a single-use
link (bot/store/coordinators.py). The session lives in an encrypted cookie (HttpOnly,
SameSite=Strict, Secure over https) and ends after 8 idle hours; every form carries a
CSRF token; every response a Content-Security-Policy without inline script, no framing and
no referrer. A coordinator sees the places they coordinate; an admin sees all.

Counts under 5 are shown as "< 5" (bot/dashboard/figures.py) in pages and CSV alike.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import get_session, new_session
from aiohttp_session import setup as setup_sessions
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from bot.dashboard.figures import BuddyRow, shown
from bot.store.coordinators import Coordinator, Coordinators

PREFIX = "/dashboard/"
STATIC = Path(__file__).with_name("static")
COOKIE = "taalmaatje_sessie"
IDLE_SECONDS = 8 * 3600
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class DashboardDeps:
    coordinators: Coordinators
    buddy_rows: Callable[[], list[BuddyRow]]  # per place, from the statistics
    places: dict[str, str]  # place id -> its name on the page (the town)
    texts: dict[str, str]  # bot/content/coordinator.yml, "dashboard"
    secure: bool = False  # served over https: cookies get Secure


DEPS: web.AppKey[DashboardDeps] = web.AppKey("dashboard", DashboardDeps)


def session_key(secret: str) -> bytes:
    """The cookie's 32-byte key, derived from the installation's secret (never stored)."""
    return hmac.new(secret.encode(), b"taalmaatje dashboard session", hashlib.sha256).digest()


def add_dashboard(app: web.Application, deps: DashboardDeps, secret: str) -> None:
    """The dashboard's routes under /dashboard/ on the bot's web server (routes of the one
    app, not a sub-application: aiohttp 3.9 cannot resolve those with this yarl)."""
    storage = EncryptedCookieStorage(
        session_key(secret), cookie_name=COOKIE, httponly=True, samesite="Strict",
        secure=deps.secure, path=PREFIX, max_age=None,
    )  # fmt: skip
    app.middlewares.append(_security_headers)
    setup_sessions(app, storage)
    aiohttp_jinja2.setup(
        app, loader=jinja2.PackageLoader("bot.dashboard", "templates"), autoescape=True
    )
    app[DEPS] = deps
    app.router.add_get(PREFIX, overview)
    app.router.add_get(f"{PREFIX}inloggen", login)
    app.router.add_post(f"{PREFIX}uitloggen", logout)
    app.router.add_get(f"{PREFIX}maatjes.csv", buddies_csv)
    app.router.add_static(f"{PREFIX}static/", STATIC)


@web.middleware
async def _security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """On the dashboard's pages (the emulator's web chat on the same server has its own)."""
    if not request.path.startswith(PREFIX):
        return await handler(request)
    try:
        response = await handler(request)
    except web.HTTPException as error:  # redirects and refusals get them too
        error.headers.update(HEADERS)
        raise
    response.headers.update(HEADERS)
    return response


# --- pages ------------------------------------------------------------------------------


async def login(request: web.Request) -> web.StreamResponse:
    """The link from the bot: once, within 10 minutes; then the session starts."""
    deps = request.app[DEPS]
    telegram_id = deps.coordinators.use_link_token(request.query.get("code", ""))
    coordinator = deps.coordinators.get(telegram_id) if telegram_id is not None else None
    if coordinator is None:
        return _message(request, deps.texts["login_failed"], status=403)
    session = await new_session(request)  # a fresh session: no fixation
    session["coordinator"] = coordinator.telegram_id
    session["seen"] = int(time.time())
    session["csrf"] = secrets.token_urlsafe(24)
    raise web.HTTPSeeOther(PREFIX)


async def logout(request: web.Request) -> web.StreamResponse:
    await _form(request)
    session = await get_session(request)
    session.invalidate()
    return _message(request, request.app[DEPS].texts["login_needed"])


async def overview(request: web.Request) -> web.StreamResponse:
    coordinator, csrf = await _coordinator(request)
    deps = request.app[DEPS]
    texts = deps.texts
    places = _places_of(coordinator, deps)
    rows = [shown(r, texts["small"]) for r in deps.buddy_rows() if r.place in places]
    names = ", ".join(deps.places[p] for p in places) if not coordinator.admin else None
    who = texts["logged_in_as"].format(plaatsen=names or texts["all_places"])
    context = {
        "page_title": texts["overview"], "who": who, "coordinator": coordinator,
        "csrf": csrf, "buddies": [dict(r, place=deps.places.get(r["place"], r["place"]))
                                  for r in rows],
    }  # fmt: skip
    return _render(request, "overview.html", context)


async def buddies_csv(request: web.Request) -> web.StreamResponse:
    """The same numbers as the table, with the same "< 5"."""
    coordinator, _ = await _coordinator(request)
    deps = request.app[DEPS]
    texts = deps.texts
    places = _places_of(coordinator, deps)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([texts[k] for k in ("column_place", "column_pairs", "column_prompts",
                                        "column_answers")])  # fmt: skip
    for row in deps.buddy_rows():
        if row.place in places:
            cells = shown(row, texts["small"])
            writer.writerow([deps.places.get(row.place, row.place), cells["pairs"],
                             cells["prompts"], cells["answers"]])  # fmt: skip
    return web.Response(
        body=out.getvalue().encode("utf-8-sig"), content_type="text/csv", charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="maatjes.csv"'},
    )  # fmt: skip


# --- helpers -----------------------------------------------------------------------------


async def _coordinator(request: web.Request) -> tuple[Coordinator, str]:
    """The logged-in coordinator and the session's CSRF token; else a page that says how
    to log in (401), or that this is for coordinators only (403)."""
    deps = request.app[DEPS]
    session = await get_session(request)
    telegram_id, seen = session.get("coordinator"), session.get("seen")
    now = int(time.time())
    if not isinstance(telegram_id, int) or not isinstance(seen, int) or now - seen > IDLE_SECONDS:
        session.invalidate()
        raise _page_error(request, deps.texts["login_needed"], 401)
    coordinator = deps.coordinators.get(telegram_id)
    if coordinator is None:  # no longer a coordinator
        session.invalidate()
        raise _page_error(request, deps.texts["not_allowed"], 403)
    session["seen"] = now  # idle time counts from the last page
    return coordinator, str(session.get("csrf") or "")


async def _form(request: web.Request) -> dict[str, Any]:
    """A posted form whose CSRF token matches the session's; else 403."""
    _, csrf = await _coordinator(request)
    data = await request.post()
    given = str(data.get("csrf") or "")
    if not csrf or not hmac.compare_digest(given, csrf):
        raise _page_error(request, request.app[DEPS].texts["form_expired"], 403)
    return dict(data)


def _places_of(coordinator: Coordinator, deps: DashboardDeps) -> list[str]:
    if coordinator.admin:
        return list(deps.places)
    return [p for p in deps.places if p in coordinator.places]


def _render(request: web.Request, template: str, context: dict[str, Any],
            status: int = 200) -> web.Response:  # fmt: skip
    deps = request.app[DEPS]
    base = {"t": deps.texts, "base": PREFIX, "static": f"{PREFIX}static", "coordinator": None,
            "csrf": ""}  # fmt: skip
    return aiohttp_jinja2.render_template(template, request, {**base, **context}, status=status)


def _message(request: web.Request, text: str, status: int = 200) -> web.Response:
    title = request.app[DEPS].texts["login_title"]
    return _render(request, "message.html", {"page_title": title, "message": text}, status)


def _page_error(request: web.Request, text: str, status: int) -> web.HTTPException:
    page = _message(request, text, status)
    error = web.HTTPUnauthorized if status == 401 else web.HTTPForbidden
    return error(text=page.text, content_type="text/html")
