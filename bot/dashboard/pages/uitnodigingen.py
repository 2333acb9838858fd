"""Uitnodigingen: make, list and revoke invitations for one's own places.

A coordinator makes buddy invitations for the places they coordinate; an admin makes them
for any place, and coordinator invitations too (a coordinator invitation gives access to a
place's figures, and the coordinators are the admins' business). Everyone sees and revokes
only the kinds they may make, of their own places.

Only a code's hash is stored (bot/store/buddies.py), so a new code's link and QR code are
shown once, on the page that answers the form (it prints well: bot/dashboard/static/
print.js, and the print rules in dashboard.css). The list shows each invitation's kind,
place, dates and state, never who used it. The bot's username for the links comes from
``deps.extra["invitations"]`` (bot/app.py).
"""

from __future__ import annotations

from datetime import datetime, timezone

from aiohttp import web

from bot.buddy import codes
from bot.buddy.invitations import make_invitations, state
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
from bot.taalhuis.organisation import TIMEZONE

MOST = 50  # invitations made at once
PAGE = f"{PREFIX}uitnodigingen"


def add_routes(app: web.Application) -> None:
    app.router.add_get(PAGE, page)
    app.router.add_post(PAGE, make)
    app.router.add_post(f"{PAGE}/intrekken", revoke)


def _real_places(viewer: Viewer) -> list[str]:
    return [p for p in viewer.places if p]


def _kinds(viewer: Viewer) -> tuple[str, ...]:
    """Admins invite coordinators too; coordinators invite buddies."""
    return ("maatje", "coordinator") if viewer.admin else ("maatje",)


def _day(moment: datetime) -> str:
    """A stored (naive UTC) moment as the day in the Netherlands."""
    return f"{moment.replace(tzinfo=timezone.utc).astimezone(TIMEZONE):%d-%m-%Y}"


async def page(request: web.Request) -> web.StreamResponse:
    viewer = await current(request)
    texts = deps_of(request).texts["uitnodigingen"]
    notice = texts["revoked"] if request.query.get("ingetrokken") == "1" else ""
    return _page(request, viewer, notice=notice)


def _page(request: web.Request, viewer: Viewer, made: list[dict[str, str]] | None = None,
          notice: str = "", status: int = 200) -> web.Response:  # fmt: skip
    deps = deps_of(request)
    texts = deps.texts["uitnodigingen"]
    now = utcnow()
    rows = []
    for row in deps.buddies.invitations(_real_places(viewer), _kinds(viewer)):
        row_state = state(row, now)
        rows.append({
            "id": row["id"], "kind": texts["kinds"][row["kind"]],
            "place": place_name(deps, row["place"]), "made": _day(row["created_at"]),
            "expires": _day(row["expires_at"]), "state": texts["states"][row_state],
            "open": row_state == "open",
        })  # fmt: skip
    context = {
        "viewer": viewer, "page_title": texts["title"], "rows": rows, "made": made or [],
        "notice": notice, "places": [(p, place_name(deps, p)) for p in _real_places(viewer)],
        "kinds": [(k, texts["kinds"][k]) for k in _kinds(viewer)], "most": MOST,
    }  # fmt: skip
    return render(request, "invitations.html", context, status=status)


async def make(request: web.Request) -> web.StreamResponse:
    """The form: N invitations of one kind for one place, shown once with their QR codes."""
    viewer, form = await posted(request)
    deps = deps_of(request)
    texts = deps.texts["uitnodigingen"]
    place, kind = str(form.get("plek", "")), str(form.get("soort", "maatje"))
    if place not in _real_places(viewer) or kind not in _kinds(viewer):
        raise page_error(request, deps.texts["not_allowed"], 403)
    try:
        count = int(str(form.get("aantal", "1")))
    except ValueError:
        count = 0
    if not 1 <= count <= MOST:
        return _page(request, viewer, notice=texts["bad_count"].format(most=MOST), status=400)
    username = deps.extra["invitations"]()
    made = [
        {
            "link": invitation.link, "qr": codes.qr_svg_data(invitation.link),
            "kind": texts["kinds"][kind], "place": place_name(deps, place),
            "expires": _day(invitation.expires),
        }
        for invitation in make_invitations(deps.buddies, kind, place, count, username, utcnow())
    ]  # fmt: skip
    return _page(request, viewer, made=made)


async def revoke(request: web.Request) -> web.StreamResponse:
    """ "Intrekken": an open invitation of the viewer's places; then back to the list."""
    viewer, form = await posted(request)
    deps = deps_of(request)
    try:
        number = int(str(form.get("id", "")))
    except ValueError:
        number = -1
    if not deps.buddies.revoke(number, _real_places(viewer), utcnow(), _kinds(viewer)):
        raise page_error(request, deps.texts["uitnodigingen"]["not_revoked"], 404)
    raise web.HTTPSeeOther(f"{PAGE}?ingetrokken=1")
