"""Fuzzy matching of a typed text to a button's words: "brod" is "brood", "tiel" is "🏠 Tiel",
and "ik wil graag lezen" holds "Lezen". The one matcher of the project (difflib: options
are a handful of short phrases, so a C extension would save microseconds, not milliseconds).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from bot.choices.words import normalise

# Close enough to count as the same word: "brod"/"brood" 0.89, "mlek"/"melk" 0.75.
MIN_RATIO = 0.75
# A phrase inside a longer sentence must be closer: "lezn" in "ik wil lezn" (0.89) counts,
# "een" for "nee" (0.67) does not. Words of up to three letters must be typed exactly.
WINDOW_RATIO = 0.84
SHORT_WORD = 3
# The best option must beat the next one clearly, or the answer is ambiguous.
MIN_MARGIN = 0.1
# A text that is a part of a longer button ("nederlands" for "🗣️ Nederlands spreken").
PART_OF_PHRASE = 0.9
# Words typed exactly as a run of a longer button ("lezen is lastig", "ik spreek
# nederlands" for "🗣️ Ik spreek Nederlands, lezen is lastig"): above a near miss of a
# shorter button ("ik leer nederlands", 0.8) by more than the margin.
RUN_OF_PHRASE = 0.95


@dataclass(frozen=True, order=True)
class Score:
    """How well a typed text fits one phrase; ``whole`` when the whole text is the phrase
    (not a part of a longer sentence)."""

    value: float
    whole: bool


NO_MATCH = Score(0.0, False)


def ratio(a: str, b: str) -> float:
    matcher = difflib.SequenceMatcher(None, a, b)
    if matcher.real_quick_ratio() < WINDOW_RATIO - 0.2:
        return 0.0
    return matcher.ratio()


def score(typed: str, phrase: str) -> Score:
    """How well ``typed`` (normalised) fits ``phrase`` (normalised), as a whole or as a part."""
    if not typed or not phrase:
        return NO_MATCH
    if typed == phrase:
        return Score(1.0, True)
    words, wanted = typed.split(), phrase.split()
    if _run_of(words, wanted):
        return Score(RUN_OF_PHRASE, True)
    whole = ratio(typed, phrase)
    if whole >= MIN_RATIO:
        return Score(whole, True)
    if len(words) < len(wanted) and all(len(w) > SHORT_WORD for w in words):
        if all(any(w == p or ratio(w, p) >= WINDOW_RATIO for p in wanted) for w in words):
            return Score(PART_OF_PHRASE, True)
    size = len(wanted)
    best = 0.0
    for start in range(len(words) - size + 1):
        window = words[start : start + size]
        if any(len(w) <= SHORT_WORD and w != t for w, t in zip(wanted, window, strict=True)):
            continue
        value = 1.0 if window == wanted else ratio(" ".join(window), phrase)
        best = max(best, value)
    if best < WINDOW_RATIO and size > 1 and _all_words_in(wanted, words):
        best = PART_OF_PHRASE  # "nederlands leren spreken" holds "nederlands spreken"
    return Score(best, False) if best >= WINDOW_RATIO else NO_MATCH


def _run_of(words: list[str], wanted: list[str]) -> bool:
    """Are two or more words, one of them longer than a short word, a run inside
    ``wanted``?"""
    size = len(words)
    if size < 2 or size >= len(wanted) or all(len(w) <= SHORT_WORD for w in words):
        return False
    return any(wanted[i : i + size] == words for i in range(len(wanted) - size + 1))


def _all_words_in(wanted: list[str], words: list[str]) -> bool:
    return all(
        any(w == t or (len(w) > SHORT_WORD and ratio(w, t) >= WINDOW_RATIO) for t in words)
        for w in wanted
    )


def best_match(text: str, options: Sequence[str]) -> int | None:
    """The index of the option the whole text means, or None when none (or more than one)
    fits. For short answers to a short list: an exercise's words, a place, a time."""
    typed = normalise(text)
    normalised = [normalise(option) for option in options]
    scored = sorted(
        ((score(typed, option), i) for i, option in enumerate(normalised)),
        key=lambda pair: (pair[0].value, -pair[1]),
        reverse=True,
    )
    scored = [(s, i) for s, i in scored if s.whole and s.value >= MIN_RATIO]
    if not scored:
        return None
    top, index = scored[0]
    for other, other_index in scored[1:]:
        if normalised[other_index] == normalised[index]:
            continue
        if top.value - other.value < MIN_MARGIN or (top.value == 1.0 and other.value == 1.0):
            return None
        break
    return index
