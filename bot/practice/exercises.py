"""Exercises made from content items: what is shown, what is spoken, which buttons, what is right.

Five kinds, all answered by buttons:
- ``luisteren``: hear a word, sentence or short text (not shown) and pick the picture or answer;
- ``lezen``: read a word or sentence and pick the picture (the reading twin of ``luisteren``,
  of the same length, for learners who cannot hear);
- ``gat``: pick the word that fills the gap in a sentence;
- ``volgorde``: tap the words of a sentence in the right order;
- ``ja_nee``: read (and hear) a short text, answer a yes/no question about it.
"""

from __future__ import annotations

import random
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.content.bank import ContentBank, Item

KINDS = ("luisteren", "lezen", "gat", "volgorde", "ja_nee")
# Kinds per content level, in the order they take turns.
KINDS_BY_LEVEL = {
    1: ("lezen", "luisteren"),
    2: ("gat", "volgorde", "luisteren"),
    3: ("ja_nee", "luisteren"),
}
# The reading twin of a listening exercise, per level.
READING_TWIN = {1: "lezen", 2: "lezen", 3: "ja_nee"}
CHOICES = 3
GAP = "…"


@dataclass
class Choice:
    """A button: what it shows, and the words a typed answer may use for it."""

    label: str
    match: str


@dataclass
class Exercise:
    """One question as the learner sees it; JSON-serialisable for the round's state."""

    seq: int
    item: str
    theme: str
    level: int
    kind: str
    choices: list[Choice]
    answer: int  # index of the right choice; -1 for "volgorde"
    fields: dict[str, str]  # template variables for the response texts
    speak: str | None = None  # spoken after the prompt, not shown (listening)
    right: str = ""  # the right answer in words, for the feedback
    built: list[int] = field(default_factory=list)  # "volgorde": tapped choice indices
    replays: int = 0
    slower: int = 0

    @property
    def listening_only(self) -> bool:
        return self.kind == "luisteren"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Exercise:
        data = dict(data)
        data["choices"] = [Choice(**c) for c in data["choices"]]
        return cls(**data)


def kinds_for(level: int, listening: bool) -> tuple[str, ...]:
    """The exercise kinds for a level; without listening each listening kind becomes its twin."""
    kinds = KINDS_BY_LEVEL[level]
    if listening:
        return kinds
    return tuple(dict.fromkeys(READING_TWIN[level] if k == "luisteren" else k for k in kinds))


def sentence_words(sentence: str) -> list[str]:
    """The words to put in order: the sentence without its final mark."""
    return sentence.rstrip(".?!").split()


def make(
    bank: ContentBank,
    item: Item,
    kind: str,
    seq: int,
    yes_no: tuple[str, str],
    rng: random.Random,
) -> Exercise:
    """Build an exercise of ``kind`` for ``item``; distractors from the same theme and level."""
    base = {"seq": seq, "item": item.key, "theme": item.theme, "level": item.level, "kind": kind}
    if kind == "ja_nee" or (kind == "luisteren" and item.level == 3):
        assert item.text and item.question and item.answer is not None
        choices = [Choice(yes_no[0], "ja"), Choice(yes_no[1], "nee")]
        answer = 0 if item.answer else 1
        fields = {"tekst": item.text, "vraag": item.question}
        speak = item.text if kind == "luisteren" else None
        return Exercise(**base, choices=choices, answer=answer, fields=fields, speak=speak,
                        right=yes_no[answer])  # fmt: skip
    if kind == "gat":
        assert item.sentence and item.gap
        words = [item.gap, *item.wrong[: CHOICES - 1]]
        rng.shuffle(words)
        gapped = re.sub(rf"\b{re.escape(item.gap)}\b", GAP, item.sentence, count=1)
        return Exercise(**base, choices=[Choice(w, w) for w in words], answer=words.index(item.gap),
                        fields={"zin": gapped}, right=item.sentence)  # fmt: skip
    if kind == "volgorde":
        assert item.sentence
        words = sentence_words(item.sentence)
        order = list(range(len(words)))
        # Shuffle until the words (not just their positions) are out of order: with a word
        # twice ("je ... je") a new order of positions can still read as the sentence.
        while len(set(words)) > 1 and [words[i] for i in order] == words:
            rng.shuffle(order)
        choices = [Choice(words[i], words[i]) for i in order]
        return Exercise(**base, choices=choices, answer=-1, fields={"zin": ""},
                        right=item.sentence)  # fmt: skip
    # "lezen" and "luisteren" at levels 1 and 2: pick the picture.
    others = [i for i in bank.themes[item.theme].items[item.level] if i.key != item.key]
    picked = [item, *rng.sample(others, min(CHOICES - 1, len(others)))]
    rng.shuffle(picked)
    choices = [Choice(i.picture, _words_of(i)) for i in picked]
    shown = _words_of(item)
    fields = {"woord": shown, "zin": shown, "plaatje": item.picture}
    return Exercise(**base, choices=choices, answer=picked.index(item), fields=fields,
                    speak=shown if kind == "luisteren" else None,
                    right=f"{item.picture} {shown}")  # fmt: skip


def _words_of(item: Item) -> str:
    return item.shown_word if item.level == 1 else (item.sentence or "")


def built_text(exercise: Exercise) -> str:
    """The words tapped so far, in order."""
    return " ".join(exercise.choices[i].label for i in exercise.built)


def volgorde_right(exercise: Exercise) -> bool:
    """Right when the tapped words read as the sentence (the same word twice may swap)."""
    return built_text(exercise) == " ".join(sentence_words(exercise.right))


_NOISE = re.compile(r"[^\w\s]", re.UNICODE)
# "'t" loses its apostrophe with the punctuation, so "t" stands for it.
_ARTICLES = {"de", "het", "een", "t"}


def normalise(text: str) -> str:
    """Lower case, no punctuation or emoji, no articles: what a typed answer is compared on."""
    words = _NOISE.sub(" ", text.lower()).split()
    return " ".join(w for w in words if w not in _ARTICLES)
