"""The reading-level report behind ``taalmaatje tone report``: one row per text, as a table.

Kept apart from the CLI so the table can be tested, and from ``readability`` so the gate
stays small. Texts are any objects with ``id``, ``text`` and ``level`` (``bot.texts.FixedText``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.tone.readability import _rules, check

TEXT_WIDTH = 40  # terminal cells for the text column; longer texts end in "…"


class CheckedText(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def level(self) -> str: ...


@dataclass(frozen=True)
class Row:
    """One text's figures and verdict, flat, for a table or JSON (``dataclasses.asdict``)."""

    id: str
    text: str
    level: str
    words: int
    mean_words_per_sentence: float
    max_words_per_sentence: int
    common_share: float
    long_words: int
    flesch_douma: float
    ok: bool
    reasons: tuple[str, ...]


def report_rows(texts: Iterable[CheckedText], level: str | None = None) -> list[Row]:
    """Check each text against its own level, or against ``level`` for all when given."""
    rows = []
    for item in texts:
        verdict = check(item.text, level or item.level)
        figures = verdict.figures
        rows.append(
            Row(
                id=item.id,
                text=item.text,
                level=verdict.level,
                words=figures.words,
                mean_words_per_sentence=figures.mean_words_per_sentence,
                max_words_per_sentence=figures.max_words_per_sentence,
                common_share=figures.common_share,
                long_words=figures.long_words,
                flesch_douma=figures.flesch_douma,
                ok=verdict.ok,
                reasons=verdict.problems,
            )
        )
    return rows


def _width(text: str) -> int:
    """Terminal cells: an emoji takes two, a variation selector none."""
    from wcwidth import wcswidth

    cells = wcswidth(text)
    return cells if cells >= 0 else len(text)


def _fit(text: str, cells: int) -> str:
    """``text`` on one line, cut to ``cells`` terminal cells (with "…") and padded to them."""
    from wcwidth import wcwidth

    text = " ".join(text.split())
    if _width(text) > cells:
        kept, used = [], 0
        for char in text:
            width = max(wcwidth(char), 0)
            if used + width > cells - 1:
                break
            kept.append(char)
            used += width
        text = "".join(kept).rstrip() + "…"
    return text + " " * (cells - _width(text))


def format_table(rows: Sequence[Row]) -> str:
    """A fixed-width table for a terminal, with a closing count of passes and fails."""
    id_width = max([len("id"), *(len(row.id) for row in rows)])
    header = (
        f"{'id':<{id_width}}  level  {_fit('text', TEXT_WIDTH)}  words  mean  max"
        "  common  long     FD  result  reasons"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(
            f"{row.id:<{id_width}}  {row.level:<5}  {_fit(row.text, TEXT_WIDTH)}"
            f"  {row.words:>5}  {row.mean_words_per_sentence:>4.1f}"
            f"  {row.max_words_per_sentence:>3}  {row.common_share:>6.0%}"
            f"  {row.long_words:>4}  {row.flesch_douma:>5.1f}"
            f"  {'ok' if row.ok else 'FAIL':<6}  {'; '.join(row.reasons)}".rstrip()
        )
    failed = sum(not row.ok for row in rows)
    lines.append(
        f"{len(rows)} texts: {len(rows) - failed} ok, {failed} fail. Flesch–Douma and the"
        f" long-word share count from {_rules().min_words_for_ratios} words on."
    )
    return "\n".join(lines)
