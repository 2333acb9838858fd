"""Uitnodigingen: make, list and revoke buddy invitations (and, for admins, coordinator
invitations) for one's own places.

Only a code's hash is stored (bot/store/buddies.py), so a new code's link and QR code are
shown once, on the page that made them (print it or hand it out then). The list shows
each invitation's kind, place, dates and state, never who used it.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from bot.buddy import codes
from bot.dashboard.common import (
    PREFIX,
    Viewer,
    current,
    deps_of,
    page_error,
    place_name,
    posted,
    render,
)
from bot.store.models import utcnow

MOST = 20  # invitations made at once


def add_routes(app: web.Application) -> None:
    app.router.add_get(f"{PREFIX}uitnodigingen", page)
    app.router.add_post(f"{PREFIX}uitnodigingen", make)
    app.router.add_post(f"{PREFIX}uitnodigingen/intrekken", revoke)


def _real_places(viewer: Viewer) -> list[str]:
    return [p for p in viewer.places if p]


def _kinds(viewer: Viewer) -> list[str]:
    """Admins invite coordinators too; coordinators invite buddies."""
    return ["maatje", "coordinator"] if viewer.admin else ["maatje"]


async def page(request: web.Request) -> web.StreamResponse:
    viewer = await current(request)
    return _page(request, viewer)


def _page(request: web.Request, viewer: Viewer, made: list[dict[str, str]] | None = None,
          notice: str = "", status: int = 200) -> web.Response:  # fmt: skip
    deps = deps_of(request)
    texts = deps.texts["uitnodigingen"]
    now = utcnow()
    rows = []
    for row in deps.buddies.invitations(_real_places(viewer)):
        if row["revoked_at"] is not None:
            state = "revoked"
        elif row["used_at"] is not None:
            state = "used"
        elif row["expires_at"] <= now:
            state = "expired"
        else:
            state = "open"
        rows.append({
            "id": row["id"], "kind": texts["kinds"][row["kind"]],
            "place": place_name(deps, row["place"]), "made": f"{row['created_at']:%d-%m-%Y}",
            "expires": f"{row['expires_at']:%d-%m-%Y}", "state": texts["states"][state],
            "open": state == "open",
        })  # fmt: skip
    context = {
        "viewer": viewer, "page_title": texts["title"], "rows": rows, "made": made or [],
        "notice": notice, "places": [(p, place_name(deps, p)) for p in _real_places(viewer)],
        "kinds": [(k, texts["kinds"][k]) for k in _kinds(viewer)], "most": MOST,
    }  # fmt: skip
    return render(request, "invitations.html", context, status=status)


async def make(request: web.Request) -> web.StreamResponse:
    viewer, form = await posted(request)
    deps = deps_of(request)
    texts = deps.texts["uitnodigingen"]
    place, kind = str(form.get("plek", "")), str(form.get("soort", "maatje"))
    try:
        count = int(str(form.get("aantal", "1")))
    except ValueError:
        count = 0
    if place not in _real_places(viewer) or kind not in _kinds(viewer):
        raise page_error(request, deps.texts["not_allowed"], 403)
    if not 1 <= count <= MOST:
        return _page(request, viewer, notice=texts["bad_count"].format(most=MOST), status=400)
    made_codes = [codes.new_code(kind) for _ in range(count)]
    expires = utcnow() + timedelta(days=codes.VALID_DAYS)
    deps.buddies.add_invitations(made_codes, kind, place, expires)
    username = deps.extra.get("bot_username", lambda: "taalmaatje_bot")()
    made = []
    for code in made_codes:
        link = codes.link(username, code)
        made.append({
            "link": link, "qr": codes.qr_svg_data(link), "kind": texts["kinds"][kind],
            "place": place_name(deps, place), "expires": f"{expires:%d-%m-%Y}",
        })  # fmt: skip
    return _page(request, viewer, made=made)


async def revoke(request: web.Request) -> web.StreamResponse:
    viewer, form = await posted(request)
    deps = deps_of(request)
    try:
        number = int(str(form.get("id", "")))
    except ValueError:
        number = -1
    if not deps.buddies.revoke(number, _real_places(viewer), utcnow()):
        raise page_error(request, deps.texts["uitnodigingen"]["not_revoked"], 404)
    return _page(request, viewer, notice=deps.texts["uitnodigingen"]["revoked"])
