"""Figures as the dashboard shows them: every count under 5 becomes "< 5".

No totals are shown next to a hidden cell, so no hidden count can be worked out from the
others (each row is one place, each column its own measure).
"""

from __future__ import annotations

from dataclasses import dataclass

SMALLEST_SHOWN = 5


@dataclass(frozen=True)
class BuddyRow:
    place: str
    pairs: int  # active pairings now
    prompts: int  # prompts delivered
    answers: int  # prompts answered


def cell(count: int, small: str) -> str:
    return small if count < SMALLEST_SHOWN else str(count)


def shown(row: BuddyRow, small: str) -> dict[str, str]:
    return {
        "place": row.place,
        "pairs": cell(row.pairs, small),
        "prompts": cell(row.prompts, small),
        "answers": cell(row.answers, small),
    }
