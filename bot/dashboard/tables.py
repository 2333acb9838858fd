"""Figures as a page shows them: a protected grid becomes a table, a chart and a CSV.

One ``Table`` feeds all three, so they cannot disagree: the chart script
(static/charts.js) reads its numbers from the HTML table beside it (a hidden cell is a gap
in the chart), and the CSV prints the table's cells.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from aiohttp import web

from bot.dashboard.common import Viewer, csv_response, deps_of, page_error
from bot.dashboard.privacy import Cell, Grid, protect


@dataclass
class Table:
    """A table on a page: ``key`` names it in the CSV link (``?tabel=key``)."""

    key: str
    caption: str
    row_header: str  # the first column's heading ("Week", "Plaats")
    columns: list[str]
    rows: list[str]
    cells: list[list[Cell]]
    total_label: str = ""
    totals_right: list[Cell] = field(default_factory=list)
    totals_below: list[Cell] = field(default_factory=list)
    chart: str | None = None  # "line" or "bar"; None: only the table
    note: str = ""

    def csv_rows(self) -> list[list[str]]:
        header = [self.row_header, *self.columns] + (
            [self.total_label] if self.totals_right else []
        )
        body = [
            [label, *(c.text for c in row)]
            + ([self.totals_right[i].text] if self.totals_right else [])
            for i, (label, row) in enumerate(zip(self.rows, self.cells, strict=True))
        ]
        if self.totals_below:
            body.append([self.total_label, *(c.text for c in self.totals_below)])
        return [header, *body]


def grid_table(
    key: str, caption: str, row_header: str, rows: list[str], columns: list[str],
    values: list[list[int]], texts: dict[str, Any], *, row_totals: bool = True,
    column_totals: bool = True, chart: str | None = None, note: str = "",
) -> Table:  # fmt: skip
    """A table of counts with totals, protected as a whole (bot/dashboard/privacy.py)."""
    grid = protect(
        Grid(rows, columns, values, row_totals=row_totals, column_totals=column_totals),
        small=texts["small"], hidden=texts["hidden"],
    )  # fmt: skip
    return Table(
        key, caption, row_header, columns, rows, grid.cells, texts["total"], grid.totals_right,
        grid.totals_below, chart, note,
    )  # fmt: skip


def week_label(week: date) -> str:
    return f"week {week.isocalendar()[1]}"


def csv_of(
    request: web.Request, name: str, tables: Callable[[], Sequence[Table]], viewer: Viewer
) -> web.Response:
    """The CSV of one of the page's tables (``?tabel=``), as the page shows it."""
    del viewer  # the tables were built for the viewer's places already
    wanted = request.query.get("tabel", "")
    for table in tables():
        if table.key == wanted:
            header, *rows = table.csv_rows()
            return csv_response(f"{name}-{table.key}.csv", header, rows)
    raise page_error(request, deps_of(request).texts["not_found"], 404)
