"""The word lists of bot/content/keuzes.yml, read once: yes, no, doubt, numbers, the words
that always stay commands, and the labels of the "Bedoel je ...?" question."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.choices.words import emoji_only, normalise
from bot.choices.yesno import YesNoWords, squeeze

KEUZES_FILE = Path(__file__).parents[1] / "content" / "keuzes.yml"


@dataclass(frozen=True)
class Vocabulary:
    level: str
    yes_no: YesNoWords
    numbers: dict[str, int]
    last: frozenset[str]
    cardinals: frozenset[str]  # "2", "twee": a place only where no button holds digits
    always: frozenset[str]
    labels: dict[str, str]
    meanings: dict[str, str]  # intent -> the "Bedoel je ...?" button label


def _words(items: list[object]) -> frozenset[str]:
    """Normalised words; emoji-only entries (👍) stay as their emoji."""
    found = set()
    for item in items:
        text = str(item)
        found.add(squeeze(normalise(text)) or emoji_only(text))
    return frozenset(w for w in found if w)


def _phrases(items: list[object]) -> tuple[tuple[str, ...], ...]:
    """Phrases as word tuples, longest first, so "weet het niet" is found before "niet"."""
    phrases = {tuple(normalise(str(item), articles=True).split()) for item in items}
    return tuple(sorted((p for p in phrases if p), key=len, reverse=True))


@functools.lru_cache(maxsize=1)
def load_vocabulary(path: Path = KEUZES_FILE) -> Vocabulary:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    sentence = data["zin"]
    yes_no = YesNoWords(
        yes=_words(data["ja"]),
        no=_words(data["nee"]),
        yes_in_sentence=_words(sentence["ja"]),
        no_in_sentence=_words(sentence["nee"]),
        doubt=_phrases(sentence["twijfel"]),
        no_answer=_phrases(sentence["geen_antwoord"]),
    )
    numbers = {
        normalise(str(word), articles=True): int(place)
        for place, words in data["nummers"].items()
        for word in words
    }
    return Vocabulary(
        level=str(data["level"]),
        yes_no=yes_no,
        numbers=numbers,
        last=frozenset(normalise(str(w), articles=True) for w in data["laatste"]),
        cardinals=frozenset(w for w in numbers if w.isdigit() or w in _words(data["telwoorden"])),
        always=_words(data["altijd"]) | {normalise(str(w), articles=True) for w in data["altijd"]},
        labels={str(k): str(v) for k, v in data["labels"].items()},
        meanings={str(k): str(v) for k, v in data["bedoelingen"].items()},
    )
