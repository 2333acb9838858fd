"""Instroom: how many learners start, choose a profile, finish a first practice round,
and come back in their second and their fourth week, per place.

Counted over learners who started in the last year and at least four weeks ago (newer
ones cannot have come back in week 4 yet). "Week 2" is the week after the one they
started in, "week 4" the third week after it (``week_no``, bot/store/stats.py).
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web
from sqlalchemy import and_, case, func, select

from bot.dashboard.common import PREFIX, Viewer, current, deps_of, place_name, render
from bot.dashboard.tables import Table, csv_of, grid_table
from bot.store.models import LearnerFacts, LearnerWeek, utcnow
from bot.store.stats import week_of

STEPS = ("started", "profile", "first_round", "week_2", "week_4")


def add_routes(app: web.Application) -> None:
    app.router.add_get(f"{PREFIX}trechter", page)
    app.router.add_get(f"{PREFIX}trechter.csv", download)


async def page(request: web.Request) -> web.StreamResponse:
    viewer = await current(request)
    deps = deps_of(request)
    chosen = viewer.chosen(request)
    context = {
        "viewer": viewer, "page_title": deps.texts["trechter"]["title"],
        "tables": tables(request, viewer), "chosen": chosen,
        "names": {p: place_name(deps, p) for p in viewer.places},
        "csv_base": f"{PREFIX}trechter.csv",
        "query_rest": "" if chosen is None else f"&plek={chosen or '-'}",
    }  # fmt: skip
    return render(request, "funnel.html", context)


async def download(request: web.Request) -> web.StreamResponse:
    viewer = await current(request)
    return csv_of(request, "trechter", lambda: tables(request, viewer), viewer)


def tables(request: web.Request, viewer: Viewer) -> list[Table]:
    deps = deps_of(request)
    t, o = deps.texts, deps.texts["trechter"]
    places = viewer.place_filter(request)
    latest = week_of(utcnow()) - timedelta(weeks=4)
    f, w = LearnerFacts, LearnerWeek

    def learners_where(condition: object) -> object:
        return func.count(func.distinct(case((condition, f.user_key))))

    query = (
        select(
            f.place, func.count(func.distinct(f.user_key)),
            learners_where(f.profile_at.isnot(None)),
            learners_where(w.rounds > 0),
            learners_where(w.week_no == f.started_week_no + 1),
            learners_where(w.week_no == f.started_week_no + 3),
        )
        .select_from(f.__table__.outerjoin(w, and_(w.user_key == f.user_key)))
        .where(f.place.in_(places), f.started_week <= latest,
               f.started_week > latest - timedelta(weeks=52))
        .group_by(f.place)
    )  # fmt: skip
    with deps.sessions() as session:
        found = {row[0]: [int(n) for n in row[1:]] for row in session.execute(query)}
    values = [[found.get(p, [0] * len(STEPS))[i] for p in places] for i in range(len(STEPS))]
    return [
        grid_table(
            "trechter", o["funnel"], o["column_step"], [o["steps"][s] for s in STEPS],
            [place_name(deps, p) for p in places], values, t, column_totals=False,
            chart="bar", note=o["note"],
        )
    ]  # fmt: skip
