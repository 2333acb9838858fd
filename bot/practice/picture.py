"""The progress picture: one row per theme with its name, stars (0–5) and level steps (1–3).

It is for learners who read poorly, so it has to work at a glance on a phone: large bold type,
white on dark blue, and filled versus hollow shapes, so that the meaning never rests on colour
alone (colour-blind safe). Stars and steps are Pillow polygons, not emoji: the server has no
colour-emoji font. Every word drawn comes from the arguments, because learner-facing texts
live in the content files.

The picture is drawn at twice its size and reduced, which smooths the shapes' edges. The
geometry (``layout_progress``) is public so tests can sample the exact spots that were drawn.
"""

from __future__ import annotations

import importlib.util
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

Colour = tuple[int, int, int]
Box = tuple[int, int, int, int]

MAX_STARS = 5
MIN_LEVEL, MAX_LEVEL = 1, 3

# Geometry in output pixels. Columns, left to right: name, stars, level steps.
WIDTH = 900
MARGIN = 24  # outside the row cards
CARD_PAD = 20  # inside a row card
CARD_RADIUS = 18
ROW_PAD = 16  # above and below a row's content
ROW_GAP = 12
TOP_PAD = 28
BOTTOM_PAD = 28
HEADER_GAP = 10  # between the title and the level label, and before the first row

LEVEL_BAR_WIDTH = 22
LEVEL_BAR_GAP = 8
LEVEL_HEIGHT = 52  # the highest step; the others are 1/3 and 2/3 of it
LEVEL_RIGHT = WIDTH - MARGIN - CARD_PAD
LEVEL_LEFT = LEVEL_RIGHT - MAX_LEVEL * LEVEL_BAR_WIDTH - (MAX_LEVEL - 1) * LEVEL_BAR_GAP

STAR_RADIUS = 25  # outer; the inner points are at half of it
STAR_INNER = 0.5
STAR_PITCH = 55
STARS_RIGHT = LEVEL_LEFT - 26
STARS_LEFT = STARS_RIGHT - (MAX_STARS - 1) * STAR_PITCH - 2 * STAR_RADIUS

NAME_LEFT = MARGIN + CARD_PAD
NAME_RIGHT = STARS_LEFT - 24  # names are shrunk or wrapped to stay left of this
NAME_SIZE, NAME_MIN_SIZE = 48, 40  # px; never below 40 so names stay readable on a phone
TITLE_SIZE, TITLE_MIN_SIZE = 60, 44
LABEL_SIZE, LABEL_MIN_SIZE = 34, 28
LINE_SPACING = 1.1  # line height as a multiple of the font size
OUTLINE = 4  # hollow stars and steps

BACKGROUND: Colour = (16, 27, 51)
CARD: Colour = (31, 48, 84)
TEXT: Colour = (255, 255, 255)
LABEL: Colour = (200, 210, 230)
STAR_FILL: Colour = (255, 196, 0)
LEVEL_FILL: Colour = (86, 180, 233)
HOLLOW: Colour = (140, 158, 196)  # outline of empty stars and steps

SCALE = 2  # drawn at this multiple, then reduced: smooth edges at little cost


@dataclass(frozen=True)
class ProgressRow:
    name: str  # theme name, already in Dutch, e.g. "Boodschappen"
    stars: int  # 0..5
    level: int  # 1..3


@dataclass(frozen=True)
class Line:
    text: str
    x: float  # where the ink starts, output px
    y: float  # top of the line (ascender), output px


@dataclass(frozen=True)
class TextBlock:
    lines: tuple[Line, ...]
    size: int  # output px
    top: int
    bottom: int


@dataclass(frozen=True)
class RowLayout:
    top: int
    bottom: int
    name: TextBlock
    stars: int  # clamped to 0..MAX_STARS
    level: int  # clamped to MIN_LEVEL..MAX_LEVEL
    star_centres: tuple[tuple[int, int], ...]  # MAX_STARS, left to right
    level_bars: tuple[Box, ...]  # MAX_LEVEL boxes (left, top, right, bottom), low to high


@dataclass(frozen=True)
class Layout:
    height: int
    title: TextBlock
    level_label: TextBlock | None
    rows: tuple[RowLayout, ...]


def render_progress(rows: Sequence[ProgressRow], title: str, level_label: str = "Niveau") -> bytes:
    """PNG bytes, WIDTH wide. Blocking (tens of ms): call it off the event loop."""
    layout = layout_progress(rows, title, level_label)
    image = _draw(layout).reduce(SCALE)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()


def layout_progress(rows: Sequence[ProgressRow], title: str, level_label: str = "Niveau") -> Layout:
    """Where everything goes, in output pixels; the height follows the rows and wrapped names."""
    y = TOP_PAD
    title_block = _text_block(
        title, NAME_LEFT, WIDTH - NAME_LEFT, y, TITLE_SIZE, TITLE_MIN_SIZE, one_line_floor=48
    )
    y = title_block.bottom
    label_block = None
    if rows and level_label.strip():
        # Centred over the steps, but it may reach left over the stars (there are none up here).
        label_block = _text_block(
            level_label,
            STARS_LEFT,
            WIDTH - MARGIN,
            y + HEADER_GAP,
            LABEL_SIZE,
            LABEL_MIN_SIZE,
            centre=(LEVEL_LEFT + LEVEL_RIGHT) / 2,
        )
        y = label_block.bottom
    if rows:
        y += HEADER_GAP
    laid = []
    for row in rows:
        laid.append(_row_layout(row, y))
        y = laid[-1].bottom + ROW_GAP
    height = (laid[-1].bottom if laid else title_block.bottom) + BOTTOM_PAD
    return Layout(height=height, title=title_block, level_label=label_block, rows=tuple(laid))


def _row_layout(row: ProgressRow, top: int) -> RowLayout:
    stars = min(max(int(row.stars), 0), MAX_STARS)
    level = min(max(int(row.level), MIN_LEVEL), MAX_LEVEL)
    name = _text_block(row.name, NAME_LEFT, NAME_RIGHT, 0, NAME_SIZE, NAME_MIN_SIZE)
    name_height = name.bottom - name.top
    content = max(name_height, 2 * STAR_RADIUS, LEVEL_HEIGHT)
    bottom = top + 2 * ROW_PAD + content
    middle = (top + bottom) // 2
    shift = middle - name_height // 2
    name = TextBlock(
        lines=tuple(Line(line.text, line.x, line.y + shift) for line in name.lines),
        size=name.size,
        top=name.top + shift,
        bottom=name.bottom + shift,
    )
    centres = tuple(
        (STARS_LEFT + STAR_RADIUS + index * STAR_PITCH, middle) for index in range(MAX_STARS)
    )
    base = middle + LEVEL_HEIGHT // 2
    bars = []
    for index in range(MAX_LEVEL):
        left = LEVEL_LEFT + index * (LEVEL_BAR_WIDTH + LEVEL_BAR_GAP)
        bar_height = round(LEVEL_HEIGHT * (index + 1) / MAX_LEVEL)
        bars.append((left, base - bar_height, left + LEVEL_BAR_WIDTH, base))
    return RowLayout(
        top=top,
        bottom=bottom,
        name=name,
        stars=stars,
        level=level,
        star_centres=centres,
        level_bars=tuple(bars),
    )


def _text_block(
    text: str,
    left: float,
    right: float,
    top: int,
    size: int,
    min_size: int,
    *,
    one_line_floor: int | None = None,
    centre: float | None = None,
) -> TextBlock:
    """Text fitted between left and right, lines left-aligned (or centred on centre, kept inside).

    A slightly smaller single line reads better than a wrapped one, so the text first shrinks
    (down to one_line_floor), then wraps over two lines, then over as many as it needs.
    """
    words = text.split()
    if not words:
        return TextBlock(lines=(), size=size, top=top, bottom=top)
    width = right - left
    floor = one_line_floor if one_line_floor is not None else min(size, min_size + 2)
    lines, size = _fit(words, width, size, min_size, floor)
    font = _font(size * SCALE)
    ascent, descent = font.getmetrics()
    line_height = round(size * LINE_SPACING)
    placed = []
    for index, line in enumerate(lines):
        ink_left, _, ink_right, _ = font.getbbox(line)
        ink_width = (ink_right - ink_left) / SCALE
        x = left if centre is None else min(max(centre - ink_width / 2, left), right - ink_width)
        placed.append(Line(line, x - ink_left / SCALE, top + index * line_height))
    bottom = top + (len(lines) - 1) * line_height + math.ceil((ascent + descent) / SCALE)
    return TextBlock(lines=tuple(placed), size=size, top=top, bottom=bottom)


def _fit(
    words: list[str], width: float, size: int, min_size: int, one_line_floor: int
) -> tuple[list[str], int]:
    text = " ".join(words)
    sizes = range(size, min_size - 1, -1)
    for candidate in sizes:
        if candidate < one_line_floor:
            break
        if _fits(text, candidate, width):
            return [text], candidate
    if len(words) > 1:
        for candidate in sizes:
            split = _balanced_split(words, candidate, width)
            if split:
                return split, candidate
    return _wrap(words, min_size, width), min_size


def _fits(text: str, size: int, width: float) -> bool:
    left, _, right, _ = _font(size * SCALE).getbbox(text)
    return right - min(left, 0) <= width * SCALE


def _balanced_split(words: list[str], size: int, width: float) -> list[str] | None:
    """Two lines of similar length ("Bus, trein" / "en fiets"), or None if none fits."""
    best = None
    for cut in range(1, len(words)):
        pair = [" ".join(words[:cut]), " ".join(words[cut:])]
        if all(_fits(line, size, width) for line in pair):
            longest = max(_font(size * SCALE).getlength(line) for line in pair)
            if best is None or longest < best[0]:
                best = (longest, pair)
    return best[1] if best else None


def _wrap(words: list[str], size: int, width: float) -> list[str]:
    """Greedy wrap; a word too long for a line is broken with a hyphen, so nothing overflows."""
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if _fits(candidate, size, width):
            current = candidate
            continue
        if current:
            lines.append(current)
        while not _fits(word, size, width) and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and not _fits(word[:cut] + "-", size, width):
                cut -= 1
            lines.append(word[:cut] + "-")
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines


def _draw(layout: Layout) -> Image.Image:
    image = Image.new("RGB", (WIDTH * SCALE, layout.height * SCALE), BACKGROUND)
    draw = ImageDraw.Draw(image)
    _draw_text(draw, layout.title, TEXT)
    if layout.level_label:
        _draw_text(draw, layout.level_label, LABEL)
    for row in layout.rows:
        draw.rounded_rectangle(
            _scaled((MARGIN, row.top, WIDTH - MARGIN, row.bottom)),
            radius=CARD_RADIUS * SCALE,
            fill=CARD,
        )
        _draw_text(draw, row.name, TEXT)
        for index, centre in enumerate(row.star_centres):
            points = _star(centre)
            if index < row.stars:
                draw.polygon(points, fill=STAR_FILL, outline=STAR_FILL)
            else:
                draw.polygon(points, outline=HOLLOW, width=OUTLINE * SCALE)
        for index, box in enumerate(row.level_bars):
            if index < row.level:
                draw.rounded_rectangle(_scaled(box), radius=3 * SCALE, fill=LEVEL_FILL)
            else:
                draw.rounded_rectangle(
                    _scaled(box), radius=3 * SCALE, outline=HOLLOW, width=OUTLINE * SCALE
                )
    return image


def _draw_text(draw: ImageDraw.ImageDraw, block: TextBlock, colour: Colour) -> None:
    font = _font(block.size * SCALE)
    for line in block.lines:
        draw.text(
            (round(line.x * SCALE), round(line.y * SCALE)),
            line.text,
            font=font,
            fill=colour,
            anchor="la",
        )


def _star(centre: tuple[int, int]) -> list[tuple[float, float]]:
    cx, cy = centre[0] * SCALE, centre[1] * SCALE
    outer = STAR_RADIUS * SCALE
    points = []
    for index in range(10):
        radius = outer if index % 2 == 0 else outer * STAR_INNER
        angle = -math.pi / 2 + index * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


def _scaled(box: Box) -> Box:
    left, top, right, bottom = box
    return (left * SCALE, top * SCALE, right * SCALE - 1, bottom * SCALE - 1)


@lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Bold for everything: heavier strokes are easier for weak readers and weak eyes."""
    path = _font_path()
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(str(path), size)


@lru_cache(maxsize=1)
def _font_path() -> Path | None:
    """DejaVu Sans Bold from matplotlib's data, found without importing matplotlib (slow)."""
    spec = importlib.util.find_spec("matplotlib")
    for location in (spec.submodule_search_locations or []) if spec else []:
        path = Path(location) / "mpl-data" / "fonts" / "ttf" / "DejaVuSans-Bold.ttf"
        if path.is_file():
            return path
    return None
