"""Fixtures for the practice tests: the real content bank, profiles and a seeded service."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from sqlalchemy.engine import Engine

from bot.content.bank import ContentBank, load_bank
from bot.practice.exercises import Exercise, sentence_words
from bot.practice.service import Practice
from bot.practice.texts import load_practice_texts
from bot.store.db import make_sessionmaker
from bot.store.practice import PracticeStore
from bot.store.repositories import Analytics
from bot.tone.profiles import Profiles, load_profiles

Presses = Callable[[Exercise, bool], list[str]]


@pytest.fixture(scope="session")
def bank() -> ContentBank:
    """The real content bank (bot/content/oefenen/), loaded once."""
    return load_bank()


@pytest.fixture(scope="session")
def profiles() -> Profiles:
    return load_profiles()


@pytest.fixture
def practice(engine: Engine, bank: ContentBank) -> Practice:
    """The practice service over the test's own database, with a seeded random source."""
    sessions = make_sessionmaker(engine)
    store = PracticeStore(sessions, Analytics(sessions, "test-secret"))
    return Practice(bank, store, load_practice_texts(), random.Random(7))


def right_taps(exercise: Exercise) -> list[int]:
    """The choice indices of a "volgorde" question, tapped in the sentence's order."""
    left = list(range(len(exercise.choices)))
    taps = []
    for word in sentence_words(exercise.right):
        index = next(i for i in left if exercise.choices[i].label == word)
        left.remove(index)
        taps.append(index)
    return taps


def presses_for(exercise: Exercise, right: bool) -> list[str]:
    """The keuze values a learner presses to answer the question right (or wrong)."""
    if exercise.kind == "volgorde":
        taps = right_taps(exercise)
        if not right:
            taps = taps[1:] + taps[:1]  # the first word last: never the sentence
        return [f"{exercise.seq}:{i}" for i in taps]
    index = exercise.answer if right else (exercise.answer + 1) % len(exercise.choices)
    return [f"{exercise.seq}:{index}"]


@pytest.fixture
def presses() -> Presses:
    """presses(exercise, right): the button presses that answer a question."""
    return presses_for
