"""Afspraken: the desk's day per place, printable, for ``?dag=YYYY-MM-DD`` (today in
Amsterdam by default).

The list is the one ``taalmaatje afspraken --dag`` prints (bot/taalhuis/desk.py), for the
viewer's places only: a coordinator sees their own places, an admin every location. The
phone number a learner shared for an appointment is therefore shown to that place's
coordinators (and admins) and to no one else.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from aiohttp import web

from bot.dashboard.common import PREFIX, current, deps_of, render
from bot.taalhuis.desk import desk_day
from bot.taalhuis.organisation import TIMEZONE


def add_routes(app: web.Application) -> None:
    app.router.add_get(f"{PREFIX}afspraken", page)


async def page(request: web.Request) -> web.StreamResponse:
    viewer = await current(request)
    deps = deps_of(request)
    today = datetime.now(TIMEZONE).date()
    asked = request.query.get("dag", "")
    try:
        day = date.fromisoformat(asked) if asked else today
        bad = False
    except ValueError:
        day, bad = today, True
    if viewer.admin:  # every location, also one the data file no longer has
        places, shown = None, list(deps.organisation.locations)
    else:
        places = shown = [p for p in viewer.places if p]
    desk = desk_day(deps.appointments, deps.organisation, day, places)
    context = {
        "viewer": viewer, "page_title": desk.title, "locations": desk.by_location(shown),
        "day": day.isoformat(), "bad_date": bad, "today": today.isoformat(),
        "previous": (day - timedelta(days=1)).isoformat(),
        "next": (day + timedelta(days=1)).isoformat(),
    }  # fmt: skip
    return render(request, "desk.html", context)
