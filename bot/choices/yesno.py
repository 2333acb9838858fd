"""Yes or no in a sentence: "ja hoor", "klopt", "ik heb een uitkering" (the question's own
words, said back) are a yes; "nee dat heb ik niet", "ik heb geen uitkering" a no; "ik weet
het niet" or "ja maar niet altijd" are a doubt, which gets "Bedoel je ja?" once."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.choices.matcher import WINDOW_RATIO, ratio
from bot.choices.words import ARTICLES, contains_phrase, emoji_only, normalise

YES, NO, DOUBT = "ja", "nee", "twijfel"

# Words of a question that say nothing about its topic, so a sentence that repeats them is
# not yet saying the question back ("heb je ..." / "ik heb ...").
_FILLER = (
    frozenset(
        "je jij jou jouw ik mij me mijn we wij u uw heb hebt heeft ben bent is zijn was wil wilt "
        "kan kunt mag moet zal zullen wat wie waar wanneer hoe welk welke dan dat dit die er "
        "daar hier nu al ook nog wel niet geen of en maar om op in aan van voor met bij naar "
        "uit tot over zo te bijvoorbeeld meer dan keer alles iets niets niks dingen jou jullie "
        "hebben willen".split()
    )
    | ARTICLES
)
TOPIC_LETTERS = 4
# A sentence that starts with one of these asks something back.
QUESTION_WORDS = frozenset(
    "wat wie waar wanneer waarom hoe hoeveel welk welke hoezo waarvoor moet mag kan".split()
)
# The first word decides: "nee, ik heb wel werk" is a no, "ja hoor dat klopt" a yes.
STRONG = {"ja": "ja", "jawel": "ja", "jazeker": "ja", "nee": "nee", "neen": "nee"}
INTENSIFIERS = frozenset("zeker natuurlijk tuurlijk echt helemaal absoluut".split())
_REPEATS = re.compile(r"(\w)\1{2,}")


@dataclass(frozen=True)
class YesNoWords:
    """The word lists of bot/content/keuzes.yml that decide a yes or a no."""

    yes: frozenset[str]
    no: frozenset[str]
    yes_in_sentence: frozenset[str]
    no_in_sentence: frozenset[str]
    doubt: tuple[tuple[str, ...], ...]
    no_answer: tuple[tuple[str, ...], ...]


def topic_words(question: str) -> tuple[str, ...]:
    """The words that carry a question's topic: "Heb je een uitkering?" is ("uitkering",)."""
    words = normalise(question).split()
    return tuple(dict.fromkeys(w for w in words if len(w) >= TOPIC_LETTERS and w not in _FILLER))


def polarity(text: str, topic: tuple[str, ...], words: YesNoWords) -> str | None:
    """YES, NO or DOUBT for an answer to a yes/no question; None when the text is no answer
    to it (a question back, or nothing that says yes or no)."""
    symbols = set(emoji_only(text))
    whole = squeeze(normalise(text))
    if not whole:
        if symbols and symbols <= words.yes:
            return YES
        return NO if symbols and symbols <= words.no else None
    if whole in words.yes:
        return YES
    if whole in words.no:
        return NO
    tokens = squeeze(normalise(text, articles=True)).split()
    if "?" in text or (tokens and tokens[0] in QUESTION_WORDS):
        return None  # "wat is een uitkering?" asks back; it says neither yes nor no
    if any(contains_phrase(tokens, list(p)) >= 0 for p in words.no_answer):
        return None
    doubt = False
    for phrase in words.doubt:
        start = contains_phrase(tokens, list(phrase))
        if start >= 0:
            doubt = True
            del tokens[start : start + len(phrase)]
    no = any(t in words.no_in_sentence for t in tokens)
    # "zeker niet", "echt wel": an intensifier takes the side of the other word.
    yes = any(t in words.yes_in_sentence and not (no and t in INTENSIFIERS) for t in tokens)
    if tokens and not doubt and tokens[0] in STRONG:
        first = STRONG[tokens[0]]
        if "maar" in tokens and _turns(tokens[tokens.index("maar") + 1 :], first, words):
            return DOUBT  # "ja maar niet altijd"; not "nee toch maar niet"
        return first
    if doubt or (yes and no):
        return DOUBT
    if no:
        return NO
    if yes:
        return YES
    if any(_says_back(tokens, word) for word in topic):
        return YES
    return None


def _turns(after: list[str], first: str, words: YesNoWords) -> bool:
    """Does what follows "maar" take the other side (or is there nothing after it)?"""
    no = any(t in words.no_in_sentence for t in after)
    yes = any(t in words.yes_in_sentence for t in after)
    return not after or (no if first == YES else yes and not no)


def squeeze(text: str) -> str:
    """A letter typed three times or more counts twice: "jaaaa" is "jaa", "neeee" "nee"."""
    return _REPEATS.sub(r"\1\1", text)


def _says_back(tokens: list[str], word: str) -> bool:
    """Does the sentence repeat a topic word of the question ("uitkering", "taalles")?"""
    return any(
        t == word or (len(t) >= TOPIC_LETTERS and ratio(t, word) >= WINDOW_RATIO) for t in tokens
    )
