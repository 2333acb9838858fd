"""Spaced repetition with Leitner boxes, counted in rounds rather than days.

Learners practise irregularly (a break at work, a quiet evening), so an item's next turn is
a number of the learner's own rounds away: box 1 comes back in the next round, box 5 after
sixteen. A wrong answer sends an item back to box 1.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

BOXES = 5
# Rounds to wait before an item in each box is due again.
INTERVALS = {1: 1, 2: 2, 3: 4, 4: 8, 5: 16}
# The box from which an item counts as known (for stars in the progress picture).
KNOWN_BOX = 3


@dataclass(frozen=True)
class Card:
    """A learner's record of one item."""

    box: int = 1
    last_round: int = 0
    seen: int = 0
    correct: int = 0


def after_answer(card: Card, correct: bool, round_no: int) -> Card:
    """The card after an answer: one box up when right, back to box 1 when wrong."""
    box = min(BOXES, card.box + 1) if correct else 1
    return Card(box, round_no, card.seen + 1, card.correct + int(correct))


def is_due(card: Card, round_no: int) -> bool:
    return round_no - card.last_round >= INTERVALS[card.box]


def pick(
    keys: Sequence[str],
    cards: Mapping[str, Card],
    round_no: int,
    size: int,
    new_limit: int,
    rng: random.Random,
) -> list[str]:
    """Choose a round's items: due reviews first, then a few new ones, then the least recent.

    Reviews come lowest box first (the hardest), new items in content order (the bank puts
    easier words first). When neither fills the round, the items seen longest ago come back
    early, so a learner who knows a whole level still gets a full round.
    """
    due = sorted(
        (k for k in keys if k in cards and is_due(cards[k], round_no)),
        key=lambda k: (cards[k].box, cards[k].last_round),
    )
    new = [k for k in keys if k not in cards]
    chosen = due[: max(size - min(new_limit, len(new)), size // 2)]
    chosen += new[: min(new_limit, size - len(chosen))]
    if len(chosen) < size:
        rest = sorted(
            (k for k in keys if k not in chosen and k in cards),
            key=lambda k: (cards[k].last_round, cards[k].box),
        )
        chosen += rest[: size - len(chosen)]
    if len(chosen) < size:
        chosen += [k for k in new if k not in chosen][: size - len(chosen)]
    rng.shuffle(chosen)
    return chosen


def known_share(keys: Sequence[str], cards: Mapping[str, Card]) -> float:
    """The share of the items a learner has answered right often enough to count as known."""
    if not keys:
        return 0.0
    return sum(1 for k in keys if k in cards and cards[k].box >= KNOWN_BOX) / len(keys)
