"""The question on screen: the choices of the bot's last message, and what a typed answer
means among them.

When the bot's last message offers buttons, the chat remembers each one with what it means
(its payload, its words, a yes or a no, its place in the row). The next typed message is
matched against them first; a match acts exactly as pressing that button. Control words
(stop, hulp, nog eens, langzamer, vergeet mij) always win.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.choices.matcher import MIN_MARGIN, MIN_RATIO, score
from bot.choices.vocabulary import Vocabulary
from bot.choices.words import contains_phrase, emoji_only, normalise, without_symbols
from bot.choices.yesno import DOUBT, NO, YES, polarity, topic_words

# A payload "/intent" or "/intent{...}": the intent part.
_INTENT = re.compile(r"^/([a-z_]+)")
# The understanding is sure enough of another intent to overrule a match found inside a
# longer sentence ("wanneer is het later open" with "⏰ Later" on screen is about hours).
OVERRULE_CONFIDENCE = 0.8
# The NLU's yes or no counts for a yes/no question from this confidence on.
YES_NO_CONFIDENCE = 0.6
# Commands that win over any button (stop, help, again, slower, "vergeet mij"). Other
# control intents (sound, settings, a person) win too, except over a whole answer that is
# a button's words, typo and all: "latr kiezen" at the intake is "⏰ Later kiezen".
FIRM_INTENTS = frozenset({"stoppen", "hulp", "herhalen", "langzamer", "gegevens_wissen"})


@dataclass(frozen=True)
class Choice:
    """One button on screen: what pressing it sends, and the words that stand for it."""

    payload: str
    words: tuple[str, ...]
    meaning: str | None = None  # YES or NO
    number: int | None = None  # its place among the last message's buttons, from 1

    @property
    def intent(self) -> str:
        found = _INTENT.match(self.payload)
        return found.group(1) if found else ""


@dataclass(frozen=True)
class Question:
    """The choices on screen; ``topic`` holds the question's own words (for a yes said back
    in a sentence); ``asked_back`` once "Bedoel je ja?" was asked about it; ``kind`` names a
    question the statistics follow (the bot's "Bedoel je ...?")."""

    choices: tuple[Choice, ...]
    topic: tuple[str, ...] = ()
    asked_back: bool = False
    kind: str = ""

    @property
    def yes(self) -> Choice | None:
        return next((c for c in self.choices if c.meaning == YES), None)

    @property
    def no(self) -> Choice | None:
        return next((c for c in self.choices if c.meaning == NO), None)

    def to_json(self) -> str:
        return json.dumps(
            {
                "choices": [[c.payload, list(c.words), c.meaning, c.number] for c in self.choices],
                "topic": list(self.topic),
                "asked_back": self.asked_back,
                "kind": self.kind,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, data: str) -> Question | None:
        try:
            raw = json.loads(data)
            choices = tuple(
                Choice(str(p), tuple(str(w) for w in words), m, n)
                for p, words, m, n in raw["choices"]
            )
            return cls(
                choices, tuple(raw.get("topic") or ()), bool(raw.get("asked_back")),
                str(raw.get("kind") or ""),
            )  # fmt: skip
        except (ValueError, KeyError, TypeError):
            return None


@dataclass(frozen=True)
class Understanding:
    """What the NLU made of the text: its best intent, and the ranking (name, confidence)."""

    intent: str | None = None
    confidence: float = 0.0
    ranking: tuple[tuple[str, float], ...] = ()

    @classmethod
    def from_parse(cls, parsed: Mapping[str, Any]) -> Understanding:
        """From Rasa's parse data (below the fallback threshold: "nlu_fallback")."""
        ranking = tuple(
            (str(r.get("name")), float(r.get("confidence") or 0.0))
            for r in parsed.get("intent_ranking") or []
            if r.get("name")
        )
        intent = parsed.get("intent") or {}
        return cls(intent.get("name"), float(intent.get("confidence") or 0.0), ranking)


@dataclass(frozen=True)
class Outcome:
    """A typed answer's meaning: the payload of the button it stands for, or ``unclear``
    (a doubt to a yes/no question: ask "Bedoel je ja?" once). ``how`` says which rule
    matched, for the tests and statistics."""

    payload: str | None = None
    unclear: bool = False
    how: str = ""


NOTHING = Outcome()


def question_from(
    messages: Iterable[Mapping[str, Any]],
    vocabulary: Vocabulary,
    keyboard: Mapping[str, str] | None = None,
) -> Question | None:
    """The question a turn's messages leave on screen: the buttons of all of them, numbered
    by the last message with buttons, and that message's choices that are no button but
    may be typed (``custom["ook"]``: the later free days and times). ``keyboard`` holds the
    reply keyboard's text buttons (label to payload) for a message that shows one."""
    messages = list(messages)
    choices: list[Choice] = []
    topic: tuple[str, ...] = ()
    kind = ""
    last = max((i for i, m in enumerate(messages) if _buttons(m, keyboard)), default=None)
    if last is None:
        return None
    seen: set[str] = set()
    for index, message in enumerate(messages):
        buttons = _buttons(message, keyboard)
        if not buttons:
            continue
        if index == last:
            topic = topic_words(str(message.get("text") or ""))
            kind = str((message.get("custom") or {}).get("vraag") or "")
        hidden = (message.get("custom") or {}).get("ook") if index == last else None
        hidden = [h for h in hidden if isinstance(h, Mapping)] if isinstance(hidden, list) else []
        for place, button in enumerate([*buttons, *hidden], start=1):
            payload = str(button.get("payload") or "")
            if not payload or payload in seen:
                continue
            seen.add(payload)
            number = place if index == last and place <= len(buttons) else None
            choices.append(_choice(button, payload, number, vocabulary))
    return Question(tuple(choices), topic, kind=kind)


def _buttons(
    message: Mapping[str, Any], keyboard: Mapping[str, str] | None
) -> list[Mapping[str, Any]]:
    buttons = [b for b in message.get("buttons") or [] if isinstance(b, Mapping)]
    if not buttons and keyboard and (message.get("custom") or {}).get("telefoon"):
        buttons = [{"title": title, "payload": payload} for title, payload in keyboard.items()]
    return buttons


def _choice(
    button: Mapping[str, Any], payload: str, number: int | None, vocabulary: Vocabulary
) -> Choice:
    title = str(button.get("title") or "")
    extra = [str(w) for w in button.get("woorden") or []]
    words = [w for w in (normalise(t) for t in [title, *extra]) if w]
    if not normalise(title) and emoji_only(title):
        words.append(emoji_only(title))  # a picture button (🍞): its picture, typed
    words = list(dict.fromkeys(words))
    meaning = button.get("betekent")
    if meaning not in (YES, NO):
        first = without_symbols(title).lower().split()[:1]
        meaning = YES if first == ["ja"] else NO if first == ["nee"] else None
        if meaning is None and payload in ("/bevestigen", "/ontkennen"):
            meaning = YES if payload == "/bevestigen" else NO
    return Choice(payload, tuple(words), meaning, number)


def understand(
    question: Question | None,
    text: str,
    nlu: Understanding,
    vocabulary: Vocabulary,
    control_intents: frozenset[str],
    control_confidence: float,
) -> Outcome:
    """What a typed text means with this question on screen (NOTHING: not an answer)."""
    if question is None or not question.choices:
        return NOTHING
    typed = normalise(text) or emoji_only(text)
    if typed in vocabulary.always or normalise(text, articles=True) in vocabulary.always:
        return NOTHING
    exact = {c.payload for c in question.choices if typed and typed in c.words}
    if len(exact) == 1:
        return Outcome(exact.pop(), how="woorden")
    negated = _negated(typed, vocabulary)
    held = _holds_phrase(question, typed) if not negated else None
    if held is not None:  # "ik wil hulp bij een brief": the button's own words, in full
        return Outcome(held.payload, how="woorden")
    found, whole = _by_words(question, typed)
    if nlu.intent in control_intents and nlu.confidence >= control_confidence:
        if nlu.intent in FIRM_INTENTS or not (whole and found and found.meaning is None):
            return NOTHING  # "latr kiezen" is "⏰ Later kiezen", not the settings
    numbered = _by_number(question, text, vocabulary)
    if numbered is not None:
        return Outcome(numbered.payload, how="nummer")
    other = _sure_of_other(question, nlu)
    if found is not None and not whole and negated:
        found = None  # "ik wil niet naar tiel" chooses no Tiel
    if found is not None and found.meaning is None and (whole or not other):
        return Outcome(found.payload, how="woorden")
    yes, no = question.yes, question.no
    if (yes is not None or no is not None) and not other:
        said = polarity(text, question.topic, vocabulary.yes_no)
        if said is None and nlu.confidence >= YES_NO_CONFIDENCE:
            said = {"bevestigen": YES, "ontkennen": NO}.get(nlu.intent or "")
        if said == DOUBT and yes is not None and no is not None:
            return Outcome(unclear=not question.asked_back, how="twijfel")
        if said == YES and yes is not None:
            return Outcome(yes.payload, how="ja_nee")
        if said == NO and no is not None:
            return Outcome(no.payload, how="ja_nee")
    if found is not None and (whole or not other):
        return Outcome(found.payload, how="woorden")
    intended = {c.payload for c in question.choices if c.intent and c.intent == nlu.intent}
    if len(intended) == 1 and nlu.confidence >= control_confidence:
        return Outcome(intended.pop(), how="intent")
    return NOTHING


def _negated(typed: str, vocabulary: Vocabulary) -> bool:
    """Does the sentence say "not" (niet, geen, nooit)? Then a button's word in it is no
    choice of that button."""
    return any(w in vocabulary.yes_no.no_in_sentence for w in typed.split()[1:])


def _holds_phrase(question: Question, typed: str) -> Choice | None:
    """The one choice whose words of two or more (all of them, in order) the text holds."""
    words = typed.split()
    found = {
        c.payload: c
        for c in question.choices
        for phrase in c.words
        if len(phrase.split()) >= 2 and len(words) > len(phrase.split())
        and contains_phrase(words, phrase.split()) >= 0
    }  # fmt: skip
    return next(iter(found.values())) if len(found) == 1 else None


def _sure_of_other(question: Question, nlu: Understanding) -> bool:
    """Is the NLU sure the text asks something none of the buttons offers?"""
    if nlu.intent is None or nlu.intent == "nlu_fallback" or nlu.confidence < OVERRULE_CONFIDENCE:
        return False
    if nlu.intent in ("bevestigen", "ontkennen"):
        return False
    return all(c.intent != nlu.intent for c in question.choices)


def _by_number(question: Question, text: str, vocabulary: Vocabulary) -> Choice | None:
    """ "2", "de tweede", "nummer 2", "de laatste": a button by its place. Where the
    buttons' own words hold digits (times, dates), "2" or "twee" may mean two o'clock or
    the 2nd, so there only "de tweede" and "nummer 2" count."""
    numbered = sorted((c for c in question.choices if c.number), key=lambda c: c.number or 0)
    if not numbered:
        return None
    said = normalise(text, articles=True)
    digits = any(ch.isdigit() for c in numbered for w in c.words for ch in w)
    if digits and (said in vocabulary.cardinals or said in vocabulary.last):
        return None  # "de laatste" time may be meant, and the last button is "Andere dag"
    if said in vocabulary.last:
        return numbered[-1]
    place = vocabulary.numbers.get(said)
    if place is None or place > len(numbered):
        return None
    return numbered[place - 1]


def _by_words(question: Question, typed: str) -> tuple[Choice | None, bool]:
    """The choice whose words the text holds or (with a typo) is; with whether the whole
    text matched. None when no choice, or two choices equally, fit."""
    best: dict[str, tuple[float, bool, Choice]] = {}
    for choice in question.choices:
        for phrase in choice.words:
            found = score(typed, phrase)
            if found.value <= 0:
                continue
            value = found.value if found.whole else found.value - 0.01
            if choice.payload not in best or value > best[choice.payload][0]:
                best[choice.payload] = (value, found.whole, choice)
    ranked = sorted(best.values(), key=lambda entry: entry[0], reverse=True)
    if not ranked or ranked[0][0] < MIN_RATIO:
        return None, False
    if len(ranked) > 1 and ranked[0][0] - ranked[1][0] < MIN_MARGIN:
        return None, False
    return ranked[0][2], ranked[0][1]


def payload_entities(payload: str) -> dict[str, str]:
    """The entities of a button payload "/intent{"name":"value"}"."""
    start = payload.find("{")
    if start < 0:
        return {}
    try:
        data = json.loads(payload[start:])
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


__all__ = [
    "Choice",
    "Outcome",
    "Question",
    "Understanding",
    "payload_entities",
    "question_from",
    "understand",
]
