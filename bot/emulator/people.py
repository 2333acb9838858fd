"""The web chat's people (`/?persoon=N`), for tests that drive one of them in a browser and
check that person's chat through the control API. static/chat.js has the same numbers."""

from __future__ import annotations

# Persons 1 to 9 have these first names; 10 to 99 are "Persoon 10" and so on.
PEOPLE = ("Sara", "Jan", "Fatima", "Piet", "Amira", "Kees", "Noor", "Ahmed", "Lotte")
MAX_PERSON = 99
PERSON_CHAT_BASE = 9000


def person_chat_id(person: int) -> int:
    """The chat id (and user id) of `/?persoon=N` until its "Nieuw gesprek": 9000 + N."""
    _check(person)
    return PERSON_CHAT_BASE + person


def person_name(person: int) -> str:
    """The first name `/?persoon=N` writes with: Sara, Jan, Fatima, ..."""
    _check(person)
    return PEOPLE[person - 1] if person <= len(PEOPLE) else f"Persoon {person}"


def _check(person: int) -> None:
    if not 1 <= person <= MAX_PERSON:
        raise ValueError(f"a person is numbered 1 to {MAX_PERSON}, not {person}")
