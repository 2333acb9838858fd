"""Typed answers: a learner who types "brod" instead of tapping 🍞 still gets the answer counted."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from bot.practice.exercises import normalise

# Close enough to count as the same word: "brod"/"brood" 0.89, "mlek"/"melk" 0.75.
MIN_RATIO = 0.75
# The best option must beat the next one clearly, or the answer is ambiguous.
MIN_MARGIN = 0.1


def best_match(text: str, options: Sequence[str]) -> int | None:
    """The index of the option the text means, or None when none (or more than one) fits."""
    typed = normalise(text)
    if not typed:
        return None
    normalised = [normalise(option) for option in options]
    exact = {i for i, option in enumerate(normalised) if option and option == typed}
    if exact:
        targets = {normalised[i] for i in exact}
        return min(exact) if len(targets) == 1 else None
    scores = sorted(
        (
            (difflib.SequenceMatcher(None, typed, option).ratio(), i)
            for i, option in enumerate(normalised)
            if option
        ),
        reverse=True,
    )
    if not scores or scores[0][0] < MIN_RATIO:
        return None
    if len(scores) > 1 and scores[0][0] - scores[1][0] < MIN_MARGIN:
        if normalised[scores[0][1]] != normalised[scores[1][1]]:
            return None
    return scores[0][1]
