"""Practice rounds: which items, which exercise, what an answer does, when the level changes.

Plain Python over the content bank and the practice store; the Rasa action turns each
``Step`` into responses. A round's state is one JSON document per learner, so any worker can
take the next turn, and an old or doubled button press is recognised by the question number.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

from bot.content.bank import ContentBank, Theme
from bot.practice import leitner
from bot.practice.exercises import Exercise, kinds_for, make, volgorde_right
from bot.practice.levels import ThemeLevel, after_round, level_from_check
from bot.practice.texts import PracticeTexts
from bot.store.practice import ExerciseEvent, PracticeStore
from bot.tone.profiles import Profile

ROUND_SIZE = 5
NEW_PER_ROUND = 3
# The intake level check: one word, two sentences, one short text.
CHECK_LEVELS = (1, 2, 2, 3)
CHECK_THEME = "kennismaken"


def answer_payload(keuze: str) -> str:
    return "/oefenen" + json.dumps({"keuze": keuze}, separators=(",", ":"))


def theme_payload(theme: str) -> str:
    return "/oefenen" + json.dumps({"thema": theme}, separators=(",", ":"))


@dataclass
class Step:
    """What happened on a turn, for the action to say."""

    theme: str | None = None
    stale: bool = False  # the button belonged to a question that is already done
    correct: bool | None = None  # feedback on the answer just given
    right: str = ""  # the right answer, in words
    exercise: Exercise | None = None  # the next question
    building: Exercise | None = None  # a "volgorde" question with some words tapped
    round_end: tuple[int, int] | None = None  # (right, total)
    level_change: int = 0
    level: int = 0
    check_level: int | None = None  # the intake check is done: the starting level


@dataclass
class Progress:
    done: int
    right: int
    rows: list[tuple[Theme, int, int]] = field(default_factory=list)  # theme, stars, level


class Practice:
    def __init__(
        self,
        bank: ContentBank,
        store: PracticeStore,
        texts: PracticeTexts,
        rng: random.Random | None = None,
    ) -> None:
        self.bank = bank
        self.store = store
        self.texts = texts
        self.rng = rng or random.Random()

    # --- themes and rounds ----------------------------------------------------------------

    def themes(self, profile: Profile) -> list[Theme]:
        """The themes in the order to offer them: work themes first for employees."""
        themes = list(self.bank.themes.values())
        if profile.work_first:
            themes.sort(key=lambda t: not t.work)
        return themes

    def start_round(self, user: int, theme_id: str, profile: Profile) -> Step:
        snap = self.store.snapshot(user)
        round_no = snap.rounds + 1
        level = self._theme_level(user, theme_id, profile).level
        keys = [item.key for item in self.bank.themes[theme_id].items[level]]
        cards = self.store.cards(user, keys)
        queue = leitner.pick(keys, cards, round_no, ROUND_SIZE, NEW_PER_ROUND, self.rng)
        state = {
            "mode": "ronde", "theme": theme_id, "level": level, "queue": queue, "index": 0,
            "results": [], "round": round_no, "seq": self._seq(snap.state),
        }  # fmt: skip
        exercise = self._next_exercise(user, state, profile, cards)
        self.store.save(user, state, rounds=round_no)
        return Step(theme=theme_id, exercise=exercise, level=level)

    def start_check(self, user: int, profile: Profile) -> Step:
        """The intake's level check: four items from easy to hard, no Leitner bookkeeping."""
        snap = self.store.snapshot(user)
        theme = self.bank.themes.get(CHECK_THEME) or next(iter(self.bank.themes.values()))
        queue: list[str] = []
        for level in CHECK_LEVELS:
            pool = [i.key for i in theme.items[level] if i.key not in queue]
            queue.append(self.rng.choice(pool))
        state = {
            "mode": "toets", "theme": theme.id, "level": 1, "queue": queue, "index": 0,
            "results": [], "round": snap.rounds, "seq": self._seq(snap.state),
        }  # fmt: skip
        exercise = self._next_exercise(user, state, profile, {})
        self.store.save(user, state)
        return Step(theme=theme.id, exercise=exercise)

    def continue_round(self, user: int, profile: Profile) -> Step | None:
        """ "Nog een ronde" after a round: the same theme again; None when there is none."""
        state = self.store.snapshot(user).state
        if not state or not state.get("theme") or state["theme"] not in self.bank.themes:
            return None
        if state.get("exercise"):  # "nog een ronde" pressed twice: the round is already on
            exercise = Exercise.from_json(state["exercise"])
            if exercise.kind == "volgorde" and exercise.built:
                return Step(stale=True, building=exercise, theme=exercise.theme)
            return Step(stale=True, exercise=exercise, theme=exercise.theme)
        return self.start_round(user, state["theme"], profile)

    def current(self, user: int) -> Exercise | None:
        state = self.store.snapshot(user).state
        exercise = (state or {}).get("exercise")
        return Exercise.from_json(exercise) if exercise else None

    def close(self, user: int) -> None:
        """Stop or "later": the open round ends at once; its answers so far are kept."""
        snap = self.store.snapshot(user)
        if snap.state is not None:
            self.store.save(user, {"seq": self._seq(snap.state), "theme": snap.state.get("theme")})

    # --- answers --------------------------------------------------------------------------

    def answer(self, user: int, keuze: str, profile: Profile) -> Step:
        """Apply a pressed (or typed) answer "<question>:<choice>" to the open question."""
        snap = self.store.snapshot(user)
        state = snap.state or {}
        data = state.get("exercise")
        if not data:
            return Step(stale=True)
        exercise = Exercise.from_json(data)
        seq, _, choice = keuze.partition(":")
        if seq != str(exercise.seq):
            if exercise.kind == "volgorde" and exercise.built:  # keep the words tapped so far
                return Step(stale=True, building=exercise, theme=exercise.theme)
            return Step(stale=True, exercise=exercise, theme=exercise.theme)
        if exercise.kind == "volgorde":
            if choice == "r":
                exercise.built = []
                return self._building(user, state, exercise)
            index = _index(choice, len(exercise.choices))
            if index is None or index in exercise.built:
                return Step(stale=True, building=exercise, theme=exercise.theme)
            exercise.built.append(index)
            if len(exercise.built) < len(exercise.choices):
                return self._building(user, state, exercise)
            correct = volgorde_right(exercise)
        else:
            index = _index(choice, len(exercise.choices))
            if index is None:
                return Step(stale=True, exercise=exercise, theme=exercise.theme)
            correct = index == exercise.answer
        return self._after_answer(user, state, exercise, correct, profile)

    def note_replay(self, user: int, slow: bool) -> None:
        """Count "nog eens"/"langzamer" on the open question, for the statistics."""
        snap = self.store.snapshot(user)
        data = (snap.state or {}).get("exercise")
        if not data:
            return
        data["slower" if slow else "replays"] += 1
        self.store.save(user, snap.state)

    # --- progress -------------------------------------------------------------------------

    def progress(self, user: int, profile: Profile) -> Progress:
        done, right = self.store.answered(user)
        levels = self.store.theme_levels(user)
        cards = self.store.cards(user)
        rows = []
        for theme in self.themes(profile):
            level = levels.get(theme.id, ThemeLevel(profile.start_level)).level
            keys = [item.key for item in theme.items[level]]
            stars = int(5 * leitner.known_share(keys, cards) + 0.5)
            rows.append((theme, stars, level))
        return Progress(done, right, rows)

    # --- internals ------------------------------------------------------------------------

    def _after_answer(
        self,
        user: int,
        state: dict[str, Any],
        exercise: Exercise,
        correct: bool,
        profile: Profile,
    ) -> Step:
        checking = state["mode"] == "toets"
        if not checking:
            card = self.store.cards(user, [exercise.item]).get(exercise.item, leitner.Card())
            self.store.put_card(
                user, exercise.item, leitner.after_answer(card, correct, state["round"])
            )
        self.store.record(user, _event("answered", exercise, correct))
        state["results"].append(correct)
        state["index"] += 1
        step = Step(theme=state["theme"], correct=correct, right=exercise.right)
        if state["index"] < len(state["queue"]):
            step.exercise = self._next_exercise(user, state, profile, None)
            self.store.save(user, state)
            return step
        results = state["results"]
        closed = {"seq": state["seq"], "theme": state["theme"]}
        if checking:
            level = level_from_check(results)
            self.store.set_all_levels(user, self.bank.themes, level)
            self.store.save(user, closed, level=level)
            step.check_level = level
            return step
        current = self._theme_level(user, state["theme"], profile)
        new, change = after_round(current, sum(results), len(results))
        self.store.put_theme_level(user, state["theme"], new)
        self.store.record_round(user, state["theme"], new.level, change)
        self.store.save(user, closed)
        step.round_end = (sum(results), len(results))
        step.level_change, step.level = change, new.level
        return step

    def _building(self, user: int, state: dict[str, Any], exercise: Exercise) -> Step:
        state["exercise"] = exercise.to_json()
        self.store.save(user, state)
        return Step(theme=exercise.theme, building=exercise)

    def _next_exercise(
        self,
        user: int,
        state: dict[str, Any],
        profile: Profile,
        cards: dict[str, leitner.Card] | None,
    ) -> Exercise:
        item = self.bank.item(state["queue"][state["index"]])
        kinds = kinds_for(item.level, profile.listening)
        if state["mode"] == "toets":
            kind = kinds[0]
        else:
            if cards is None:
                cards = self.store.cards(user, [item.key])
            seen = cards.get(item.key, leitner.Card()).seen
            kind = kinds[(seen + state["index"] + state["round"]) % len(kinds)]
        state["seq"] += 1
        labels = self.texts.labels
        exercise = make(
            self.bank, item, kind, state["seq"], (labels["ja"], labels["nee"]), self.rng
        )
        state["exercise"] = exercise.to_json()
        self.store.record(user, _event("shown", exercise, None))
        return exercise

    def _theme_level(self, user: int, theme: str, profile: Profile) -> ThemeLevel:
        # Before any level check or round in this theme: the profile's starting level.
        return self.store.theme_levels(user).get(theme) or ThemeLevel(profile.start_level)

    @staticmethod
    def _seq(state: dict[str, Any] | None) -> int:
        return int((state or {}).get("seq", 0))


def _index(choice: str, count: int) -> int | None:
    """The choice's index, or None for anything that is not a plain number in range."""
    if not (choice.isascii() and choice.isdecimal()):
        return None
    return int(choice) if int(choice) < count else None


def _event(kind: str, exercise: Exercise, correct: bool | None) -> ExerciseEvent:
    return ExerciseEvent(
        event=kind,
        theme=exercise.theme,
        level=exercise.level,
        kind=exercise.kind,
        item_key=exercise.item,
        correct=correct,
        replays=exercise.replays,
        slower=exercise.slower,
    )
