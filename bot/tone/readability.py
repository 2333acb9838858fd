"""Reading-level gate: measure a short Dutch text and say whether it fits A1, A2 or B1.

The bot's texts are chat messages and button titles for adults who read little, so the
measures are the ones plain-language guidance for Dutch asks for and a program can count:
sentence length, common words, long words and the Flesch–Douma reading ease. The numbers
live in ``levels.yml`` (with their sources), the known words in ``glossary.yml``.

Nothing is loaded at import: the YAML files, wordfreq's Dutch list and pyphen's Dutch
hyphenation patterns are loaded on first use and cached for the life of the process.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

LEVELS: tuple[str, ...] = ("A1", "A2", "B1")
LEVELS_FILE = Path(__file__).with_name("levels.yml")
GLOSSARY_FILE = Path(__file__).with_name("glossary.yml")


@dataclass(frozen=True)
class Figures:
    """What ``measure`` counts in one text. Numbers, emoji, URLs and punctuation are no words.

    A text without words (an emoji) has 0 sentences, common_share 1.0 and flesch_douma
    206.84 (the formula at zero): nothing in it can be too hard.
    """

    sentences: int
    words: int
    mean_words_per_sentence: float
    max_words_per_sentence: int
    common_share: float  # share of words that are common Dutch (0..1); 1.0 for no words
    uncommon_words: tuple[str, ...]  # as written, each once, in order of appearance
    long_words: int  # words of ``long_word_syllables`` (4) or more syllables
    long_share: float
    syllables_per_word: float
    flesch_douma: float  # 206.84 - 0.77 * (syllables per 100 words) - 0.93 * (words per sentence)


@dataclass(frozen=True)
class Thresholds:
    """The limits of one reading level, from ``levels.yml``."""

    level: str
    max_words_per_sentence: int
    max_mean_words_per_sentence: float
    min_common_share: float
    max_long_share: float
    min_flesch_douma: float


@dataclass(frozen=True)
class Verdict:
    """A text's figures against one level; ``problems`` are short English reasons."""

    level: str
    figures: Figures
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


# --- configuration (levels.yml, glossary.yml) ----------------------------------------------


@dataclass(frozen=True)
class _Rules:
    min_words_for_ratios: int
    long_word_syllables: int
    min_zipf: float
    compound_min_part: int
    compound_linking: tuple[str, ...]
    compound_not_first: frozenset[str]
    placeholder_syllables: int
    levels: dict[str, Thresholds]
    advice: dict[str, str]


@functools.lru_cache(maxsize=1)
def _rules() -> _Rules:
    data = yaml.safe_load(LEVELS_FILE.read_text(encoding="utf-8"))
    try:
        common = data["common_words"]
        levels = {
            level: Thresholds(
                level=level,
                max_words_per_sentence=int(limits["max_words_per_sentence"]),
                max_mean_words_per_sentence=float(limits["max_mean_words_per_sentence"]),
                min_common_share=float(limits["min_common_share"]),
                max_long_share=float(limits["max_long_share"]),
                min_flesch_douma=float(limits["min_flesch_douma"]),
            )
            for level, limits in data["levels"].items()
        }
        rules = _Rules(
            min_words_for_ratios=int(data["min_words_for_ratios"]),
            long_word_syllables=int(data["long_word_syllables"]),
            min_zipf=float(common["min_zipf"]),
            compound_min_part=int(common["compound_min_part"]),
            compound_linking=tuple(common["compound_linking"]),
            compound_not_first=frozenset(common["compound_not_first"]),
            placeholder_syllables=int(common["placeholder_syllables"]),
            levels=levels,
            advice={str(k): str(v) for k, v in data["advice"].items()},
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{LEVELS_FILE}: missing or malformed {exc}") from exc
    missing = set(LEVELS) - set(levels)
    if missing:
        raise ValueError(f"{LEVELS_FILE}: no thresholds for {', '.join(sorted(missing))}")
    missing_advice = {"sentence", "mean", "common", "long", "flesch_douma"} - set(rules.advice)
    if missing_advice:
        raise ValueError(f"{LEVELS_FILE}: no advice for {', '.join(sorted(missing_advice))}")
    return rules


@functools.lru_cache(maxsize=1)
def _glossary() -> frozenset[str]:
    data = yaml.safe_load(GLOSSARY_FILE.read_text(encoding="utf-8")) or {}
    return frozenset(str(word).lower() for words in data.values() for word in words or ())


def thresholds(level: str) -> Thresholds:
    """The limits for ``level`` (one of ``LEVELS``), as set in levels.yml."""
    if level not in LEVELS:
        raise ValueError(f"unknown reading level {level!r}; use one of {', '.join(LEVELS)}")
    return _rules().levels[level]


# --- words and sentences -------------------------------------------------------------------

_URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+", re.IGNORECASE)
# Numbers, times, phone numbers, amounts and codes with digits (10:30, 10.30, 088 123 45 67,
# A2, 3e): not words. Removed before the sentence split so "10.30" ends no sentence.
_NUMBERISH = re.compile(r"[\w'’-]*\d(?:[\w'’-]|[.,:/](?=\d))*")
_SENTENCE_END = re.compile(r"[.!?…]+|\n")
# A placeholder, or a word: letters with inner apostrophes or hyphens (foto's, OV-chipkaart).
_TOKEN = re.compile(r"\{\w+\}|[^\W_](?:[\w'’-]*[^\W_])?")
_PLACEHOLDER = re.compile(r"\{\w+\}")
# Vowel groups for syllables: a run of vowels is one syllable (aa, ee, ie, oe, ui, eu, ij's
# "i", ei, ou, au, ieuw's "ieu"); a diaeresis starts a new one (ruïne, België).
_VOWEL_GROUP = re.compile(r"[äëïöü]?[aeiouyáàâéèêíìîóòôúùû]+|[äëïöü]")


def _sentences(text: str) -> list[list[str]]:
    """The words of each sentence; sentences without words (an emoji, "?!") are dropped."""
    text = _NUMBERISH.sub(" ", _URL.sub(" ", text))
    found = []
    for part in _SENTENCE_END.split(text):
        words = _TOKEN.findall(part)
        if words:
            found.append(words)
    return found


@functools.lru_cache(maxsize=1)
def _zipf_lookup() -> Callable[[str, str], float]:
    from wordfreq import zipf_frequency

    return zipf_frequency


@functools.lru_cache(maxsize=65536)
def _zipf(word: str) -> float:
    return _zipf_lookup()(word, "nl")


def _known(word: str) -> bool:
    """Rules 1 and 2 of levels.yml: frequent enough, or in the glossary."""
    return word in _glossary() or _zipf(word) >= _rules().min_zipf


def _compound(word: str) -> bool:
    """Rule 4: two common parts, optionally joined by a linking "s" (opening+s+tijden)."""
    rules = _rules()
    n = rules.compound_min_part
    for cut in range(n, len(word) - n + 1):
        head, tail = word[:cut], word[cut:]
        if head in rules.compound_not_first or not _known(tail):
            continue
        if _known(head):
            return True
        for link in rules.compound_linking:
            stem = head[: -len(link)]
            if head.endswith(link) and len(stem) >= n and _known(stem):
                return True
    return False


@functools.lru_cache(maxsize=65536)
def _common(word: str) -> bool:
    """Whether a lowercased word is common Dutch, by the rules in levels.yml (names aside)."""
    if _known(word):
        return True
    if "-" in word:
        return all(_common(part) for part in word.split("-") if part)
    for suffix in ("'s", "’s"):  # a possessive or plural of a known word: Sara's, auto's
        if word.endswith(suffix) and _common(word[: -len(suffix)]):
            return True
    return _compound(word)


@functools.lru_cache(maxsize=1)
def _hyphenator() -> Any:
    import pyphen

    return pyphen.Pyphen(lang="nl_NL")


@functools.lru_cache(maxsize=65536)
def syllables(word: str) -> int:
    """Syllables in one word: pyphen's Dutch hyphenation, refined by vowel groups.

    The nl_NL patterns never split off a one-letter syllable at either end ("over", "idee",
    "oké" come back whole), so each hyphenation piece counts its vowel groups (at least 1).
    A part without vowels is an abbreviation said letter by letter (NGT: 3), unless it
    follows an apostrophe ("foto's", "zo'n": no syllable of its own).
    """
    total = 0
    for part in word.lower().split("-"):
        for index, piece in enumerate(re.split(r"['’]", part)):
            if not piece:
                continue
            if not _VOWEL_GROUP.search(piece):
                total += sum(ch.isalpha() for ch in piece) if index == 0 else 0
                continue
            cuts = [0, *_hyphenator().positions(piece), len(piece)]
            total += sum(
                max(1, len(_VOWEL_GROUP.findall(piece[a:b]))) for a, b in itertools.pairwise(cuts)
            )
    return max(1, total)


# --- measuring and checking ----------------------------------------------------------------


def measure(text: str) -> Figures:
    """Count sentences, words, common and long words and Flesch–Douma for one text.

    Sentences end at . ! ? … and newlines; a text without one is one sentence. Emoji,
    numbers, times, URLs and punctuation are not words. A ``{placeholder}`` is one common
    word. A word with a capital letter after the first word of its sentence is a name, so
    common. Abbreviations with full stops ("o.a.") split a sentence: plain texts avoid them.
    """
    rules = _rules()
    sentences = _sentences(text)
    lengths = [len(words) for words in sentences]
    total_words = sum(lengths)
    common = 0
    uncommon: dict[str, str] = {}
    long_words = 0
    total_syllables = 0
    for words in sentences:
        for position, word in enumerate(words):
            if _PLACEHOLDER.fullmatch(word):
                common += 1
                count = rules.placeholder_syllables
            else:
                lowered = word.lower()
                if _common(lowered) or (position > 0 and word[0].isupper()):
                    common += 1
                else:
                    uncommon.setdefault(lowered, word)
                count = syllables(lowered)
            total_syllables += count
            long_words += count >= rules.long_word_syllables
    if total_words == 0:
        return Figures(0, 0, 0.0, 0, 1.0, (), 0, 0.0, 0.0, _flesch_douma(0.0, 0.0))
    mean = total_words / len(sentences)
    per_word = total_syllables / total_words
    return Figures(
        sentences=len(sentences),
        words=total_words,
        mean_words_per_sentence=mean,
        max_words_per_sentence=max(lengths),
        common_share=common / total_words,
        uncommon_words=tuple(uncommon.values()),
        long_words=long_words,
        long_share=long_words / total_words,
        syllables_per_word=per_word,
        flesch_douma=_flesch_douma(per_word, mean),
    )


def _flesch_douma(syllables_per_word: float, words_per_sentence: float) -> float:
    return 206.84 - 0.77 * (100 * syllables_per_word) - 0.93 * words_per_sentence


@dataclass(frozen=True)
class _Problem:
    kind: str  # a key of levels.yml's advice
    reason: str  # English, for developers
    limit: float


def _problems(figures: Figures, limits: Thresholds) -> list[_Problem]:
    """Every limit the figures break; ratios only from min_words_for_ratios words on."""
    found = []
    if figures.max_words_per_sentence > limits.max_words_per_sentence:
        found.append(
            _Problem(
                "sentence",
                f"sentence of {figures.max_words_per_sentence} words"
                f" > {limits.max_words_per_sentence}",
                limits.max_words_per_sentence,
            )
        )
    # One sentence's mean is its length: there the longest-sentence limit is the one to keep.
    if (
        figures.sentences > 1
        and figures.mean_words_per_sentence > limits.max_mean_words_per_sentence
    ):
        found.append(
            _Problem(
                "mean",
                f"mean of {figures.mean_words_per_sentence:.1f} words per sentence"
                f" > {limits.max_mean_words_per_sentence:g}",
                limits.max_mean_words_per_sentence,
            )
        )
    if figures.common_share < limits.min_common_share:
        found.append(
            _Problem(
                "common",
                f"common words {figures.common_share:.0%} < {limits.min_common_share:.0%}"
                f" (uncommon: {', '.join(figures.uncommon_words)})",
                limits.min_common_share,
            )
        )
    if figures.words >= _rules().min_words_for_ratios:
        if figures.long_share > limits.max_long_share:
            found.append(
                _Problem(
                    "long",
                    f"long words {figures.long_share:.0%} > {limits.max_long_share:.0%}"
                    f" ({figures.long_words} of {figures.words})",
                    limits.max_long_share,
                )
            )
        if figures.flesch_douma < limits.min_flesch_douma:
            found.append(
                _Problem(
                    "flesch_douma",
                    f"Flesch–Douma {figures.flesch_douma:.1f} < {limits.min_flesch_douma:g}",
                    limits.min_flesch_douma,
                )
            )
    return found


def check(text: str, level: str) -> Verdict:
    """Measure ``text`` and compare it with the limits of ``level`` (one of ``LEVELS``)."""
    limits = thresholds(level)
    figures = measure(text)
    return Verdict(level, figures, tuple(p.reason for p in _problems(figures, limits)))


def advise(text: str, level: str) -> list[str]:
    """The problems of ``check`` as simple Dutch advice for a coworker; empty if it fits.

    The Dutch sentences are in levels.yml, so they can be reworded without touching code.
    """
    limits = thresholds(level)
    figures = measure(text)
    templates = _rules().advice
    return [
        templates[p.kind].format(max=f"{p.limit:g}", woorden=", ".join(figures.uncommon_words))
        for p in _problems(figures, limits)
    ]
