"""The progress picture: a real PNG whose stars, steps and names are where the layout says.

Pixels are sampled at the geometry the module exports (``layout_progress``), so the tests
check what was drawn without hard-coding coordinates.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.practice import picture
from bot.practice.picture import ProgressRow, layout_progress, render_progress

TITLE = "Jouw voortgang"
LONG_NAMES = [
    "Bus, trein en fiets",
    "Werk en veiligheid",
    "Arbeidsomstandighedenwetgeving en nog veel meer woorden",
]


def _render(
    rows: list[ProgressRow], title: str = TITLE, label: str = "Niveau"
) -> tuple[Image.Image, picture.Layout]:
    image = Image.open(io.BytesIO(render_progress(rows, title, label)))
    image.load()
    return image.convert("RGB"), layout_progress(rows, title, label)


def _near_white(colour: tuple[int, int, int]) -> bool:
    """Text ink; none of the shape colours comes this close to white."""
    return min(colour) >= 200


def _filled_stars(image: Image.Image, row: picture.RowLayout) -> int:
    return sum(image.getpixel(centre) == picture.STAR_FILL for centre in row.star_centres)


def _filled_steps(image: Image.Image, row: picture.RowLayout) -> int:
    centres = [
        ((left + right) // 2, (top + bottom) // 2) for left, top, right, bottom in row.level_bars
    ]
    return sum(image.getpixel(centre) == picture.LEVEL_FILL for centre in centres)


def test_png_of_fixed_width_that_grows_with_the_rows() -> None:
    heights = []
    for count in (0, 1, 2, 8):
        data = render_progress([ProgressRow("Dokter", 2, 1)] * count, TITLE)
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        image = Image.open(io.BytesIO(data))
        assert image.format == "PNG"
        image.verify()
        assert image.width == picture.WIDTH
        heights.append(image.height)
    assert heights == sorted(set(heights)), heights


@pytest.mark.parametrize("stars", [0, 1, 3, 5])
def test_filled_stars_show_the_progress(stars: int) -> None:
    image, layout = _render([ProgressRow("Boodschappen", stars, 2)])
    (row,) = layout.rows
    assert _filled_stars(image, row) == stars
    # The rest are hollow: the card shows through their centres, so not only colour differs.
    hollow = row.star_centres[stars:]
    assert all(image.getpixel(centre) == picture.CARD for centre in hollow)


@pytest.mark.parametrize("level", [1, 2, 3])
def test_filled_steps_show_the_level(level: int) -> None:
    image, layout = _render([ProgressRow("Boodschappen", 3, level)])
    (row,) = layout.rows
    assert _filled_steps(image, row) == level
    # Steps rise left to right.
    heights = [bottom - top for _, top, _, bottom in row.level_bars]
    assert heights == sorted(set(heights))


def test_each_row_shows_its_own_progress() -> None:
    rows = [ProgressRow(name, stars, level) for name, stars, level in [("A", 5, 1), ("B", 0, 3)]]
    image, layout = _render(rows)
    assert [_filled_stars(image, row) for row in layout.rows] == [5, 0]
    assert [_filled_steps(image, row) for row in layout.rows] == [1, 3]


@pytest.mark.parametrize(
    ("stars", "level", "shown_stars", "shown_level"),
    [(9, 7, 5, 3), (-2, 0, 0, 1), (6, -1, 5, 1)],
)
def test_stars_and_level_are_clamped(
    stars: int, level: int, shown_stars: int, shown_level: int
) -> None:
    image, layout = _render([ProgressRow("Boodschappen", stars, level)])
    (row,) = layout.rows
    assert (row.stars, row.level) == (shown_stars, shown_level)
    assert len(row.star_centres) == picture.MAX_STARS
    assert len(row.level_bars) == picture.MAX_LEVEL
    assert _filled_stars(image, row) == shown_stars
    assert _filled_steps(image, row) == shown_level


def test_long_names_stay_inside_their_column() -> None:
    rows = [ProgressRow(name, 5, 3) for name in LONG_NAMES]
    image, layout = _render(rows)
    assert image.height == layout.height
    for row in layout.rows:
        assert row.name.size >= picture.NAME_MIN_SIZE
        # The gap between the name column and the stars is bare card: no ink spilled into it.
        gutter = image.crop((picture.NAME_RIGHT, row.top, picture.STARS_LEFT, row.bottom))
        assert [colour for _, colour in gutter.getcolors()] == [picture.CARD]
        text_pixels = [
            x
            for y in range(row.top, row.bottom)
            for x in range(picture.WIDTH)
            if _near_white(image.getpixel((x, y)))
        ]
        assert text_pixels, "the name was drawn"
        assert picture.NAME_LEFT - 1 <= min(text_pixels)
        assert max(text_pixels) < picture.NAME_RIGHT
    # The last name needed wrapping and breaking, so its row is taller than a one-line row.
    assert len(layout.rows[2].name.lines) > 2


def test_short_names_keep_the_full_size_on_one_line() -> None:
    layout = layout_progress([ProgressRow("Dokter", 1, 1)], TITLE)
    (row,) = layout.rows
    assert row.name.size == picture.NAME_SIZE
    assert [line.text for line in row.name.lines] == ["Dokter"]


def test_a_two_word_name_wraps_between_words() -> None:
    layout = layout_progress([ProgressRow("Werk en veiligheid", 1, 1)], TITLE)
    (row,) = layout.rows
    lines = [line.text for line in row.name.lines]
    assert " ".join(lines) == "Werk en veiligheid"
    assert row.name.size >= picture.NAME_MIN_SIZE


def test_long_title_stays_inside() -> None:
    title = "Dit is jouw voortgang van deze week en de vorige week samen"
    image, layout = _render([], title)
    assert len(layout.title.lines) > 1
    right = image.crop((picture.WIDTH - picture.NAME_LEFT, 0, picture.WIDTH, image.height))
    assert [colour for _, colour in right.getcolors()] == [picture.BACKGROUND]


def test_no_rows_still_gives_the_title() -> None:
    image, layout = _render([])
    assert layout.rows == ()
    assert layout.level_label is None  # no column to label
    colours = {colour for _, colour in image.getcolors(maxcolors=1 << 16)}
    assert picture.TEXT in colours
    assert picture.LABEL not in colours


def test_draws_no_words_of_its_own() -> None:
    """Every word comes from the arguments (the content files): with none, there is no ink."""
    image, _ = _render([], title="", label="")
    assert [colour for _, colour in image.getcolors()] == [picture.BACKGROUND]
    image, _ = _render([ProgressRow("", 2, 2)], title="", label="")
    colours = {colour for _, colour in image.getcolors(maxcolors=1 << 16)}
    assert not any(_near_white(colour) for colour in colours)


def test_the_level_label_is_drawn_when_given() -> None:
    image, layout = _render([ProgressRow("Dokter", 1, 1)], label="Niveau")
    assert layout.level_label is not None
    (line,) = layout.level_label.lines
    assert line.text == "Niveau"
    colours = {colour for _, colour in image.getcolors(maxcolors=1 << 16)}
    assert picture.LABEL in colours
