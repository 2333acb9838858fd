"""Not understood, asking back, a person please, and "wat weet je van mij?"
(bot/actions/understanding.py, mens.py, privacy.py) on the real Taalhuis data, a real SQLite
store and the fixed clock of test_afspraak_actions.py: Monday 21 December 2026, 09:00 in
Amsterdam. Walk-in next: Tiel Tuesday 10:00, Culemborg Wednesday 10:00, Geldermalsen today
14:00 (bot/content/taalhuis.yml).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import text as sql
from sqlalchemy.engine import Engine

from bot.actions import ActionDeps
from bot.actions.mens import ActionMensSpreken
from bot.actions.privacy import ActionGegevensInzien
from bot.actions.understanding import SOMETHING_ELSE, ActionNietBegrepen
from bot.settings import PROJECT_ROOT
from tests.conftest import make_action_deps
from tests.unit.test_afspraak_actions import NOW, at, book, local, press, run_raw, user, utter

MENU = "utter_menu"
MEMBERSHIP = [
    {"title": "👍 Ja", "payload": '/lidmaatschap{"keuze":"0_ja"}', "woorden": []},
    {"title": "👎 Nee", "payload": '/lidmaatschap{"keuze":"0_nee"}', "woorden": []},
]
PERSON_BUTTONS = [
    {"title": "📅 Afspraak maken", "payload": "/afspraak_maken"},
    {"title": "🕙 Wanneer open?", "payload": "/openingstijden"},
]
ALL_PLACES = (
    "🏠 Tiel: morgen om 10:00 uur.\n"
    "🏠 Culemborg: op woensdag om 10:00 uur.\n"
    "🏠 Geldermalsen: vandaag om 14:00 uur."
)


@pytest.fixture
def deps(engine: Engine) -> ActionDeps:
    """The real dependencies over the test's own database, the clock at NOW."""
    built = make_action_deps(engine)
    assert isinstance(built, ActionDeps)
    return dataclasses.replace(built, clock=lambda: NOW)


@pytest.fixture(scope="module")
def domain() -> dict[str, Any]:
    from rasa.shared.core.domain import Domain

    return Domain.load(str(PROJECT_ROOT / "domain.yml")).as_dict()


def bot(text: str, utter_action: str | None = None, **data: Any) -> dict[str, Any]:
    """A bot event as the tracker holds it (its response name in the metadata)."""
    metadata = {"utter_action": utter_action} if utter_action else {}
    return {"event": "bot", "text": text, "data": {"custom": None, **data}, "metadata": metadata}


def fallback(text: str = "blabla", metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    event = user(text, "nlu_fallback")
    event["parse_data"]["metadata"] = metadata or {}
    event["metadata"] = metadata or {}
    return event


async def not_understood(deps: ActionDeps, domain: dict, *events: dict[str, Any]) -> list:
    result, messages = await run_raw(ActionNietBegrepen(deps), list(events), domain)
    assert result == []
    return messages


def clarifications(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(sql("SELECT kind, outcome FROM clarification_events"))
        return [tuple(row) for row in rows]


# --- not understood ----------------------------------------------------------------------


async def test_not_understood_without_a_question_shows_the_menu(deps, domain) -> None:
    messages = await not_understood(deps, domain, fallback())
    assert messages == [utter("utter_niet_begrepen"), utter(MENU)]


async def test_not_understood_asks_the_question_on_screen_again(deps, domain) -> None:
    """The membership walk is not lost: its question and buttons come back."""
    messages = await not_understood(
        deps,
        domain,
        press("/lidmaatschap"),
        bot("Heb je een uitkering?", "utter_org_tekst", buttons=MEMBERSHIP),
        fallback(),
    )
    assert messages[0] == utter("utter_niet_begrepen")
    assert (messages[1]["text"], messages[1]["buttons"]) == ("Heb je een uitkering?", MEMBERSHIP)


async def test_twice_in_a_row_offers_a_person(deps, domain) -> None:
    messages = await not_understood(
        deps,
        domain,
        fallback("eerste"),
        bot("Sorry, dat begrijp ik niet.", "utter_niet_begrepen"),
        fallback("tweede"),
    )
    phone = deps.organisation.phone
    assert [m["response"] for m in messages] == [
        "utter_niet_begrepen_weer",
        "utter_mens_bellen",
        "utter_mens_langs",
        "utter_mens_afspraak",
    ]
    assert messages[1]["telefoon"] == phone
    assert messages[2]["lijst"] == ALL_PLACES
    assert [{"title": b["title"], "payload": b["payload"]} for b in messages[3]["buttons"]] == (
        PERSON_BUTTONS
    )


async def test_after_the_offer_a_third_miss_is_a_plain_not_understood(deps, domain) -> None:
    """The offer does not repeat on every message; the question before it comes back."""
    messages = await not_understood(
        deps,
        domain,
        press("/lidmaatschap"),
        bot("Heb je een uitkering?", "utter_org_tekst", buttons=MEMBERSHIP),
        fallback("eerste"),
        bot("Sorry, dat begrijp ik niet.", "utter_niet_begrepen"),
        bot("Heb je een uitkering?", buttons=MEMBERSHIP),
        fallback("tweede"),
        bot("Ik begrijp het nog niet.", "utter_niet_begrepen_weer"),
        bot("Of maak een afspraak.", "utter_mens_afspraak", buttons=PERSON_BUTTONS),
        fallback("derde"),
    )
    assert messages[0] == utter("utter_niet_begrepen")
    assert (messages[1]["text"], messages[1]["buttons"]) == ("Heb je een uitkering?", MEMBERSHIP)


# --- asking back ---------------------------------------------------------------------------


async def test_a_doubt_to_a_yes_no_question_asks_bedoel_je_ja(deps, domain, engine) -> None:
    yes, no = MEMBERSHIP[0]["payload"], MEMBERSHIP[1]["payload"]
    messages = await not_understood(
        deps, domain, fallback("ik weet het niet", {"ja_nee": {"ja": yes, "nee": no}})
    )
    assert messages == [
        utter(
            "utter_bedoel_je_ja",
            buttons=[
                {"title": "👍 Ja", "payload": yes, "betekent": "ja"},
                {"title": "👎 Nee", "payload": no, "betekent": "nee"},
            ],
            custom={"vraag": "ja_nee"},
        )
    ]
    assert clarifications(engine) == [("ja_nee", "gevraagd")]


async def test_unsure_of_two_meanings_offers_both_and_something_else(deps, domain, engine) -> None:
    messages = await not_understood(
        deps, domain, fallback("les", {"bedoel_je": ["oefenen", "cursus_zoeken"]})
    )
    assert messages == [
        utter(
            "utter_bedoel_je",
            buttons=[
                {"title": "📚 Oefenen", "payload": "/oefenen"},
                {"title": "📚 Cursus zoeken", "payload": "/cursus_zoeken"},
                {"title": "🤔 Iets anders", "payload": SOMETHING_ELSE, "betekent": "nee"},
            ],
            custom={"vraag": "bedoeling"},
        )
    ]
    assert clarifications(engine) == [("bedoeling", "gevraagd")]


async def test_one_meaning_is_the_yes_of_the_question(deps, domain) -> None:
    messages = await not_understood(deps, domain, fallback("x", {"bedoel_je": ["mens_spreken"]}))
    assert messages[0]["buttons"][0] == {
        "title": "📞 Een mens spreken",
        "payload": "/mens_spreken",
        "betekent": "ja",
    }


async def test_meanings_the_bot_cannot_offer_are_a_plain_not_understood(
    deps, domain, engine
) -> None:
    messages = await not_understood(deps, domain, fallback("x", {"bedoel_je": ["restart", 3]}))
    assert messages == [utter("utter_niet_begrepen"), utter(MENU)]
    assert clarifications(engine) == []


async def test_something_else_asks_to_say_it_another_way(deps, domain) -> None:
    messages = await not_understood(
        deps,
        domain,
        fallback("les"),
        bot("Bedoel je dit?", "utter_bedoel_je"),
        press(SOMETHING_ELSE),
    )
    assert messages == [utter("utter_anders_zeggen"), utter(MENU)]


async def test_a_miss_right_after_bedoel_je_offers_a_person(deps, domain) -> None:
    messages = await not_understood(
        deps, domain, fallback("les"), bot("Bedoel je dit?", "utter_bedoel_je"), fallback("x")
    )
    assert messages[0]["response"] == "utter_niet_begrepen_weer"


# --- a person, please ----------------------------------------------------------------------


async def test_a_person_without_a_place_gets_every_walk_in(deps, domain, engine) -> None:
    _, messages = await run_raw(ActionMensSpreken(deps), [user("mens", "mens_spreken")], domain)
    assert [m["response"] for m in messages] == [
        "utter_mens_bellen",
        "utter_mens_langs",
        "utter_mens_afspraak",
    ]
    assert messages[0]["telefoon"] == deps.organisation.phone
    assert messages[1]["lijst"] == ALL_PLACES
    with engine.connect() as connection:
        detail = connection.scalar(sql("SELECT detail FROM taalhuis_events"))
    assert detail == "mens"


async def test_a_person_for_a_learner_with_an_appointment_names_their_place(deps, domain) -> None:
    book(deps)  # Tiel, Tuesday 22 December 10:00
    _, messages = await run_raw(ActionMensSpreken(deps), [user("mens", "mens_spreken")], domain)
    assert messages[0]["telefoon"] == deps.organisation.locations["tiel"].phone
    assert messages[1]["lijst"] == "🏠 Tiel: morgen om 10:00 uur."


async def test_a_person_during_the_walk_in_says_now(deps, domain) -> None:
    during = at(deps, "2026-12-22 10:15")
    _, messages = await run_raw(
        ActionMensSpreken(during),
        [user("mens", "mens_spreken")],
        domain,
        slots={"afspraak_plek": "tiel"},
    )
    assert messages[1]["lijst"] == "🏠 Tiel: nu, tot 12:00 uur."


# --- what the bot knows about you ----------------------------------------------------------


async def test_a_first_contact_is_known_by_number_only(deps, domain) -> None:
    _, messages = await run_raw(
        ActionGegevensInzien(deps), [user("wat weet je", "gegevens_inzien")], domain
    )
    assert messages[0]["response"] == "utter_inzien"
    assert messages[0]["lijst"].split("\n") == [
        "🔢 Je nummer bij Telegram. Niet je naam.",
        "🙂 Je koos nog niet hoe je oefent.",
        "⭐ Je deed nog geen oefeningen.",
        "💬 Onze berichten. Zo weet ik waar we zijn.",
    ]
    assert messages[1]["response"] == "utter_inzien_wissen"
    assert [(b["title"], b["payload"]) for b in messages[1]["buttons"]] == [
        ("🗑️ Ja, vergeet mij", "/gegevens_wissen"),
        ("👎 Nee, laat maar", "/ontkennen"),
    ]


async def test_everything_stored_is_in_the_summary(deps, domain) -> None:
    learner = 4242
    deps.users.set_flags(learner, profile="nt2", intake_done=True, voice_on=False)
    deps.users.set_flags(learner, reminders_opt_in=True)
    result = deps.appointments.book(
        learner, "tiel", local("2026-12-22 10:00"), "oefenen", 3, phone="+31612345678", now=NOW
    )
    assert result is not None
    step = deps.practice.start_round(learner, "boodschappen", deps.profiles.by_id["nt2"])
    exercise = step.exercise
    assert exercise is not None
    deps.practice.answer(learner, f"{exercise.seq}:{exercise.answer}", deps.profiles.by_id["nt2"])
    _, messages = await run_raw(
        ActionGegevensInzien(deps), [user("wat weet je", "gegevens_inzien")], domain
    )
    lines = messages[0]["lijst"].split("\n")
    assert lines[1] == "🙂 Hoe je oefent: Ik leer Nederlands."
    assert "🔇 Je wilt geen geluid." in lines
    assert "🔔 Je wilt een bericht voor een afspraak." in lines
    assert "📅 Je afspraak: morgen om 10:00 uur in Tiel." in lines
    assert "📞 Je telefoon bij die afspraak. Voor de balie." in lines
    assert "⭐ Je deed 1 oefeningen. 1 waren goed." in lines
    # No phone number, no Telegram id is shown back.
    assert "612345678" not in messages[0]["lijst"] and "4242" not in messages[0]["lijst"]
