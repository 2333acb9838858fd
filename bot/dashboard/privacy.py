"""Small cells: every count under 5 shows as "< 5", and no hidden count can be worked out.

A table of counts with row and column totals is a set of sums. If a sum (a row, a column,
or the totals) has exactly one hidden term, that term is the total minus the others; if
its hidden terms are all small ones under a shown total, the total narrows them down (two
hidden cells that add up to 7 are 3 and 4). So ``protect`` hides one more number in that
sum (the smallest cell shown, a total only when no cell is left: "secondary
suppression"), and repeats until no sum gives a hidden count away. Cells
hidden only for that reason show as "–" (they are 5 or more), primary ones as "< 5"; the
chart, the table and the CSV all print these same cells.

Zero is shown: it is nobody, so it tells nothing about a person; 1 to 4 are small cells.

A share (say, answers right out of answers) is shown only when neither the part nor the
rest is a hidden count: 3 wrong out of 200 must not show as 98.5 %.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

SMALLEST_SHOWN = 5
SMALL, SECONDARY, VISIBLE = "small", "secondary", "visible"


@dataclass(frozen=True)
class Cell:
    value: int | None  # None when hidden: the chart leaves a gap
    text: str  # what the table and the CSV show
    state: str = VISIBLE  # VISIBLE, SMALL or SECONDARY


@dataclass
class Grid:
    """Counts by row (e.g. weeks) and column (e.g. profiles), with the totals protected
    together with the cells."""

    rows: list[str]
    columns: list[str]
    values: list[list[int]]
    row_totals: bool = True  # a "Totaal" column (each row's sum)
    column_totals: bool = True  # a "Totaal" row (each column's sum)
    cells: list[list[Cell]] = field(default_factory=list)
    totals_right: list[Cell] = field(default_factory=list)  # per row
    totals_below: list[Cell] = field(default_factory=list)  # per column, then the grand total


def protect(grid: Grid, small: str = "< 5", hidden: str = "–") -> Grid:
    """Fill ``grid``'s cells and totals as shown, with primary and secondary suppression."""
    rows, cols = len(grid.rows), len(grid.columns)
    values = [list(map(int, row)) for row in grid.values]
    # Every number shown is a node: cells (r, c), row totals (r, cols), column totals
    # (rows, c) and the grand total (rows, cols).
    number: dict[tuple[int, int], int] = {
        (r, c): values[r][c] for r in range(rows) for c in range(cols)
    }
    if grid.row_totals:
        for r in range(rows):
            number[(r, cols)] = sum(values[r])
    if grid.column_totals:
        for c in range(cols):
            number[(rows, c)] = sum(values[r][c] for r in range(rows))
    if grid.row_totals and grid.column_totals:
        number[(rows, cols)] = sum(map(sum, values))
    state = {key: SMALL if 0 < n < SMALLEST_SHOWN else VISIBLE for key, n in number.items()}

    # The sums: each line's terms and its total (when the total is shown).
    sums: list[list[tuple[int, int]]] = []
    if grid.row_totals:
        sums += [[(r, c) for c in range(cols)] + [(r, cols)] for r in range(rows)]
        if grid.column_totals:
            sums.append([(rows, c) for c in range(cols)] + [(rows, cols)])
    if grid.column_totals:
        sums += [[(r, c) for r in range(rows)] + [(rows, c)] for c in range(cols)]
        if grid.row_totals:
            sums.append([(r, cols) for r in range(rows)] + [(rows, cols)])

    changed = True
    while changed:
        changed = False
        for terms in sums:
            unknown = [key for key in terms if state[key] != VISIBLE]
            total_shown = state[terms[-1]] == VISIBLE
            # One unknown is the total minus the rest; only small ones behind a shown total
            # narrow each down (4 + 3 = 7: both are 3 or 4). Either way, hide one more.
            narrowed = total_shown and unknown and all(state[k] == SMALL for k in unknown)
            if len(unknown) != 1 and not narrowed:
                continue
            shown_terms = [key for key in terms if state[key] == VISIBLE]
            if not shown_terms:
                continue
            # Hide the smallest cell (a total only when nothing else is left).
            # A real count rather than a zero (it hides more), a cell rather than a total.
            cells_first = sorted(
                shown_terms,
                key=lambda k: (k[0] == rows or k[1] == cols, number[k] == 0, number[k]),
            )
            state[cells_first[0]] = SECONDARY
            changed = True

    def cell(key: tuple[int, int]) -> Cell:
        if state[key] == SMALL:
            return Cell(None, small, SMALL)
        if state[key] == SECONDARY:
            return Cell(None, hidden, SECONDARY)
        return Cell(number[key], str(number[key]))

    grid.cells = [[cell((r, c)) for c in range(cols)] for r in range(rows)]
    grid.totals_right = [cell((r, cols)) for r in range(rows)] if grid.row_totals else []
    grid.totals_below = (
        [cell((rows, c)) for c in range(cols)] + ([cell((rows, cols))] if grid.row_totals else [])
        if grid.column_totals
        else []
    )
    return grid


def count(value: int, small: str = "< 5") -> Cell:
    """A count on its own (no sum it is part of is shown)."""
    if 0 < value < SMALLEST_SHOWN:
        return Cell(None, small, SMALL)
    return Cell(value, str(value))


def share(part: int, whole: int, hidden: str = "–") -> Cell:
    """``part`` of ``whole`` as a whole percentage, unless the part or the rest is small."""
    if whole < SMALLEST_SHOWN or 0 < part < SMALLEST_SHOWN or 0 < whole - part < SMALLEST_SHOWN:
        return Cell(None, hidden, SECONDARY)
    percent = round(100 * part / whole)
    return Cell(percent, f"{percent} %")


def column(values: Sequence[int], small: str = "< 5") -> list[Cell]:
    """One measure per row with no total shown: only the primary rule applies."""
    return [count(v, small) for v in values]
