"""Afspraken: the desk's day per place, as `taalmaatje afspraken --dag` prints it, and
printable. A coordinator sees their own places only; the phone number a learner shared
for an appointment is shown to that place's coordinators (and admins), nowhere else.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from aiohttp import web

from bot.dashboard.common import PREFIX, current, deps_of, render
from bot.taalhuis.organisation import TIMEZONE, WEEKDAYS


def add_routes(app: web.Application) -> None:
    app.router.add_get(f"{PREFIX}afspraken", page)


async def page(request: web.Request) -> web.StreamResponse:
    viewer = await current(request)
    deps = deps_of(request)
    today = datetime.now(TIMEZONE).date()
    try:
        day = (
            date.fromisoformat(request.query.get("dag", "")) if request.query.get("dag") else today
        )
    except ValueError:
        day = today
    places = [p for p in viewer.places if p]
    entries = deps.appointments.on_day(day, TIMEZONE, places)
    reasons = deps.texts["afspraken_page"]["reasons"]
    by_place = [
        {
            "name": deps.organisation.locations[p].name if p in deps.organisation.locations else p,
            "entries": [
                {"time": f"{e.starts_at_local:%H:%M}", "reason": reasons.get(e.reason, e.reason),
                 "ref": e.ref, "phone": e.phone or ""}
                for e in entries if e.location_id == p
            ],
        }
        for p in places
    ]  # fmt: skip
    when = {"dag": WEEKDAYS[day.weekday()], "datum": f"{day.day}-{day.month}-{day.year}"}
    context = {
        "viewer": viewer, "page_title": deps.texts["afspraken_page"]["title"].format(**when),
        "places": by_place, "day": day.isoformat(),
        "previous": (day - timedelta(days=1)).isoformat(),
        "next": (day + timedelta(days=1)).isoformat(), "today": today.isoformat(),
    }  # fmt: skip
    return render(request, "desk.html", context)
