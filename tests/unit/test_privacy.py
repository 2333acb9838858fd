"""Small cells: nothing under 5 is shown, and no hidden count can be worked out from the
totals and its neighbours (checked with linear algebra on many random tables)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from bot.dashboard.privacy import SECONDARY, SMALL, VISIBLE, Grid, protect, share


def shown_and_hidden(grid: Grid) -> tuple[dict[tuple[int, int], int], set[tuple[int, int]]]:
    """Every number's node -> value, and which nodes are hidden (cells, totals right,
    totals below and the grand total)."""
    rows, cols = len(grid.rows), len(grid.columns)
    states: dict[tuple[int, int], str] = {}
    for r in range(rows):
        for c in range(cols):
            states[(r, c)] = grid.cells[r][c].state
        if grid.totals_right:
            states[(r, cols)] = grid.totals_right[r].state
    for c, cell in enumerate(grid.totals_below):
        states[(rows, c)] = cell.state
    values = {}
    for r, c in states:
        if r < rows and c < cols:
            values[(r, c)] = grid.values[r][c]
        elif r < rows:
            values[(r, c)] = sum(grid.values[r])
        elif c < cols:
            values[(r, c)] = sum(row[c] for row in grid.values)
        else:
            values[(r, c)] = sum(map(sum, grid.values))
    return values, {k for k, s in states.items() if s != VISIBLE}


def determined(grid: Grid) -> list[tuple[int, int]]:
    """Hidden numbers a reader can compute exactly from the shown ones and the sums."""
    rows, cols = len(grid.rows), len(grid.columns)
    values, hidden = shown_and_hidden(grid)
    order = sorted(hidden)
    index = {key: i for i, key in enumerate(order)}
    equations = []  # each sum: coefficients over the hidden numbers (the shown ones are known)
    lines = [[(r, c) for c in range(cols)] + [(r, cols)] for r in range(rows)]
    lines += [[(r, c) for r in range(rows)] + [(rows, c)] for c in range(cols)]
    lines += [[(rows, c) for c in range(cols)] + [(rows, cols)]]
    lines += [[(r, cols) for r in range(rows)] + [(rows, cols)]]
    for line in lines:
        if not all(key in values for key in line):
            continue  # that total is not on the page
        row = np.zeros(len(order))
        for key in line[:-1]:
            if key in index:
                row[index[key]] += 1
        if line[-1] in index:
            row[index[line[-1]]] -= 1
        if row.any():
            equations.append(row)
    if not equations:
        return []
    matrix = np.array(equations)
    rank = np.linalg.matrix_rank(matrix)
    found = []
    for key, i in index.items():
        unit = np.zeros(len(order))
        unit[i] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.append(key)
    return found


@pytest.mark.parametrize("seed", range(300))
def test_no_hidden_count_can_be_worked_out(seed: int) -> None:
    rng = random.Random(seed)
    rows, cols = rng.randint(1, 6), rng.randint(1, 5)
    values = [[rng.choice([0, 1, 2, 3, 4, 5, 7, 12, 40, 300]) for _ in range(cols)]
              for _ in range(rows)]  # fmt: skip
    names = [f"r{r}" for r in range(rows)], [f"c{c}" for c in range(cols)]
    totals = {"row_totals": rng.random() < 0.8, "column_totals": rng.random() < 0.8}
    grid = protect(Grid(*names, values, **totals))
    all_values, hidden = shown_and_hidden(grid)
    for key, value in all_values.items():
        if 0 < value < 5:
            assert key in hidden, (key, value)
    assert determined(grid) == [], (values, hidden)


def test_a_place_with_four_learners_shows_nothing_but_small_cells() -> None:
    grid = protect(Grid(["week 1", "week 2"], ["Tiel"], [[4], [3]]))
    assert [c.text for row in grid.cells for c in row] == ["< 5", "< 5"]
    assert [c.text for c in grid.totals_right] == ["< 5", "< 5"]
    assert [c.text for c in grid.totals_below] == ["–", "–"]  # 7: it would give both away
    assert determined(grid) == []


def test_one_small_cell_hides_a_neighbour_not_just_itself() -> None:
    grid = protect(Grid(["a", "b"], ["x", "y"], [[3, 20], [30, 40]]))
    states = [[c.state for c in row] for row in grid.cells]
    assert states[0][0] == SMALL
    assert sum(s == SECONDARY for row in states for s in row) >= 2  # a rectangle
    assert grid.cells[1][1].text == "40" or grid.cells[1][1].state == SECONDARY
    assert grid.totals_below[-1].text == "93"


def test_a_share_never_gives_a_small_count_away() -> None:
    assert share(197, 200).text == "–"  # 3 wrong
    assert share(3, 200).text == "–"
    assert share(150, 200).text == "75 %"
    assert share(4, 4).text == "–"
    assert share(200, 200).text == "100 %"  # none wrong is no small count


def test_zero_is_shown_it_is_nobody() -> None:
    grid = protect(Grid(["a", "b"], ["x"], [[0], [16]]))
    assert [row[0].text for row in grid.cells] == ["0", "16"]
