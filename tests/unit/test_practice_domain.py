"""The practice domain: Leitner boxes, levels, exercises, typed answers, and whole rounds.

The service runs over a real migrated SQLite file and the real content bank, with a seeded
random source; the learner "presses" the payloads the bot would have shown.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import text as sql
from sqlalchemy.engine import Engine

from bot.choices.matcher import best_match
from bot.content.bank import LEVELS, ContentBank, Item
from bot.practice.exercises import (
    GAP,
    KINDS,
    Choice,
    Exercise,
    built_text,
    kinds_for,
    make,
    normalise,
    sentence_words,
    volgorde_right,
)
from bot.practice.leitner import Card, after_answer, is_due, known_share, pick
from bot.practice.levels import ThemeLevel, after_round, level_from_check
from bot.practice.service import (
    CHECK_LEVELS,
    ROUND_SIZE,
    Practice,
    Step,
)
from bot.store.practice import ExerciseEvent
from bot.tone.profiles import Profile, Profiles

Presses = Callable[[Exercise, bool], list[str]]

LEARNER = 5151
OTHER = 6262
YES_NO = ("👍 Ja", "👎 Nee")
KEYS = [f"thema.item{i:02}" for i in range(14)]


# --- Leitner boxes -----------------------------------------------------------------------


def test_a_right_answer_moves_the_card_one_box_up_to_the_last_box() -> None:
    card = Card()
    boxes = []
    for round_no in range(1, 7):
        card = after_answer(card, True, round_no)
        boxes.append(card.box)
    assert boxes == [2, 3, 4, 5, 5, 5]
    assert card == Card(box=5, last_round=6, seen=6, correct=6)


def test_a_wrong_answer_sends_the_card_back_to_box_one() -> None:
    card = Card(box=4, last_round=3, seen=5, correct=4)
    assert after_answer(card, False, 9) == Card(box=1, last_round=9, seen=6, correct=4)


@pytest.mark.parametrize(("box", "rounds"), [(1, 1), (2, 2), (3, 4), (4, 8), (5, 16)])
def test_a_card_is_due_after_its_boxs_number_of_rounds(box: int, rounds: int) -> None:
    card = Card(box=box, last_round=10)
    assert not is_due(card, 10 + rounds - 1)
    assert is_due(card, 10 + rounds)
    assert is_due(card, 10 + rounds + 5)


def test_pick_takes_due_cards_from_the_lowest_boxes_first() -> None:
    cards = {
        KEYS[0]: Card(box=3, last_round=1),  # due (4 rounds)
        KEYS[1]: Card(box=1, last_round=4),  # due
        KEYS[2]: Card(box=2, last_round=3),  # due
        KEYS[3]: Card(box=1, last_round=5),  # not due: seen this very round
        KEYS[4]: Card(box=5, last_round=4),  # not due
    }
    chosen = pick(KEYS[:5], cards, 5, 2, 3, random.Random(1))
    assert sorted(chosen) == [KEYS[1], KEYS[2]]


def test_pick_limits_the_new_items_when_seen_ones_can_fill_the_round() -> None:
    cards = {key: Card(box=2, last_round=9) for key in KEYS[:5]}  # none due in round 10
    chosen = pick(KEYS, cards, 10, 5, 3, random.Random(1))
    assert len(chosen) == 5
    assert len([key for key in chosen if key not in cards]) == 3
    # New items come in content order: the bank puts easier words first.
    assert {key for key in chosen if key not in cards} == set(KEYS[5:8])


def test_pick_fills_a_round_when_every_item_is_known() -> None:
    """A learner who knows a whole level still gets a full round: the oldest items first."""
    cards = {key: Card(box=5, last_round=20 + i) for i, key in enumerate(KEYS)}
    chosen = pick(KEYS, cards, 40, 5, 3, random.Random(1))
    assert sorted(chosen) == KEYS[:5]


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize(
    "seen",
    [0, 1, 4, 9, 14],
    ids=lambda n: f"{n}-seen",
)
def test_pick_returns_size_distinct_keys(seed: int, seen: int) -> None:
    rng = random.Random(seed)
    cards = {
        key: Card(box=rng.randint(1, 5), last_round=rng.randint(0, 6))
        for key in rng.sample(KEYS, seen)
    }
    chosen = pick(KEYS, cards, 7, 5, 3, rng)
    assert len(chosen) == 5
    assert len(set(chosen)) == 5
    assert set(chosen) <= set(KEYS)


def test_known_share_counts_cards_from_box_three() -> None:
    cards = {KEYS[0]: Card(box=3), KEYS[1]: Card(box=5), KEYS[2]: Card(box=2)}
    assert known_share(KEYS[:4], cards) == 0.5
    assert known_share([], cards) == 0.0


# --- levels per theme --------------------------------------------------------------------


def test_two_good_rounds_in_a_row_raise_the_level() -> None:
    first, change = after_round(ThemeLevel(1), 5, 5)
    assert (first, change) == (ThemeLevel(1, good_rounds=1), 0)
    assert after_round(first, 4, 5) == (ThemeLevel(2), +1)


def test_one_good_round_then_a_poor_one_changes_nothing() -> None:
    first, _ = after_round(ThemeLevel(2), 5, 5)
    second, change = after_round(first, 1, 5)
    assert (second.level, change) == (2, 0)
    # And the good round no longer counts towards going up.
    assert after_round(second, 5, 5) == (ThemeLevel(2, good_rounds=1), 0)


def test_two_poor_rounds_in_a_row_lower_the_level() -> None:
    first, change = after_round(ThemeLevel(3), 2, 5)
    assert (first, change) == (ThemeLevel(3, poor_rounds=1), 0)
    assert after_round(first, 0, 5) == (ThemeLevel(2), -1)


def test_a_middling_round_breaks_a_run() -> None:
    first, _ = after_round(ThemeLevel(2), 5, 5)
    middling, _ = after_round(first, 3, 5)  # neither good nor poor
    assert after_round(middling, 5, 5) == (ThemeLevel(2, good_rounds=1), 0)


def test_the_level_stays_between_one_and_three() -> None:
    top = ThemeLevel(3)
    for _ in range(4):
        top, change = after_round(top, 5, 5)
        assert (top.level, change) == (3, 0)
    bottom = ThemeLevel(1)
    for _ in range(4):
        bottom, change = after_round(bottom, 0, 5)
        assert (bottom.level, change) == (1, 0)


def test_an_empty_round_changes_nothing() -> None:
    assert after_round(ThemeLevel(2, 1, 0), 0, 0) == (ThemeLevel(2, 1, 0), 0)


@pytest.mark.parametrize(
    ("right", "level"),
    [
        ([True, True, True, True], 3),
        ([True, True, True, False], 2),
        ([True, True, False, False], 2),
        ([True, False, True, False], 2),
        ([True, False, True, True], 2),
        ([False, True, True, True], 1),  # the word itself was wrong
        ([True, False, False, False], 1),
        # The word and the yes/no text, but no sentence right: the docstring's rule says 1.
        ([True, False, False, True], 1),
        ([False, False, False, False], 1),
    ],
)
def test_level_from_the_intake_check(right: list[bool], level: int) -> None:
    assert level_from_check(right) == level


# --- exercises ---------------------------------------------------------------------------


def all_kinds(level: int) -> set[str]:
    return set(kinds_for(level, True)) | set(kinds_for(level, False))


def build_all(bank: ContentBank, seed: int = 3) -> list[tuple[Item, Exercise]]:
    """Every kind a learner can get, for every item of the bank."""
    rng = random.Random(seed)
    return [
        (item, make(bank, item, kind, 1, YES_NO, rng))
        for item in bank.all_items()
        for kind in sorted(all_kinds(item.level))
    ]


def test_every_kind_builds_for_every_item_of_every_level(bank: ContentBank) -> None:
    built = build_all(bank)
    assert {(item.level, exercise.kind) for item, exercise in built} == {
        (1, "lezen"),
        (1, "luisteren"),
        (2, "gat"),
        (2, "volgorde"),
        (2, "lezen"),
        (2, "luisteren"),
        (3, "ja_nee"),
        (3, "luisteren"),
    }
    for item, exercise in built:
        assert (exercise.item, exercise.theme, exercise.level) == (item.key, item.theme, item.level)
        assert exercise.seq == 1
        assert exercise.right
        if exercise.kind == "volgorde":
            assert exercise.answer == -1
        else:
            assert 0 <= exercise.answer < len(exercise.choices)
            assert 2 <= len(exercise.choices) <= 3
        # The round's state is JSON: an exercise survives the trip unchanged.
        assert Exercise.from_json(exercise.to_json()) == exercise


def test_the_right_answer_is_among_the_choices_exactly_once(bank: ContentBank) -> None:
    for item, exercise in build_all(bank):
        labels = [choice.label for choice in exercise.choices]
        if exercise.kind == "volgorde":
            continue
        if exercise.kind == "gat":
            expected = item.gap
        elif item.level == 3:
            expected = YES_NO[0] if item.answer else YES_NO[1]
        else:
            expected = item.picture
        assert labels[exercise.answer] == expected, exercise
        assert labels.count(expected) == 1, exercise


def test_picture_choices_come_from_the_same_theme_and_level(bank: ContentBank) -> None:
    for item, exercise in build_all(bank):
        if exercise.kind not in ("lezen", "luisteren") or item.level == 3:
            continue
        siblings = {other.picture: other for other in bank.themes[item.theme].items[item.level]}
        assert len(exercise.choices) == 3
        assert len({choice.label for choice in exercise.choices}) == 3
        for choice in exercise.choices:
            assert choice.label in siblings, (item.key, choice)
            other = siblings[choice.label]
            assert choice.match == (other.shown_word if item.level == 1 else other.sentence)


def test_a_listening_question_speaks_what_a_reading_one_shows(bank: ContentBank) -> None:
    item = bank.item("boodschappen.brood")
    rng = random.Random(1)
    listening = make(bank, item, "luisteren", 4, YES_NO, rng)
    reading = make(bank, item, "lezen", 5, YES_NO, rng)
    assert listening.speak == "het brood"
    assert listening.listening_only
    assert reading.speak is None
    assert reading.fields["woord"] == "het brood"
    assert reading.right == listening.right == f"{item.picture} het brood"


def test_gat_puts_the_dots_where_the_word_was(bank: ContentBank) -> None:
    rng = random.Random(5)
    for item in (i for i in bank.all_items() if i.level == 2):
        exercise = make(bank, item, "gat", 1, YES_NO, rng)
        shown = exercise.fields["zin"]
        assert shown.count(GAP) == 1
        assert item.gap not in shown.split()
        assert shown.replace(GAP, item.gap or "") == item.sentence
        assert sorted(c.label for c in exercise.choices) == sorted([item.gap, *item.wrong[:2]])


def test_volgorde_shows_the_sentences_words_in_another_order(bank: ContentBank) -> None:
    for seed in range(10):
        rng = random.Random(seed)
        for item in (i for i in bank.all_items() if i.level == 2):
            exercise = make(bank, item, "volgorde", 1, YES_NO, rng)
            words = sentence_words(item.sentence or "")
            labels = [choice.label for choice in exercise.choices]
            assert sorted(labels) == sorted(words)
            assert labels != words, (item.key, seed)


def test_volgorde_with_a_word_twice_is_never_shown_already_in_order(bank: ContentBank) -> None:
    """ "Met je pas leen je boeken": swapping the two "je" must not count as shuffled."""
    doubled = [
        item
        for item in bank.all_items()
        if item.level == 2 and len(set(words := sentence_words(item.sentence or ""))) < len(words)
    ]
    assert doubled, "the bank has a sentence with a word twice"
    for item in doubled:
        words = sentence_words(item.sentence or "")
        solved = []
        for seed in range(1500):
            exercise = make(bank, item, "volgorde", 1, YES_NO, random.Random(seed))
            if [choice.label for choice in exercise.choices] == words:
                solved.append(seed)
        assert solved == [], f"{item.key}: shown already in order with seeds {solved}"


def test_volgorde_right_accepts_the_same_word_in_either_place() -> None:
    exercise = Exercise(
        seq=1, item="x.y", theme="x", level=2, kind="volgorde",
        choices=[Choice(w, w) for w in ["de", "melk", "Ik", "in", "de", "zet", "koelkast"]],
        answer=-1, fields={"zin": ""}, right="Ik zet de melk in de koelkast.",
    )  # fmt: skip
    exercise.built = [2, 5, 4, 1, 3, 0, 6]
    assert built_text(exercise) == "Ik zet de melk in de koelkast"
    assert volgorde_right(exercise)
    exercise.built = [2, 5, 4, 3, 1, 0, 6]
    assert not volgorde_right(exercise)


@pytest.mark.parametrize("level", LEVELS)
def test_kinds_without_listening_have_no_listening_exercise(level: int) -> None:
    with_sound = kinds_for(level, True)
    without = kinds_for(level, False)
    assert "luisteren" in with_sound
    assert "luisteren" not in without
    assert without  # every level still has something to practise
    assert set(without) <= set(KINDS)


def test_normalise_ignores_case_punctuation_emoji_and_articles() -> None:
    assert normalise("Het BROOD! 🍞") == "brood"
    assert normalise("  de   melk, ") == "melk"
    assert normalise("Is dat een appel?") == "is dat appel"


def test_the_short_article_t_is_ignored_like_het() -> None:
    """ "'t ei" is how many learners write "het ei": it must answer the egg button."""
    assert normalise("'t Ei") == normalise("het ei") == "ei"
    assert best_match("'t ei", ["het ei", "de melk", "de kaas"]) == 0


# --- typed answers -----------------------------------------------------------------------

GROCERIES = ["het brood", "de melk", "de kaas"]


@pytest.mark.parametrize(
    ("typed", "index"),
    [
        ("brod", 0),
        ("mlek", 1),
        ("kaas", 2),
        ("BROOD", 0),
        ("het brood!", 0),
        ("de melk 🥛", 1),
        ("  Kaas.  ", 2),
    ],
)
def test_a_typed_answer_with_a_typo_finds_its_button(typed: str, index: int) -> None:
    assert best_match(typed, GROCERIES) == index


@pytest.mark.parametrize("typed", ["fiets", "ik weet het niet", "", "🍞", "de", "!!"])
def test_an_unrelated_typed_answer_matches_nothing(typed: str) -> None:
    assert best_match(typed, GROCERIES) is None


def test_an_answer_that_fits_two_buttons_equally_matches_neither() -> None:
    assert best_match("kaast", ["de kaas", "de kast", "de melk"]) is None


def test_two_buttons_with_the_same_words_give_the_first() -> None:
    assert best_match("melk", ["de melk", "melk", "kaas"]) == 0


# --- the service: rounds -----------------------------------------------------------------


def play_round(
    practice: Practice,
    step: Step,
    profile: Profile,
    right: bool | list[bool],
    presses: Presses,
) -> tuple[Step, list[Exercise]]:
    """Answer every question of the round (or check); the last step and the questions."""
    shown: list[Exercise] = []
    wanted = iter(right if isinstance(right, list) else [right] * 10)
    while step.exercise is not None:
        exercise = step.exercise
        shown.append(exercise)
        for keuze in presses(exercise, next(wanted)):
            step = practice.answer(LEARNER, keuze, profile)
    return step, shown


def test_a_round_is_five_questions_then_the_score(
    practice: Practice, profiles: Profiles, bank: ContentBank, presses: Presses
) -> None:
    nt2 = profiles.by_id["nt2"]
    step = practice.start_round(LEARNER, "boodschappen", nt2)
    assert (step.theme, step.level, step.stale) == ("boodschappen", 1, False)
    end, shown = play_round(practice, step, nt2, [True, False, True, True, False], presses)
    assert len(shown) == ROUND_SIZE
    assert [e.seq for e in shown] == [1, 2, 3, 4, 5]
    assert len({e.item for e in shown}) == ROUND_SIZE
    assert all(bank.item(e.item).theme == "boodschappen" and e.level == 1 for e in shown)
    assert end.round_end == (3, 5)
    assert end.correct is False
    assert end.right == shown[-1].right
    assert end.exercise is None
    assert practice.current(LEARNER) is None
    # The round's answers are in the Leitner boxes.
    cards = practice.store.cards(LEARNER)
    assert {key: card.box for key, card in cards.items()} == {
        e.item: 2 if ok else 1
        for e, ok in zip(shown, [True, False, True, True, False], strict=True)
    }


def test_right_and_wrong_answers_give_feedback_and_the_next_question(
    practice: Practice, profiles: Profiles
) -> None:
    nt2 = profiles.by_id["nt2"]
    first = practice.start_round(LEARNER, "boodschappen", nt2).exercise
    assert first is not None and first.kind in ("lezen", "luisteren")
    step = practice.answer(LEARNER, f"{first.seq}:{first.answer}", nt2)
    assert (step.correct, step.right) == (True, first.right)
    second = step.exercise
    assert second is not None and second.seq == first.seq + 1
    wrong = (second.answer + 1) % len(second.choices)
    step = practice.answer(LEARNER, f"{second.seq}:{wrong}", nt2)
    assert (step.correct, step.right) == (False, second.right)
    assert step.exercise is not None and step.exercise.seq == second.seq + 1


def test_an_old_button_is_stale_and_counts_once(practice: Practice, profiles: Profiles) -> None:
    nt2 = profiles.by_id["nt2"]
    first = practice.start_round(LEARNER, "boodschappen", nt2).exercise
    assert first is not None
    now = practice.answer(LEARNER, f"{first.seq}:{first.answer}", nt2).exercise
    again = practice.answer(LEARNER, f"{first.seq}:{first.answer}", nt2)
    assert again.stale
    assert again.correct is None
    assert again.exercise == now  # the question of now, to show again
    assert practice.current(LEARNER) == now
    answered = [e for e in practice.store.events(LEARNER) if e.event == "answered"]
    assert len(answered) == 1
    assert practice.store.answered(LEARNER) == (1, 1)


@pytest.mark.parametrize(
    "keuze", ["abc", "99:99", "1:-1", "", "1:", ":", "1:3", "1:1.0", "1: 1", "1:x", "1:²"]
)
def test_a_malformed_answer_is_stale_and_never_raises(
    practice: Practice, profiles: Profiles, keuze: str
) -> None:
    nt2 = profiles.by_id["nt2"]
    first = practice.start_round(LEARNER, "boodschappen", nt2).exercise
    assert first is not None and len(first.choices) == 3
    step = practice.answer(LEARNER, keuze, nt2)
    assert step.stale
    assert step.correct is None
    assert practice.current(LEARNER) == first
    assert practice.store.answered(LEARNER) == (0, 0)


def test_an_answer_without_a_round_is_stale(practice: Practice, profiles: Profiles) -> None:
    step = practice.answer(LEARNER, "1:0", profiles.by_id["nt1"])
    assert step == Step(stale=True)


def test_a_sentence_is_built_tap_by_tap(
    practice: Practice, profiles: Profiles, presses: Presses
) -> None:
    nt1 = profiles.by_id["nt1"]  # starts at level 2: the first question makes a sentence
    exercise = practice.start_round(LEARNER, "boodschappen", nt1).exercise
    assert exercise is not None and exercise.kind == "volgorde"
    taps = [int(keuze.split(":")[1]) for keuze in presses(exercise, True)]
    seq = exercise.seq

    step = practice.answer(LEARNER, f"{seq}:{taps[0]}", nt1)
    assert step.building is not None and step.correct is None
    assert step.building.built == [taps[0]]
    assert built_text(step.building) == sentence_words(exercise.right)[0]

    # The same word tapped twice (a double tap) changes nothing.
    twice = practice.answer(LEARNER, f"{seq}:{taps[0]}", nt1)
    assert twice.stale and twice.building is not None
    assert twice.building.built == [taps[0]]

    # "Opnieuw": start the sentence again.
    step = practice.answer(LEARNER, f"{seq}:{taps[1]}", nt1)
    assert step.building is not None and len(step.building.built) == 2
    step = practice.answer(LEARNER, f"{seq}:r", nt1)
    assert step.building is not None and step.building.built == []
    current = practice.current(LEARNER)
    assert current is not None and current.built == []

    for index, tap in enumerate(taps):
        step = practice.answer(LEARNER, f"{seq}:{tap}", nt1)
        if index < len(taps) - 1:
            assert step.building is not None and step.correct is None
    assert step.correct is True
    assert step.right == exercise.right
    assert step.exercise is not None and step.exercise.seq == seq + 1
    assert practice.store.answered(LEARNER) == (1, 1)


def test_a_sentence_in_the_wrong_order_is_wrong(
    practice: Practice, profiles: Profiles, presses: Presses
) -> None:
    nt1 = profiles.by_id["nt1"]
    exercise = practice.start_round(LEARNER, "boodschappen", nt1).exercise
    assert exercise is not None and exercise.kind == "volgorde"
    for keuze in presses(exercise, False):
        step = practice.answer(LEARNER, keuze, nt1)
    assert (step.correct, step.right) == (False, exercise.right)
    assert practice.store.answered(LEARNER) == (1, 0)


def test_two_good_rounds_raise_the_themes_level(
    practice: Practice, profiles: Profiles, presses: Presses
) -> None:
    nt2 = profiles.by_id["nt2"]
    end, _ = play_round(
        practice, practice.start_round(LEARNER, "boodschappen", nt2), nt2, True, presses
    )
    assert (end.round_end, end.level_change, end.level) == ((5, 5), 0, 1)
    end, _ = play_round(practice, practice.continue_round(LEARNER, nt2), nt2, True, presses)
    assert (end.round_end, end.level_change, end.level) == ((5, 5), +1, 2)
    assert practice.store.theme_levels(LEARNER) == {"boodschappen": ThemeLevel(2)}
    # The next round in the theme has sentences; other themes still start at the profile's.
    assert practice.start_round(LEARNER, "boodschappen", nt2).level == 2
    assert practice.start_round(LEARNER, "vervoer", nt2).level == 1


def test_two_poor_rounds_lower_the_themes_level(
    practice: Practice, profiles: Profiles, presses: Presses
) -> None:
    nt1 = profiles.by_id["nt1"]
    end, _ = play_round(
        practice, practice.start_round(LEARNER, "gezondheid", nt1), nt1, False, presses
    )
    assert (end.round_end, end.level_change, end.level) == ((0, 5), 0, 2)
    end, _ = play_round(practice, practice.continue_round(LEARNER, nt1), nt1, False, presses)
    assert (end.round_end, end.level_change, end.level) == ((0, 5), -1, 1)
    assert practice.store.theme_levels(LEARNER) == {"gezondheid": ThemeLevel(1)}
    assert practice.start_round(LEARNER, "gezondheid", nt1).level == 1


def test_a_doubled_next_round_press_keeps_the_question_on_screen(
    practice: Practice, profiles: Profiles, presses: Presses
) -> None:
    """ "Ja, nog een ronde" tapped twice (a slow connection) must not start a second round."""
    nt2 = profiles.by_id["nt2"]
    play_round(practice, practice.start_round(LEARNER, "boodschappen", nt2), nt2, True, presses)
    first = practice.continue_round(LEARNER, nt2)
    assert first is not None and first.exercise is not None
    practice.continue_round(LEARNER, nt2)
    question = first.exercise
    step = practice.answer(LEARNER, f"{question.seq}:{question.answer}", nt2)
    assert not step.stale
    assert step.correct is True
    assert practice.store.snapshot(LEARNER).rounds == 2


def test_continue_without_a_theme_gives_nothing(practice: Practice, profiles: Profiles) -> None:
    assert practice.continue_round(LEARNER, profiles.by_id["nt1"]) is None


def test_close_ends_the_round_and_keeps_its_answers(practice: Practice, profiles: Profiles) -> None:
    nt2 = profiles.by_id["nt2"]
    first = practice.start_round(LEARNER, "boodschappen", nt2).exercise
    assert first is not None
    practice.answer(LEARNER, f"{first.seq}:{first.answer}", nt2)
    practice.close(LEARNER)
    assert practice.current(LEARNER) is None
    assert practice.answer(LEARNER, f"{first.seq + 1}:0", nt2) == Step(stale=True)
    assert practice.store.answered(LEARNER) == (1, 1)
    # "Nog een ronde" afterwards: the same theme again.
    again = practice.continue_round(LEARNER, nt2)
    assert again is not None and again.theme == "boodschappen"


# --- the intake's level check ------------------------------------------------------------


@pytest.mark.parametrize(
    ("right", "level"),
    [([True] * 4, 3), ([True, True, False, False], 2), ([False, True, True, True], 1)],
)
def test_the_level_check_sets_every_themes_level(
    practice: Practice,
    profiles: Profiles,
    bank: ContentBank,
    right: list[bool],
    level: int,
    presses: Presses,
) -> None:
    nt1 = profiles.by_id["nt1"]
    step = practice.start_check(LEARNER, nt1)
    end, shown = play_round(practice, step, nt1, right, presses)
    assert [e.level for e in shown] == list(CHECK_LEVELS)
    assert len({e.item for e in shown}) == len(CHECK_LEVELS)
    assert (end.check_level, end.round_end, end.correct) == (level, None, right[-1])
    assert practice.store.theme_levels(LEARNER) == {
        theme: ThemeLevel(level) for theme in bank.themes
    }
    assert practice.start_round(LEARNER, "vervoer", nt1).level == level
    # The check is no practice: no Leitner cards, no rounds counted before this one.
    assert practice.store.cards(LEARNER) == {}
    assert practice.store.snapshot(LEARNER).rounds == 1


# --- typed answers in the service --------------------------------------------------------


# --- profiles ----------------------------------------------------------------------------


def kinds_over_rounds(
    practice: Practice, profile: Profile, rounds: int, presses: Presses
) -> Counter[str]:
    kinds: Counter[str] = Counter()
    themes = list(practice.bank.themes)
    for number in range(rounds):
        step = practice.start_round(LEARNER, themes[number % len(themes)], profile)
        _, shown = play_round(practice, step, profile, number % 2 == 0, presses)
        kinds.update(e.kind for e in shown)
    return kinds


def test_a_deaf_learner_never_gets_a_listening_exercise(
    practice: Practice, profiles: Profiles, presses: Presses
) -> None:
    doof = profiles.by_id["doof"]
    kinds = kinds_over_rounds(practice, doof, 12, presses)
    assert "luisteren" not in kinds
    assert {"gat", "volgorde", "lezen"} <= set(kinds)
    # At level 3 too, after a perfect level check.
    play_round(practice, practice.start_check(LEARNER, doof), doof, True, presses)
    assert set(kinds_over_rounds(practice, doof, 4, presses)) == {"ja_nee"}
    shown = {e.kind for e in practice.store.events(LEARNER)}
    assert "luisteren" not in shown


def test_a_hearing_learner_does_get_listening_exercises(
    practice: Practice, profiles: Profiles, presses: Presses
) -> None:
    assert "luisteren" in kinds_over_rounds(practice, profiles.by_id["nt2"], 4, presses)


def test_work_themes_come_first_for_the_work_profile(
    practice: Practice, profiles: Profiles
) -> None:
    werk = [t.id for t in practice.themes(profiles.by_id["werk"])]
    nt1 = [t.id for t in practice.themes(profiles.by_id["nt1"])]
    assert nt1 == list(practice.bank.themes)
    assert werk[0] == "werk_veiligheid"
    assert sorted(werk) == sorted(nt1)


# --- progress ----------------------------------------------------------------------------


def test_progress_stars_follow_the_leitner_boxes(
    practice: Practice, profiles: Profiles, bank: ContentBank
) -> None:
    nt2 = profiles.by_id["nt2"]
    words = [item.key for item in bank.themes["boodschappen"].items[1]]
    for key in words[:7]:
        practice.store.put_card(LEARNER, key, Card(box=3, last_round=1, seen=3, correct=2))
    for key in words[7:]:
        practice.store.put_card(LEARNER, key, Card(box=2, last_round=1, seen=1, correct=1))
    practice.store.put_theme_level(LEARNER, "vervoer", ThemeLevel(3))
    progress = practice.progress(LEARNER, nt2)
    assert (progress.done, progress.right) == (7 * 3 + 7, 7 * 2 + 7)
    rows = {theme.id: (stars, level) for theme, stars, level in progress.rows}
    assert rows["boodschappen"] == (3, 1)  # half the words known: 2.5 stars, rounded up
    assert rows["vervoer"] == (0, 3)
    assert rows["gezondheid"] == (0, 1)
    for key in words:
        practice.store.put_card(LEARNER, key, Card(box=5, last_round=1, seen=4, correct=4))
    rows = {theme.id: stars for theme, stars, _ in practice.progress(LEARNER, nt2).rows}
    assert rows["boodschappen"] == 5


def test_progress_of_a_new_learner_is_empty(practice: Practice, profiles: Profiles) -> None:
    progress = practice.progress(LEARNER, profiles.by_id["werk"])
    assert (progress.done, progress.right) == (0, 0)
    assert progress.rows[0][0].id == "werk_veiligheid"
    assert {(stars, level) for _, stars, level in progress.rows} == {(0, 2)}


# --- statistics and erasure --------------------------------------------------------------


def test_every_exercise_is_logged_shown_and_answered_with_replays(
    practice: Practice, profiles: Profiles
) -> None:
    nt2 = profiles.by_id["nt2"]
    first = practice.start_round(LEARNER, "boodschappen", nt2).exercise
    assert first is not None
    practice.note_replay(LEARNER, slow=False)
    practice.note_replay(LEARNER, slow=False)
    practice.note_replay(LEARNER, slow=True)
    wrong = (first.answer + 1) % len(first.choices)
    second = practice.answer(LEARNER, f"{first.seq}:{wrong}", nt2).exercise
    assert second is not None

    def event(kind: str, exercise: Exercise, **fields: object) -> ExerciseEvent:
        base = {"theme": exercise.theme, "level": exercise.level, "kind": exercise.kind}
        return ExerciseEvent(kind, item_key=exercise.item, **base, **fields)  # type: ignore[arg-type]

    assert practice.store.events(LEARNER) == [
        event("shown", first),
        event("answered", first, correct=False, replays=2, slower=1),
        event("shown", second),
    ]
    # Replays count on the question they were asked for only.
    step = practice.answer(LEARNER, f"{second.seq}:{second.answer}", nt2)
    assert practice.store.events(LEARNER)[-2] == event("answered", second, correct=True)
    assert step.exercise is not None


def test_a_whole_round_logs_a_shown_and_an_answered_event_per_question(
    practice: Practice, profiles: Profiles, presses: Presses
) -> None:
    nt1 = profiles.by_id["nt1"]
    _, shown = play_round(
        practice, practice.start_round(LEARNER, "vervoer", nt1), nt1, True, presses
    )
    events = practice.store.events(LEARNER)
    assert [(e.event, e.item_key) for e in events] == [
        (kind, exercise.item) for exercise in shown for kind in ("shown", "answered")
    ]
    assert [e.correct for e in events if e.event == "answered"] == [True] * ROUND_SIZE
    assert all(e.theme == "vervoer" and e.level == 2 for e in events)
    assert [e.kind for e in events[::2]] == [e.kind for e in shown]


def test_the_statistics_hold_no_telegram_id(
    practice: Practice, profiles: Profiles, engine: Engine, presses: Presses
) -> None:
    nt2 = profiles.by_id["nt2"]
    step = practice.start_round(LEARNER, "boodschappen", nt2)
    play_round(practice, step, nt2, True, presses)
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(sql("SELECT * FROM practice_events"))]
    # A shown and an answered row per exercise, and one for the round (the dashboard's count).
    assert len(rows) == 2 * ROUND_SIZE + 1
    assert str(LEARNER) not in repr(rows)


def test_erase_removes_everything_of_one_learner(
    practice: Practice, profiles: Profiles, engine: Engine
) -> None:
    nt2 = profiles.by_id["nt2"]
    for learner in (LEARNER, OTHER):
        step = practice.start_round(learner, "boodschappen", nt2)
        exercise = step.exercise
        assert exercise is not None
        practice.answer(learner, f"{exercise.seq}:{exercise.answer}", nt2)
        practice.store.put_theme_level(learner, "vervoer", ThemeLevel(3))
    practice.store.erase(LEARNER)

    store = practice.store
    assert store.snapshot(LEARNER).state is None
    assert store.snapshot(LEARNER).rounds == 0
    assert store.cards(LEARNER) == {}
    assert store.theme_levels(LEARNER) == {}
    assert store.events(LEARNER) == []
    assert store.answered(LEARNER) == (0, 0)
    assert practice.current(LEARNER) is None
    # The other learner keeps everything.
    assert store.answered(OTHER) == (1, 1)
    assert store.theme_levels(OTHER) == {"vervoer": ThemeLevel(3)}
    assert len(store.events(OTHER)) == 3
    with engine.connect() as connection:
        for table in ("practice_state", "practice_items", "practice_themes"):
            count = connection.scalar(
                sql(f"SELECT count(*) FROM {table} WHERE telegram_id = :id"), {"id": LEARNER}
            )
            assert count == 0, table
        assert connection.scalar(sql("SELECT count(*) FROM practice_events")) == 3
