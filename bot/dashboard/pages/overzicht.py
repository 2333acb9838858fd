"""Overzicht: the last 13 weeks at a glance, for the viewer's places.

Active learners per week by profile and by place, new learners, practice, Taalhuis
questions, appointments, buddies, and how often the bot did not understand or asked
"Bedoel je ...?". Every figure comes from the weekly roll-ups (bot/store/stats.py).
"""

from __future__ import annotations

from datetime import date, timezone
from typing import Any

from aiohttp import web
from sqlalchemy import func, select

from bot.dashboard.common import NO_PLACE, PREFIX, Viewer, current, deps_of, place_name, render
from bot.dashboard.privacy import share
from bot.dashboard.tables import Table, csv_of, grid_table, week_label
from bot.store.models import PROFILES, CountWeek, LearnerFacts, LearnerWeek, Pairing, utcnow
from bot.store.stats import week_of, weeks_back
from bot.taalhuis.organisation import TIMEZONE

WEEKS = 13
PROFILE_COLUMNS = (*PROFILES, "")  # "": not chosen yet
QUESTION_KINDS = ("taalhuis", "openingstijden", "cursus", "lidmaatschap", "gebarentaal")
APPOINTMENT_EVENTS = ("gemaakt", "verzet", "afgezegd", "vol")


def add_routes(app: web.Application) -> None:
    app.router.add_get(PREFIX, page)
    app.router.add_get(f"{PREFIX}overzicht.csv", download)


async def page(request: web.Request) -> web.StreamResponse:
    viewer = await current(request)
    deps = deps_of(request)
    texts = deps.texts
    places = viewer.place_filter(request)
    chosen = viewer.chosen(request)
    names = [place_name(deps, p) for p in places]
    context = {
        "viewer": viewer, "page_title": texts["overview"], "tables": tables(request, viewer),
        "who": texts["logged_in_as"].format(
            plaatsen=texts["all_places"] if viewer.admin else ", ".join(names)
        ),
        "chosen": chosen, "names": {p: place_name(deps, p) for p in viewer.places},
        "csv_base": f"{PREFIX}overzicht.csv", "query_rest": _rest(chosen),
        "refreshed": _refreshed(deps),
    }  # fmt: skip
    return render(request, "overview.html", context)


async def download(request: web.Request) -> web.StreamResponse:
    viewer = await current(request)
    return csv_of(request, "overzicht", lambda: tables(request, viewer), viewer)


def tables(request: web.Request, viewer: Viewer) -> list[Table]:
    """The page's tables, for the viewer's places. Active learners have no total over the
    weeks: one learner active in three weeks is one learner, not three."""
    deps = deps_of(request)
    t, o = deps.texts, deps.texts["overzicht"]
    places = viewer.place_filter(request)
    weeks = weeks_back(week_of(utcnow()), WEEKS)
    labels = [week_label(w) for w in weeks]
    place_labels = [place_name(deps, p) for p in places]
    profile_labels = [t["profiles"][p or "geen"] for p in PROFILE_COLUMNS]
    with deps.sessions() as session:
        by_profile = _per_week(session, LearnerWeek.profile, places, weeks)
        by_place = _per_week(session, LearnerWeek.place, places, weeks)
        new = _new_learners(session, places, weeks)
        practice = _practice(session, places, weeks)
        counts = _counts(session, places, weeks[0])
        pairs = _active_pairs(session, places)
    week = t["week"]
    result = [
        grid_table("actief_profiel", o["active_by_profile"], week, labels, profile_labels,
                   [[by_profile.get((w, p), 0) for p in PROFILE_COLUMNS] for w in weeks], t,
                   column_totals=False, chart="line"),
        grid_table("actief_plaats", o["active_by_place"], week, labels, place_labels,
                   [[by_place.get((w, p), 0) for p in places] for w in weeks], t,
                   column_totals=False, chart="line"),
        grid_table("nieuw", o["new_learners"], week, labels, place_labels,
                   [[new.get((w, p), 0) for p in places] for w in weeks], t, chart="bar"),
    ]  # fmt: skip
    rounds = [[practice.get(w, (0, 0, 0, 0, 0))[i] for i in (0, 1)] for w in weeks]
    practised = grid_table(
        "oefenen", o["practice"], week, labels, [o["rounds"], o["exercises"]], rounds, t,
        row_totals=False, chart="bar",
    )  # fmt: skip
    practised.columns.append(o["share_right"])
    for row, w in zip(practised.cells, weeks, strict=True):
        _, exercises, right, _, _ = practice.get(w, (0, 0, 0, 0, 0))
        row.append(share(right, exercises, t["hidden"]))
    total_ex = sum(v[1] for v in practice.values())
    total_right = sum(v[2] for v in practice.values())
    practised.totals_below.append(share(total_right, total_ex, t["hidden"]))
    result.append(practised)

    kinds = [o["questions"][k] for k in QUESTION_KINDS]
    result.append(grid_table(
        "vragen", o["taalhuis_questions"], t["column_kind"], kinds, place_labels,
        [[counts.get(("taalhuis", "info", k, p), 0) for p in places] for k in QUESTION_KINDS],
        t, chart="bar",
    ))  # fmt: skip
    result.append(grid_table(
        "afspraken", o["appointments"], t["column_kind"],
        [o["appointment_events"][e] for e in APPOINTMENT_EVENTS], place_labels,
        [[counts.get(("taalhuis", e, "", p), 0) for p in places] for e in APPOINTMENT_EVENTS],
        t, chart="bar",
    ))  # fmt: skip
    result.append(grid_table(
        "maatjes", o["buddies"], t["column_place"], place_labels,
        [o["pairs"], o["prompts"], o["answers"]],
        [[pairs.get(p, 0), counts.get(("maatje", "vraag_verstuurd", "", p), 0),
          counts.get(("maatje", "antwoord", "", p), 0)] for p in places],
        t, row_totals=False,
    ))  # fmt: skip
    understood = grid_table(
        "begrip", o["understanding"], week, labels,
        [o["messages"], o["not_understood"], o["asked_back"]],
        [[practice.get(w, (0, 0, 0, 0, 0))[3], practice.get(w, (0, 0, 0, 0, 0))[4],
          _asked(counts, w, places)] for w in weeks],
        t, row_totals=False, chart="line", note=o["understanding_note"],
    )  # fmt: skip
    result.append(understood)
    return result


def _per_week(session: Any, column: Any, places: list[str], weeks: list[date]) -> dict:
    """Learners with any activity, per (week, value of ``column``)."""
    query = (
        select(LearnerWeek.week, column, func.count())
        .where(LearnerWeek.week >= weeks[0], LearnerWeek.place.in_(places))
        .group_by(LearnerWeek.week, column)
    )
    return {(w, value): n for w, value, n in session.execute(query)}


def _new_learners(session: Any, places: list[str], weeks: list[date]) -> dict:
    f = LearnerFacts
    query = (
        select(f.started_week, f.place, func.count())
        .where(f.started_week >= weeks[0], f.place.in_(places))
        .group_by(f.started_week, f.place)
    )
    return {(w, p): n for w, p, n in session.execute(query)}


def _practice(session: Any, places: list[str], weeks: list[date]) -> dict:
    """Per week: rounds, exercises, right, messages, not understood."""
    w = LearnerWeek
    query = (
        select(w.week, func.sum(w.rounds), func.sum(w.exercises), func.sum(w.correct),
               func.sum(w.messages), func.sum(w.not_understood))
        .where(w.week >= weeks[0], w.place.in_(places))
        .group_by(w.week)
    )  # fmt: skip
    return {row[0]: tuple(int(v or 0) for v in row[1:]) for row in session.execute(query)}


def _counts(session: Any, places: list[str], first: date) -> dict:
    """(source, kind, detail, place) -> count since ``first``; Taalhuis topics grouped
    (every course question is "cursus"); "bedoel" per week under (source, kind, week, place)."""
    c = CountWeek
    query = (
        select(c.source, c.kind, c.detail, c.place, c.week, func.sum(c.n))
        .where(c.week >= first, c.place.in_(places))
        .group_by(c.source, c.kind, c.detail, c.place, c.week)
    )
    found: dict[tuple[Any, ...], int] = {}
    for source, kind, detail, place, week, n in session.execute(query):
        if source == "taalhuis" and kind == "info":
            detail = "cursus" if detail.startswith("cursus") else detail
        elif source == "taalhuis":
            detail = ""
        if source == "bedoel":
            if detail == "gevraagd":
                key = ("bedoel", kind, week, place)
                found[key] = found.get(key, 0) + int(n)
            continue
        key = (source, kind, detail, place)
        found[key] = found.get(key, 0) + int(n)
    return found


def _asked(counts: dict, week: date, places: list[str]) -> int:
    return sum(
        counts.get(("bedoel", k, week, p), 0) for k in ("bedoeling", "ja_nee") for p in places
    )


def _active_pairs(session: Any, places: list[str]) -> dict[str, int]:
    query = (
        select(func.coalesce(Pairing.place, NO_PLACE), func.count())
        .where(Pairing.status == "active")
        .group_by(func.coalesce(Pairing.place, NO_PLACE))
    )
    return {p: n for p, n in session.execute(query) if p in places}


def _refreshed(deps: Any) -> str:
    when = deps.stats.refreshed_at() if deps.stats is not None else None
    if when is None:
        return deps.texts["not_refreshed"]
    local = when.replace(tzinfo=timezone.utc).astimezone(TIMEZONE)
    return deps.texts["refreshed"].format(tijd=f"{local:%H:%M}", datum=f"{local.day}-{local.month}")


def _rest(chosen: str | None) -> str:
    if chosen is None:
        return ""
    return f"&plek={chosen or '-'}"
