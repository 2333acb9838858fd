"""Oefenen: exercises per theme and level with the share right, the ten hardest items (so
that staff can explain them in the Taalhuis) and levels up and down per week.

All from the weekly roll-ups (ItemWeek, LearnerWeek). An item is among the hardest only
when at least 5 learners answered it in one of the weeks counted (the roll-up counts
learners per week; a sum over weeks would count one learner again every week).
"""

from __future__ import annotations

import functools
from typing import Any

from aiohttp import web
from sqlalchemy import func, select

from bot.dashboard.common import PREFIX, Viewer, current, deps_of, place_name, render
from bot.dashboard.privacy import share
from bot.dashboard.tables import Table, csv_of, grid_table, week_label
from bot.store.models import ItemWeek, LearnerWeek, utcnow
from bot.store.stats import week_of, weeks_back

PERIODS = (13, 26, 52)
HARDEST = 10
SMALLEST_GROUP = 5


def add_routes(app: web.Application) -> None:
    app.router.add_get(f"{PREFIX}oefenen", page)
    app.router.add_get(f"{PREFIX}oefenen.csv", download)


@functools.lru_cache(maxsize=1)
def _bank() -> Any:
    from bot.content.bank import load_bank

    return load_bank()


def _weeks(request: web.Request) -> int:
    asked = request.query.get("weken", "13")
    return int(asked) if asked.isdigit() and int(asked) in PERIODS else PERIODS[0]


async def page(request: web.Request) -> web.StreamResponse:
    viewer = await current(request)
    deps = deps_of(request)
    texts = deps.texts["oefenen"]
    weeks = _weeks(request)
    tables, hardest = _figures(request, viewer, weeks)
    chosen = viewer.chosen(request)
    rest = f"&weken={weeks}" + ("" if chosen is None else f"&plek={chosen or '-'}")
    context = {
        "viewer": viewer, "page_title": texts["title"], "tables": tables, "hardest": hardest,
        "weeks": weeks, "periods": PERIODS, "chosen": chosen,
        "names": {p: place_name(deps, p) for p in viewer.places},
        "csv_base": f"{PREFIX}oefenen.csv", "query_rest": rest,
    }  # fmt: skip
    return render(request, "practice.html", context)


async def download(request: web.Request) -> web.StreamResponse:
    viewer = await current(request)
    return csv_of(request, "oefenen", lambda: _figures(request, viewer, _weeks(request))[0], viewer)


def _figures(request: web.Request, viewer: Viewer, count: int) -> tuple[list[Table], list[dict]]:
    deps = deps_of(request)
    t, o = deps.texts, deps.texts["oefenen"]
    places = viewer.place_filter(request)
    weeks = weeks_back(week_of(utcnow()), count)
    bank = _bank()
    i = ItemWeek
    with deps.sessions() as session:
        per_level = {
            (theme, level): (int(done), int(right))
            for theme, level, done, right in session.execute(
                select(i.theme, i.level, func.sum(i.answered), func.sum(i.correct))
                .where(i.week >= weeks[0], i.place.in_(places))
                .group_by(i.theme, i.level)
            )
        }
        hardest_rows = session.execute(
            select(i.item_key, i.theme, i.level, func.sum(i.answered), func.sum(i.correct))
            .where(i.week >= weeks[0], i.place.in_(places))
            .group_by(i.item_key, i.theme, i.level)
            .having(func.max(i.learners) >= SMALLEST_GROUP)
            .order_by((1.0 * func.sum(i.correct) / func.sum(i.answered)).asc(), i.item_key)
            .limit(HARDEST)
        ).all()
        w = LearnerWeek
        levels = {
            week: (int(up or 0), int(down or 0))
            for week, up, down in session.execute(
                select(w.week, func.sum(w.levels_up), func.sum(w.levels_down))
                .where(w.week >= weeks[0], w.place.in_(places))
                .group_by(w.week)
            )
        }
    keys = [(theme.id, level) for theme in bank.themes.values() for level in sorted(theme.items)]
    labels = [f"{bank.themes[k].name}, {o['level'].format(niveau=n)}" for k, n in keys]
    themes = grid_table(
        "thema", o["per_theme"], o["column_theme"], labels, [o["exercises"]],
        [[per_level.get(key, (0, 0))[0]] for key in keys], t, row_totals=False,
    )  # fmt: skip
    themes.columns.append(o["share_right"])
    for row, key in zip(themes.cells, keys, strict=True):
        done, right = per_level.get(key, (0, 0))
        row.append(share(right, done, t["hidden"]))
    all_done = sum(v[0] for v in per_level.values())
    themes.totals_below.append(share(sum(v[1] for v in per_level.values()), all_done, t["hidden"]))
    moved = grid_table(
        "niveaus", o["levels"], t["week"], [week_label(x) for x in weeks],
        [o["level_up"], o["level_down"]], [list(levels.get(x, (0, 0))) for x in weeks], t,
        row_totals=False, chart="bar",
    )  # fmt: skip
    hardest = []
    for key, theme, level, done, right in hardest_rows:
        try:
            question = _question(bank.item(key))
        except KeyError:  # an item that left the content bank since
            continue
        hardest.append({
            "question": question,
            "theme": bank.themes[theme].name if theme in bank.themes else theme,
            "level": level, "answered": int(done),
            "share": share(int(right), int(done), t["hidden"]).text,
        })  # fmt: skip
    return [themes, moved], hardest


def _question(item: Any) -> str:
    """What the learner saw: the word, the sentence with its gap, or the question."""
    if item.level == 1:
        return " ".join(p for p in (item.article, item.word) if p)
    if item.level == 2:
        return item.sentence or ""
    return f"{item.text} {item.question}".strip()
