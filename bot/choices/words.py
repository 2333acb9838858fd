"""How typed text is compared with a button's words: lower case, no accents, punctuation or
emoji, and (for words) no articles, so "Oké!", "oke" and "OKE" are the same answer."""

from __future__ import annotations

import re
import unicodedata

_NOISE = re.compile(r"[^\w\s]", re.UNICODE)
# "'t" loses its apostrophe with the punctuation, so "t" stands for it.
ARTICLES = frozenset({"de", "het", "een", "t"})
# Emoji skin tones and variation selectors: "👍🏽" is "👍".
_MODIFIERS = re.compile("[\U0001f3fb-\U0001f3ff\ufe0e\ufe0f\u200d]")


def fold(text: str) -> str:
    """Lower case without accents: "Oké" is "oke", "één" is "een"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise(text: str, articles: bool = False) -> str:
    """The words of a text, folded, without punctuation or emoji; without articles unless
    ``articles`` (numbers need them: "één" folds to "een")."""
    words = _NOISE.sub(" ", fold(text)).replace("_", " ").split()
    if articles:
        return " ".join(words)
    return " ".join(w for w in words if w not in ARTICLES)


def emoji_only(text: str) -> str:
    """The text's emoji and symbols alone, without skin tones: "👍🏽 !" is "👍"."""
    stripped = _MODIFIERS.sub("", text)
    return "".join(c for c in stripped if not c.isspace() and not c.isalnum() and not _is_punct(c))


def _is_punct(char: str) -> bool:
    return unicodedata.category(char).startswith("P")


def without_symbols(title: str) -> str:
    """A button's title without its emoji: "🏠 Tiel" is "Tiel"."""
    return " ".join(_NOISE.sub(" ", title).replace("_", " ").split())


def contains_phrase(words: list[str], phrase: list[str]) -> int:
    """Where ``phrase`` starts in ``words``, or -1."""
    size = len(phrase)
    for start in range(len(words) - size + 1):
        if words[start : start + size] == phrase:
            return start
    return -1
