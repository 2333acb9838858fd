"""The coordinators' dashboard: server-rendered pages on the bot's own web server.

Login without passwords: a coordinator sends /dashboard to the bot and gets a single-use
link (bot/store/coordinators.py). The session lives in an encrypted cookie (HttpOnly,
SameSite=Strict, Secure over https) and ends after 8 idle hours; every form carries a
CSRF token; every response a Content-Security-Policy without inline script, no framing and
no referrer. A coordinator sees the places they coordinate; an admin sees all.

Each page is a module in bot/dashboard/pages/ with ``add_routes(app)``; they share
bot/dashboard/common.py. Counts under 5 show as "< 5" (bot/dashboard/privacy.py).
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import pkgutil
import secrets
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import get_session, new_session
from aiohttp_session import setup as setup_sessions
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from bot.dashboard import pages
from bot.dashboard.common import DEPS, PREFIX, DashboardDeps, message, posted
from bot.dashboard.telegram_login import verified_id

STATIC = Path(__file__).with_name("static")
COOKIE = "taalmaatje_sessie"
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "media-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Permissions-Policy": "camera=(), geolocation=(), microphone=(self)",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

__all__ = ["PREFIX", "DashboardDeps", "add_dashboard", "session_key"]


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
    app.router.add_get(f"{PREFIX}inloggen", login)
    app.router.add_get(f"{PREFIX}telegram", telegram_login)
    app.router.add_post(f"{PREFIX}uitloggen", logout)
    for module in pkgutil.iter_modules(pages.__path__):
        importlib.import_module(f"{pages.__name__}.{module.name}").add_routes(app)
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


async def login(request: web.Request) -> web.StreamResponse:
    """The link from the bot: once, within 10 minutes; then the session starts."""
    deps = request.app[DEPS]
    telegram_id = deps.coordinators.use_link_token(request.query.get("code", ""))
    coordinator = deps.coordinators.get(telegram_id) if telegram_id is not None else None
    if coordinator is None:
        return message(request, deps.texts["login_failed"], status=403)
    await _start_session(request, coordinator.telegram_id)
    raise web.HTTPSeeOther(PREFIX)


async def telegram_login(request: web.Request) -> web.StreamResponse:
    """Telegram's LoginUrl button (bot/dashboard/telegram_login.py): once, 10 minutes."""
    deps = request.app[DEPS]
    fields = dict(request.query)
    telegram_id = verified_id(fields, deps.bot_token, time.time()) if deps.bot_token else None
    coordinator = deps.coordinators.get(telegram_id) if telegram_id is not None else None
    if coordinator is None or not deps.coordinators.use_once(telegram_id, fields["hash"]):
        return message(request, deps.texts["login_failed"], status=403)
    await _start_session(request, coordinator.telegram_id)
    raise web.HTTPSeeOther(PREFIX)


async def _start_session(request: web.Request, telegram_id: int) -> None:
    session = await new_session(request)  # a fresh session: no fixation
    session["coordinator"] = telegram_id
    session["seen"] = int(time.time())
    session["csrf"] = secrets.token_urlsafe(24)


async def logout(request: web.Request) -> web.StreamResponse:
    await posted(request)
    session = await get_session(request)
    session.invalidate()
    return message(request, request.app[DEPS].texts["login_needed"])
