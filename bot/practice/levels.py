"""Level changes per theme: up after sustained success, down after repeated trouble.

Judged per round, not per answer, so one slip or one lucky guess changes nothing: two
rounds in a row with at most one mistake raise the level, two rounds in a row with more
mistakes than right answers lower it.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_LEVEL, MAX_LEVEL = 1, 3
ROUNDS_TO_CHANGE = 2


@dataclass(frozen=True)
class ThemeLevel:
    level: int = 1
    good_rounds: int = 0
    poor_rounds: int = 0


def after_round(current: ThemeLevel, right: int, total: int) -> tuple[ThemeLevel, int]:
    """The theme's level after a round, and the change (+1, 0 or -1)."""
    if total <= 0:
        return current, 0
    good = right >= total - 1 and right * 5 >= total * 4
    poor = right * 2 < total
    good_rounds = current.good_rounds + 1 if good else 0
    poor_rounds = current.poor_rounds + 1 if poor else 0
    level = current.level
    if good_rounds >= ROUNDS_TO_CHANGE and level < MAX_LEVEL:
        return ThemeLevel(level + 1, 0, 0), +1
    if poor_rounds >= ROUNDS_TO_CHANGE and level > MIN_LEVEL:
        return ThemeLevel(level - 1, 0, 0), -1
    return ThemeLevel(level, good_rounds, poor_rounds), 0


def level_from_check(right: list[bool]) -> int:
    """The starting level from the intake check (easy to hard items): 1, 2 or 3.

    The check asks one word, two sentences and one short text; a learner needs the word and
    a sentence right for level 2, and everything right for level 3.
    """
    if len(right) >= 3 and all(right):
        return 3
    if right[:1] == [True] and any(right[1:3]):
        return 2
    return 1
