"""What every dashboard page shares: who is logged in, which places they may see, forms
with their CSRF token, rendering, CSV downloads and the refusal pages.

A page handler starts with ``viewer = await current(request)`` (401/403 otherwise) and
posts go through ``await posted(request)`` (403 without the session's CSRF token). The
places a page shows are always ``viewer.places``: an admin sees all, a coordinator only
their own.
"""

from __future__ import annotations

import csv
import hmac
import io
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session

from bot.store.coordinators import Coordinator

PREFIX = "/dashboard/"
IDLE_SECONDS = 8 * 3600
NO_PLACE = ""  # learners whose place is not known (admins see them)


@dataclass(frozen=True)
class DashboardDeps:
    """The dashboard's view of the bot (built in bot/app.py, the composition root)."""

    coordinators: Any  # bot/store/coordinators.py
    sessions: Any  # SQLAlchemy sessionmaker: the pages' queries
    places: dict[str, str]  # place id -> its name on the page (the town), in file order
    texts: dict[str, Any]  # bot/content/coordinator.yml "dashboard" + bot/content/dashboard/
    secure: bool = False  # served over https: cookies get Secure
    stats: Any = None  # bot/store/stats.py
    buddies: Any = None  # bot/store/buddies.py
    appointments: Any = None  # bot/store/appointments.py
    organisation: Any = None  # bot/taalhuis/organisation.py
    bot_token: str | None = (
        None  # checks Telegram's LoginUrl data (bot/dashboard/telegram_login.py)
    )
    extra: dict[str, Any] = field(default_factory=dict)  # a page's own dependencies


DEPS: web.AppKey[DashboardDeps] = web.AppKey("dashboard", DashboardDeps)


@dataclass(frozen=True)
class Viewer:
    coordinator: Coordinator
    csrf: str
    places: list[str]  # place ids this person may see, in the organisation's order

    @property
    def admin(self) -> bool:
        return self.coordinator.admin

    def place_filter(self, request: web.Request) -> list[str]:
        """The places a page shows: ``?plek=`` narrows to one of the viewer's places."""
        chosen = self.chosen(request)
        return list(self.places) if chosen is None else [chosen]

    def chosen(self, request: web.Request) -> str | None:
        """The one place asked for with ``?plek=`` ("-": no place known), or None."""
        asked = request.query.get("plek", "")
        place = NO_PLACE if asked == "-" else asked
        return place if asked and place in self.places else None


def deps_of(request: web.Request) -> DashboardDeps:
    return request.app[DEPS]


async def current(request: web.Request) -> Viewer:
    """The logged-in coordinator; else a page that says how to log in (401), or that this
    is for coordinators only (403). Idle time counts from the last page."""
    deps = deps_of(request)
    session = await get_session(request)
    telegram_id, seen = session.get("coordinator"), session.get("seen")
    now = int(time.time())
    if not isinstance(telegram_id, int) or not isinstance(seen, int) or now - seen > IDLE_SECONDS:
        session.invalidate()
        raise page_error(request, deps.texts["login_needed"], 401)
    coordinator = deps.coordinators.get(telegram_id)
    if coordinator is None:  # no longer a coordinator
        session.invalidate()
        raise page_error(request, deps.texts["not_allowed"], 403)
    session["seen"] = now
    if coordinator.admin:
        places = [*deps.places, NO_PLACE]
    else:
        places = [p for p in deps.places if p in coordinator.places]
    return Viewer(coordinator, str(session.get("csrf") or ""), places)


async def posted(request: web.Request) -> tuple[Viewer, dict[str, Any]]:
    """A posted form whose CSRF token matches the session's; else 403."""
    viewer = await current(request)
    data = await request.post()
    given = str(data.get("csrf") or "")
    if not viewer.csrf or not hmac.compare_digest(given, viewer.csrf):
        raise page_error(request, deps_of(request).texts["form_expired"], 403)
    return viewer, dict(data)


def admin_only(request: web.Request, viewer: Viewer) -> None:
    if not viewer.admin:
        raise page_error(request, deps_of(request).texts["not_allowed"], 403)


def place_name(deps: DashboardDeps, place: str) -> str:
    return deps.places.get(place) or deps.texts["no_place"]


def render(
    request: web.Request, template: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    """A page in the dashboard's frame (bot/dashboard/templates/base.html)."""
    deps = deps_of(request)
    base = {
        "t": deps.texts, "base": PREFIX, "static": f"{PREFIX}static", "coordinator": None,
        "csrf": "", "path": request.path, "nav": [],
    }  # fmt: skip
    viewer = context.pop("viewer", None)
    if isinstance(viewer, Viewer):
        base.update(
            coordinator=viewer.coordinator, csrf=viewer.csrf,
            nav=navigation(deps, viewer, _routes(request.app)),
            viewer=viewer,
        )  # fmt: skip
    return aiohttp_jinja2.render_template(template, request, {**base, **context}, status=status)


# The pages in the menu: (path under /dashboard/, text key); admin-only ones last.
NAV = (
    ("", "nav_overview"), ("oefenen", "nav_practice"), ("trechter", "nav_funnel"),
    ("afspraken", "nav_appointments"), ("uitnodigingen", "nav_invitations"),
    ("stem", "nav_voice"),
)  # fmt: skip
ADMIN_NAV = (("coordinatoren", "nav_coordinators"),)


def navigation(deps: DashboardDeps, viewer: Viewer, routes: set[str]) -> list[tuple[str, str]]:
    """The menu: the pages this viewer may open that the server has."""
    items = list(NAV) + (list(ADMIN_NAV) if viewer.admin else [])
    return [(f"{PREFIX}{path}", deps.texts[key]) for path, key in items
            if f"{PREFIX}{path}" in routes]  # fmt: skip


def _routes(app: web.Application) -> set[str]:
    return {resource.canonical for resource in app.router.resources()}


def message(request: web.Request, text: str, status: int = 200) -> web.Response:
    title = deps_of(request).texts["login_title"]
    return render(request, "message.html", {"page_title": title, "message": text}, status)


def page_error(request: web.Request, text: str, status: int) -> web.HTTPException:
    page = message(request, text, status)
    kinds = {401: web.HTTPUnauthorized, 404: web.HTTPNotFound, 400: web.HTTPBadRequest}
    error = kinds.get(status, web.HTTPForbidden)
    return error(text=page.text, content_type="text/html")


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> web.Response:
    """A CSV for Excel (semicolons, UTF-8 with BOM): the same cells as the page's table."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    return web.Response(
        body=out.getvalue().encode("utf-8-sig"), content_type="text/csv", charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )  # fmt: skip
