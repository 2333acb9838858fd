"""The appointment dialogue (bot/actions/afspraak/) on the real Taalhuis data, a real SQLite
store and a fixed clock.

As in test_actions.py, each test runs an action on a rasa_sdk Tracker built from events, with
a CollectingDispatcher, and asserts the exact events and messages (responses from domain.yml,
button titles and payloads). Every expected day and time is worked out by hand from
bot/content/taalhuis.yml, never asked from the code under test:

Now is Monday 21 December 2026, 09:00 in Amsterdam (UTC+1). Friday 25 and Saturday
26 December and Friday 1 January are public holidays; Culemborg and Geldermalsen are also
closed on Thursday 31 December. Walk-in (30-minute slots):

* Tiel (3 places): Tuesday 10:00-12:00, Thursday 14:00-16:00 and 18:00-19:30;
* Culemborg (2 places): Wednesday 10:00-12:00, Friday 13:30-15:30;
* Geldermalsen (2 places): Monday 14:00-16:00, Saturday 10:00-11:30.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import text as sql
from sqlalchemy.engine import Engine

from bot.actions import ActionDeps
from bot.actions.afspraak import (
    ActionAfspraakBoeken,
    ActionAfspraakStart,
    ActionAfspraakWijzigen,
    ActionAskDag,
    ActionAskHerinnering,
    ActionAskPlek,
    ActionAskReden,
    ActionAskTelefoon,
    ActionAskTijd,
    ValidateAfspraakForm,
)
from bot.actions.taalhuis import (
    ActionCursusZoeken,
    ActionGebarentaal,
    ActionLidmaatschap,
    ActionOpeningstijden,
    ActionTaalhuisInfo,
)
from bot.choices import Understanding, load_vocabulary, question_from, understand
from bot.dialogue.service import CONTROL_CONFIDENCE, CONTROL_INTENTS
from bot.settings import PROJECT_ROOT
from bot.store.appointments import AppointmentInfo, Booking, DueReminder
from bot.taalhuis.organisation import TIMEZONE
from tests.conftest import make_action_deps

SENDER = "4242"
LEARNER = 4242
FORM_SLOTS = (
    "afspraak_plek",
    "afspraak_dag",
    "afspraak_tijd",
    "afspraak_reden",
    "afspraak_telefoon",
    "afspraak_herinnering",
)
# Everything the form asks, answered: Tuesday 22 December 10:00 in Tiel.
FILLED = {
    "afspraak_plek": "tiel",
    "afspraak_dag": "2026-12-22",
    "afspraak_tijd": "2026-12-22_10:00",
    "afspraak_reden": "brief",
    "afspraak_telefoon": "+31612345678",
    "afspraak_herinnering": "ja",
}
PLACES = {"tiel": 3, "culemborg": 2, "geldermalsen": 2}  # `plekken` in taalhuis.yml
KEYBOARD_OFF = {"toetsenbord_weg": True}
Outcome = tuple[list[dict[str, Any]], list[dict[str, Any]]]  # (events, messages)

_others = itertools.count(900_001)  # Telegram ids of the other learners who fill slots


def local(moment: str) -> datetime:
    """A wall-clock time in Amsterdam: local("2026-12-22 10:00")."""
    return datetime.fromisoformat(moment).replace(tzinfo=TIMEZONE)


NOW = local("2026-12-21 09:00")  # a Monday morning


# --- fixtures ---------------------------------------------------------------------------


@pytest.fixture
def deps(engine: Engine) -> ActionDeps:
    """The real dependencies over the test's own database, the clock at NOW."""
    built = make_action_deps(engine)
    assert isinstance(built, ActionDeps)
    return dataclasses.replace(built, clock=lambda: NOW)


def at(deps: ActionDeps, moment: str) -> ActionDeps:
    """The same dependencies with the clock at another local time."""
    when = local(moment)
    return dataclasses.replace(deps, clock=lambda: when)


@pytest.fixture(scope="module")
def domain() -> Iterator[dict[str, Any]]:
    """The real domain, as Rasa hands it to an action server."""
    from rasa.shared.core.domain import Domain

    yield Domain.load(str(PROJECT_ROOT / "domain.yml")).as_dict()


# --- building trackers and running actions -----------------------------------------------


def user(text: str, intent: str, **entities: Any) -> dict[str, Any]:
    parse_data = {
        "intent": {"name": intent, "confidence": 0.97},
        "entities": [{"entity": name, "value": value} for name, value in entities.items()],
        "text": text,
        "message_id": None,
        "metadata": {},
    }
    return {"event": "user", "timestamp": None, "text": text, "parse_data": parse_data}


def press(payload: str) -> dict[str, Any]:
    """The user event Rasa makes of a button payload such as /afspraak_maken{"dag":"..."}."""
    intent, brace, data = payload[1:].partition("{")
    return user(payload, intent, **(json.loads(brace + data) if brace else {}))


def tracker(
    events: list[dict[str, Any]],
    slots: dict[str, Any] | None = None,
    active_loop: dict[str, Any] | None = None,
    sender_id: str = SENDER,
) -> Tracker:
    """A tracker as Rasa sends it: the form's slots empty unless given."""
    latest = next((e["parse_data"] for e in reversed(events) if e["event"] == "user"), {})
    values = {name: None for name in FORM_SLOTS}
    values.update(requested_slot=None, afspraak_bestaat=False, telefoon="088 123 45 67")
    values.update(slots or {})
    return Tracker(sender_id, values, latest, events, False, None, active_loop or {}, "")


@functools.cache
def response_texts() -> dict[str, list[str]]:
    """Every text variation of every response in domain.yml."""
    data = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {
        name: [variation.get("text") or "" for variation in variations]
        for name, variations in data["responses"].items()
    }


def assert_sayable(messages: list[dict[str, Any]]) -> None:
    """Each response exists in domain.yml and each of its {fields} is given, so the
    learner never sees a raw "{reden}"."""
    for said in messages:
        name = said["response"]
        if name is None:
            continue
        assert name in response_texts(), f"{name} is not a response in domain.yml"
        for text in response_texts()[name]:
            missing = set(re.findall(r"{(\w+)}", text)) - set(said)
            assert not missing, f"{name} leaves {missing} unfilled"


async def run_raw(
    action: Action,
    events: list[dict[str, Any]],
    domain: dict[str, Any],
    **kw: Any,
) -> Outcome:
    """The action's events and messages, buttons with the words a typed answer may use."""
    dispatcher = CollectingDispatcher()
    result = await action.run(dispatcher, tracker(events, **kw), domain)
    assert_sayable(dispatcher.messages)
    return result, dispatcher.messages


async def run(
    action: Action,
    events: list[dict[str, Any]],
    domain: dict[str, Any],
    **kw: Any,
) -> Outcome:
    """The action's events and messages as the learner sees them: buttons by title and
    payload (their typed words are tested through the question on screen below)."""
    result, messages = await run_raw(action, events, domain, **kw)
    return result, [shown(m) for m in messages]


def shown(message: dict[str, Any]) -> dict[str, Any]:
    buttons = [{"title": b["title"], "payload": b["payload"]} for b in message["buttons"]]
    return {**message, "buttons": buttons}


async def typed(
    deps: ActionDeps, domain: dict[str, Any], ask: type[Action], text: str, **slots: Any
) -> str | None:
    """What a typed text stands for while this question's buttons are on screen (None:
    none of them), as the dialogue layer decides before the turn (bot/choices)."""
    _, messages = await run_raw(ask(deps), [press("/afspraak_maken")], domain, slots=slots)
    vocabulary = load_vocabulary()
    question = question_from(messages, vocabulary)
    outcome = understand(
        question, text, Understanding(), vocabulary, CONTROL_INTENTS, CONTROL_CONFIDENCE
    )
    return outcome.payload


def utter(response: str, **fields: Any) -> dict[str, Any]:
    """What CollectingDispatcher records for utter_message(response=...)."""
    base = {
        "text": None,
        "buttons": [],
        "elements": [],
        "custom": {},
        "template": response,
        "response": response,
        "image": None,
        "attachment": None,
    }
    return {**base, **fields}


def reset() -> list[dict[str, Any]]:
    """Every form slot emptied."""
    return [SlotSet(name, None) for name in FORM_SLOTS]


# --- buttons, as the learner sees them ----------------------------------------------------


def day_button(title: str, day: str) -> dict[str, str]:
    return {"title": f"📅 {title}", "payload": f'/afspraak_maken{{"dag":"{day}"}}'}


def time_button(day: str, hhmm: str) -> dict[str, str]:
    return {"title": f"🕙 {hhmm}", "payload": f'/afspraak_maken{{"tijd":"{day}_{hhmm}"}}'}


def move_day_button(title: str, day: str) -> dict[str, str]:
    return {"title": f"📅 {title}", "payload": f'/afspraak_annuleren{{"keuze":"d{day}"}}'}


def move_time_button(day: str, hhmm: str) -> dict[str, str]:
    return {"title": f"🕙 {hhmm}", "payload": f'/afspraak_annuleren{{"keuze":"t{day}_{hhmm}"}}'}


def place_button(town: str, place: str) -> dict[str, str]:
    return {"title": f"🏠 {town}", "payload": f'/afspraak_maken{{"plek":"{place}"}}'}


# The first four free walk-in days from NOW (at most 14 days ahead).
TIEL_DAYS = [
    ("Morgen 22 december", "2026-12-22"),
    ("Donderdag 24 december", "2026-12-24"),
    ("Dinsdag 29 december", "2026-12-29"),
    ("Donderdag 31 december", "2026-12-31"),  # only the other two places are closed then
]
# Friday 25 December and Friday 1 January are holidays; Wednesday 6 January is too far.
CULEMBORG_DAYS = [("Woensdag 23 december", "2026-12-23"), ("Woensdag 30 december", "2026-12-30")]
# Today's 14:00 is more than an hour ahead; Saturday 26 December is Tweede Kerstdag.
GELDERMALSEN_DAYS = [
    ("Vandaag 21 december", "2026-12-21"),
    ("Maandag 28 december", "2026-12-28"),
    ("Zaterdag 2 januari", "2027-01-02"),
    ("Maandag 4 januari", "2027-01-04"),
]
TIEL_THURSDAY = ["14:00", "14:30", "15:00", "15:30", "18:00", "18:30"]  # 19:00: over the 6
OTHER_DAY = {"title": "📅 Andere dag", "payload": '/afspraak_maken{"dag":"0"}'}
CHANGE_MENU = [
    {"title": "🔄 Andere tijd", "payload": '/afspraak_annuleren{"keuze":"verzetten"}'},
    {"title": "❌ Afzeggen", "payload": '/afspraak_annuleren{"keuze":"afzeggen"}'},
    {"title": "👍 Ik kom", "payload": '/afspraak_annuleren{"keuze":"blijft"}'},
]
MAKE_BUTTON = {"title": "📅 Afspraak maken", "payload": "/afspraak_maken"}
TAALHUIS_BUTTON = {"title": "🏠 Taalhuis", "payload": "/taalhuis_info"}
MY_APPOINTMENT_BUTTON = {"title": "📅 Mijn afspraak", "payload": "/afspraak_annuleren"}
TIEL = {"naam": "Taalhuis Tiel", "adres": "Stationsstraat 12, Tiel"}


# --- the store: other learners, and this learner's appointment ----------------------------


def fill(deps: ActionDeps, place: str, *moments: str) -> None:
    """Other learners take every place of each slot ("2026-12-22 10:00", local)."""
    for moment in moments:
        for _ in range(PLACES[place]):
            taken = deps.appointments.book(
                next(_others), place, local(moment), "intake", PLACES[place], now=NOW
            )
            assert isinstance(taken, Booking)


def book(
    deps: ActionDeps, moment: str = "2026-12-22 10:00", remind: bool = False
) -> AppointmentInfo:
    """This learner's appointment in Tiel, to practise ("oefenen")."""
    result = deps.appointments.book(
        LEARNER, "tiel", local(moment), "oefenen", PLACES["tiel"], remind=remind, now=NOW
    )
    assert isinstance(result, Booking)
    return result.appointment


def free(deps: ActionDeps, place: str, moment: str) -> int:
    slot = local(moment)
    return deps.appointments.free_places(place, [slot], PLACES[place])[slot]


def taalhuis_rows(engine: Engine) -> list[tuple[str, str, str | None, str | None]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sql("SELECT user_key, event, location_id, detail FROM taalhuis_events ORDER BY id")
        )
        return [tuple(row) for row in rows]


# --- action_afspraak_start ----------------------------------------------------------------


async def test_start_fresh_explains_and_empties_the_form(deps: ActionDeps, domain: dict) -> None:
    events = [user("ik wil een afspraak", "afspraak_maken")]
    result, messages = await run(
        ActionAfspraakStart(deps), events, domain, slots={"afspraak_plek": "culemborg"}
    )
    assert result == [
        SlotSet("afspraak_bestaat", False),
        SlotSet("requested_slot", None),
        *reset(),
    ]
    assert messages == [utter("utter_afspraak_uitleg")]


async def test_start_with_a_place_in_the_message_fills_it_in(
    deps: ActionDeps, domain: dict
) -> None:
    events = [user("afspraak in culemborg", "afspraak_maken", plek="culemborg")]
    result, _ = await run(ActionAfspraakStart(deps), events, domain)
    assert result == [
        SlotSet("afspraak_bestaat", False),
        SlotSet("requested_slot", None),
        *reset(),
        SlotSet("afspraak_plek", "culemborg"),
    ]


async def test_start_ignores_a_place_that_does_not_exist(deps: ActionDeps, domain: dict) -> None:
    events = [user("afspraak in utrecht", "afspraak_maken", plek="utrecht")]
    result, _ = await run(ActionAfspraakStart(deps), events, domain)
    assert result == [
        SlotSet("afspraak_bestaat", False),
        SlotSet("requested_slot", None),
        *reset(),
    ]


async def test_start_remembers_a_yes_to_reminders(deps: ActionDeps, domain: dict) -> None:
    deps.users.set_flags(LEARNER, reminders_opt_in=True)
    result, _ = await run(ActionAfspraakStart(deps), [press("/afspraak_maken")], domain)
    assert result == [
        SlotSet("afspraak_bestaat", False),
        SlotSet("requested_slot", None),
        *reset(),
        SlotSet("afspraak_herinnering", "ja"),
    ]


async def test_start_with_an_appointment_shows_it_with_three_choices(
    deps: ActionDeps, domain: dict
) -> None:
    book(deps, "2026-12-24 14:30")
    result, messages = await run(ActionAfspraakStart(deps), [press("/afspraak_maken")], domain)
    assert result == [*reset(), SlotSet("afspraak_bestaat", True)]
    assert messages == [
        utter(
            "utter_jouw_afspraak",
            plaats="Tiel",
            wanneer="donderdag 24 december",
            tijd="14:30",
            buttons=CHANGE_MENU,
        )
    ]


async def test_start_of_a_paused_form_keeps_what_was_chosen(deps: ActionDeps, domain: dict) -> None:
    """After another question: the form starts again (ActiveLoop None), no slot emptied."""
    result, messages = await run(
        ActionAfspraakStart(deps),
        [press("/afspraak_maken")],
        domain,
        slots={"afspraak_plek": "tiel", "afspraak_dag": "2026-12-22"},
        active_loop={"name": "afspraak_form"},
    )
    assert result == [SlotSet("afspraak_bestaat", False), ActiveLoop(None)]
    assert messages == []


# --- the questions ------------------------------------------------------------------------


async def test_ask_plek_offers_every_location(deps: ActionDeps, domain: dict) -> None:
    result, messages = await run(ActionAskPlek(deps), [press("/afspraak_maken")], domain)
    assert result == []
    assert messages == [
        utter(
            "utter_ask_afspraak_plek",
            buttons=[
                place_button("Tiel", "tiel"),
                place_button("Culemborg", "culemborg"),
                place_button("Geldermalsen", "geldermalsen"),
            ],
        )
    ]


@pytest.mark.parametrize(
    ("place", "days"),
    [("tiel", TIEL_DAYS), ("culemborg", CULEMBORG_DAYS), ("geldermalsen", GELDERMALSEN_DAYS)],
)
async def test_ask_dag_offers_the_first_free_walk_in_days(
    deps: ActionDeps, domain: dict, place: str, days: list[tuple[str, str]]
) -> None:
    """Days without walk-in, closing days and days past two weeks are left out."""
    result, messages = await run(
        ActionAskDag(deps), [press("/afspraak_maken")], domain, slots={"afspraak_plek": place}
    )
    assert result == []
    assert messages == [utter("utter_ask_afspraak_dag", buttons=[day_button(*day) for day in days])]


async def test_ask_dag_skips_a_full_day(deps: ActionDeps, domain: dict) -> None:
    fill(deps, "tiel", "2026-12-22 10:00", "2026-12-22 10:30", "2026-12-22 11:00")
    _, messages = await run(
        ActionAskDag(deps), [press("/afspraak_maken")], domain, slots={"afspraak_plek": "tiel"}
    )
    # 11:30 is still free: the day stays.
    assert messages[0]["buttons"] == [day_button(*day) for day in TIEL_DAYS]
    fill(deps, "tiel", "2026-12-22 11:30")
    _, messages = await run(
        ActionAskDag(deps), [press("/afspraak_maken")], domain, slots={"afspraak_plek": "tiel"}
    )
    assert messages[0]["buttons"] == [day_button(*day) for day in TIEL_DAYS[1:]]


async def test_ask_dag_when_nothing_is_free_offers_the_other_places(
    deps: ActionDeps, domain: dict
) -> None:
    wednesdays = ("2026-12-23", "2026-12-30")  # Culemborg's only walk-in days in two weeks
    fill(deps, "culemborg", *(f"{d} {t}" for d in wednesdays for t in ("10:00", "10:30")))
    fill(deps, "culemborg", *(f"{d} {t}" for d in wednesdays for t in ("11:00", "11:30")))
    result, messages = await run(
        ActionAskDag(deps),
        [press("/afspraak_maken")],
        domain,
        slots={"afspraak_plek": "culemborg"},
    )
    assert result == []
    assert messages == [
        utter(
            "utter_afspraak_niets_vrij",
            telefoon="0345 123 456",
            buttons=[place_button("Tiel", "tiel"), place_button("Geldermalsen", "geldermalsen")],
        )
    ]


async def test_ask_tijd_offers_six_free_times_and_another_day(
    deps: ActionDeps, domain: dict
) -> None:
    fill(deps, "tiel", "2026-12-24 15:00")
    slots = {"afspraak_plek": "tiel", "afspraak_dag": "2026-12-24"}
    result, messages = await run(
        ActionAskTijd(deps), [press("/afspraak_maken")], domain, slots=slots
    )
    assert result == []
    free_times = ["14:00", "14:30", "15:30", "18:00", "18:30", "19:00"]  # not the full 15:00
    assert messages == [
        utter(
            "utter_ask_afspraak_tijd",
            buttons=[*(time_button("2026-12-24", t) for t in free_times), OTHER_DAY],
        )
    ]


async def test_ask_tijd_on_a_day_that_filled_up_offers_other_days(
    deps: ActionDeps, domain: dict
) -> None:
    fill(deps, "tiel", *(f"2026-12-22 {t}" for t in ("10:00", "10:30", "11:00", "11:30")))
    slots = {"afspraak_plek": "tiel", "afspraak_dag": "2026-12-22"}
    result, messages = await run(
        ActionAskTijd(deps), [press("/afspraak_maken")], domain, slots=slots
    )
    assert result == [SlotSet("afspraak_dag", None)]
    assert messages == [
        utter("utter_afspraak_vol", buttons=[day_button(*day) for day in TIEL_DAYS[1:]])
    ]


async def test_ask_reden_offers_the_three_reasons(deps: ActionDeps, domain: dict) -> None:
    _, messages = await run(ActionAskReden(deps), [press("/afspraak_maken")], domain)
    assert messages == [
        utter(
            "utter_ask_afspraak_reden",
            buttons=[
                {"title": "👋 Kennismaken", "payload": '/afspraak_maken{"reden":"intake"}'},
                {"title": "📚 Oefenen", "payload": '/afspraak_maken{"reden":"oefenen"}'},
                {"title": "✉️ Hulp bij een brief", "payload": '/afspraak_maken{"reden":"brief"}'},
            ],
        )
    ]


async def test_ask_telefoon_asks_for_the_contact_button(deps: ActionDeps, domain: dict) -> None:
    _, messages = await run(ActionAskTelefoon(deps), [press("/afspraak_maken")], domain)
    assert messages == [utter("utter_ask_afspraak_telefoon", custom={"telefoon": True})]


async def test_ask_herinnering_is_yes_or_no(deps: ActionDeps, domain: dict) -> None:
    _, messages = await run(ActionAskHerinnering(deps), [press("/afspraak_maken")], domain)
    assert messages == [
        utter(
            "utter_ask_afspraak_herinnering",
            buttons=[
                {"title": "👍 Ja", "payload": "/bevestigen"},
                {"title": "👎 Nee", "payload": "/ontkennen"},
            ],
        )
    ]


# --- validate_afspraak_form ---------------------------------------------------------------


async def validate(deps: ActionDeps, name: str, value: Any, **slots: Any) -> Outcome:
    """validate_<name>(value) with the other slots as given: (changes, messages)."""
    form = ValidateAfspraakForm(deps)
    dispatcher = CollectingDispatcher()
    requested = slots.pop("requested_slot", f"afspraak_{name}")
    values = {**slots, f"afspraak_{name}": value, "requested_slot": requested}
    checker = getattr(form, f"validate_afspraak_{name}")
    changes = await checker(
        value, dispatcher, tracker([user(str(value), "nlu_fallback")], values), {}
    )
    assert_sayable(dispatcher.messages)
    return changes, dispatcher.messages


# Place


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("Tiel", "tiel"),
        ("Culemborg", "culemborg"),
        ("tiell", "tiel"),  # a typo
        ("Taalhuis Geldermalsen", "geldermalsen"),
    ],
)
async def test_a_place_is_matched(deps: ActionDeps, domain: dict, text: str, place: str) -> None:
    assert await typed(deps, domain, ActionAskPlek, text) == f'/afspraak_maken{{"plek":"{place}"}}'


async def test_a_place_button_value_is_taken(deps: ActionDeps) -> None:
    assert await validate(deps, "plek", "culemborg") == ({"afspraak_plek": "culemborg"}, [])


async def test_an_unknown_place_is_said(deps: ActionDeps) -> None:
    assert await validate(deps, "plek", "Amsterdam") == (
        {"afspraak_plek": None},
        [utter("utter_afspraak_plek_onbekend")],
    )


async def test_another_place_while_choosing_a_day_empties_day_and_time(deps: ActionDeps) -> None:
    changes, _ = await validate(
        deps, "plek", "culemborg", requested_slot="afspraak_tijd", afspraak_dag="2026-12-22"
    )
    assert changes == {"afspraak_plek": "culemborg", "afspraak_dag": None, "afspraak_tijd": None}


# Day


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("morgen", "2026-12-22"),
        ("Morgen 22 december", "2026-12-22"),
        ("donderdag", "2026-12-24"),  # the first of two Thursdays
        ("29 december", "2026-12-29"),
        ("dinsdag", "2026-12-22"),  # said on a Monday: tomorrow, not next week
    ],
)
async def test_a_day_is_matched_to_a_free_one(
    deps: ActionDeps, domain: dict, text: str, day: str
) -> None:
    found = await typed(deps, domain, ActionAskDag, text, afspraak_plek="tiel")
    assert found == f'/afspraak_maken{{"dag":"{day}"}}'


async def test_a_day_button_value_is_taken(deps: ActionDeps) -> None:
    assert await validate(deps, "dag", "2026-12-24", afspraak_plek="tiel") == (
        {"afspraak_dag": "2026-12-24"},
        [],
    )


async def test_today_typed_at_geldermalsen(deps: ActionDeps, domain: dict) -> None:
    found = await typed(deps, domain, ActionAskDag, "vandaag", afspraak_plek="geldermalsen")
    assert found == '/afspraak_maken{"dag":"2026-12-21"}'


async def test_a_day_that_is_not_offered_is_no_answer(deps: ActionDeps, domain: dict) -> None:
    """Friday 25 December is Christmas: typed, it matches no button and reaches the form,
    which says it does not understand (the buttons hold the free days)."""
    assert await typed(deps, domain, ActionAskDag, "25 december", afspraak_plek="tiel") is None


async def test_a_new_day_keeps_a_time_on_it_and_drops_one_on_another(deps: ActionDeps) -> None:
    same = await validate(
        deps, "dag", "2026-12-24", afspraak_plek="tiel", afspraak_tijd="2026-12-24_14:00"
    )
    assert same == ({"afspraak_dag": "2026-12-24"}, [])
    other = await validate(
        deps, "dag", "2026-12-24", afspraak_plek="tiel", afspraak_tijd="2026-12-22_10:00"
    )
    assert other == ({"afspraak_dag": "2026-12-24", "afspraak_tijd": None}, [])


EMPTY_DAY = {"afspraak_dag": None, "afspraak_tijd": None}


async def test_a_past_day_is_said(deps: ActionDeps) -> None:
    assert await validate(deps, "dag", "2026-12-18", afspraak_plek="tiel") == (
        EMPTY_DAY,
        [utter("utter_afspraak_voorbij")],
    )


async def test_today_with_no_slot_an_hour_ahead_is_past(deps: ActionDeps) -> None:
    """Geldermalsen's last slot today starts at 15:30: at 15:10 it is too late."""
    late = at(deps, "2026-12-21 15:10")
    assert await validate(late, "dag", "2026-12-21", afspraak_plek="geldermalsen") == (
        EMPTY_DAY,
        [utter("utter_afspraak_voorbij")],
    )


@pytest.mark.parametrize(
    ("place", "day", "reason"),
    [
        ("geldermalsen", "2026-12-26", "Tweede Kerstdag"),  # a Saturday with walk-in
        ("culemborg", "2027-01-01", "Nieuwjaarsdag"),  # a Friday with walk-in
        ("culemborg", "2026-12-31", "Laatste dag van het jaar"),  # the branch's own day
    ],
)
async def test_a_closing_day_gives_the_reason(
    deps: ActionDeps, place: str, day: str, reason: str
) -> None:
    assert await validate(deps, "dag", day, afspraak_plek=place) == (
        EMPTY_DAY,
        [utter("utter_afspraak_dicht", reden=reason)],
    )


async def test_a_day_without_walk_in_is_said(deps: ActionDeps) -> None:
    """Tiel is open on Wednesday, but has no walk-in then."""
    assert await validate(deps, "dag", "2026-12-23", afspraak_plek="tiel") == (
        EMPTY_DAY,
        [utter("utter_afspraak_geen_inloop")],
    )


async def test_a_full_day_is_said(deps: ActionDeps) -> None:
    fill(deps, "tiel", *(f"2026-12-22 {t}" for t in ("10:00", "10:30", "11:00", "11:30")))
    assert await validate(deps, "dag", "2026-12-22", afspraak_plek="tiel") == (
        EMPTY_DAY,
        [utter("utter_afspraak_vol")],
    )


async def test_an_unclear_day_asks_for_a_button(deps: ActionDeps) -> None:
    assert await validate(deps, "dag", "zondag", afspraak_plek="tiel") == (
        EMPTY_DAY,
        [utter("utter_afspraak_kies_knop")],
    )


async def test_the_other_day_button_asks_again_silently(deps: ActionDeps) -> None:
    assert await validate(deps, "dag", "0", afspraak_plek="tiel") == (EMPTY_DAY, [])


# Time


async def test_a_time_button_is_taken(deps: ActionDeps) -> None:
    changes, messages = await validate(
        deps, "tijd", "2026-12-22_10:30", afspraak_plek="tiel", afspraak_dag="2026-12-22"
    )
    assert changes == {"afspraak_tijd": "2026-12-22_10:30", "afspraak_dag": "2026-12-22"}
    assert messages == []


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("14:30", "2026-12-24_14:30"),
        ("18.30", "2026-12-24_18:30"),
        ("19:00", "2026-12-24_19:00"),
        # As it is said: "half drie" is 14:30, "zeven uur" in the evening walk-in is 19:00.
        ("half drie", "2026-12-24_14:30"),
        ("half 3", "2026-12-24_14:30"),
        ("om half 4", "2026-12-24_15:30"),
        ("2 uur", "2026-12-24_14:00"),
        ("zeven uur", "2026-12-24_19:00"),
        ("18 uur", "2026-12-24_18:00"),
    ],
)
async def test_a_typed_time_is_matched(
    deps: ActionDeps, domain: dict, text: str, moment: str
) -> None:
    found = await typed(
        deps, domain, ActionAskTijd, text, afspraak_plek="tiel", afspraak_dag="2026-12-24"
    )
    assert found == f'/afspraak_maken{{"tijd":"{moment}"}}'


async def test_a_time_button_value_is_taken(deps: ActionDeps) -> None:
    changes, messages = await validate(
        deps, "tijd", "2026-12-24_14:30", afspraak_plek="tiel", afspraak_dag="2026-12-24"
    )
    assert changes == {"afspraak_tijd": "2026-12-24_14:30", "afspraak_dag": "2026-12-24"}
    assert messages == []


async def test_a_time_that_is_no_slot_start_is_said(deps: ActionDeps) -> None:
    changes, messages = await validate(
        deps, "tijd", "2026-12-22_10:10", afspraak_plek="tiel", afspraak_dag="2026-12-22"
    )
    assert changes == {"afspraak_tijd": None, "afspraak_dag": "2026-12-22"}
    assert messages == [utter("utter_afspraak_tijd_onbekend")]


async def test_a_full_time_is_said_and_the_day_kept(deps: ActionDeps) -> None:
    fill(deps, "tiel", "2026-12-22 10:00")
    changes, messages = await validate(
        deps, "tijd", "2026-12-22_10:00", afspraak_plek="tiel", afspraak_dag="2026-12-22"
    )
    assert changes == {"afspraak_tijd": None, "afspraak_dag": "2026-12-22"}
    assert messages == [utter("utter_afspraak_tijd_vol")]


async def test_a_time_less_than_an_hour_ahead_is_past(deps: ActionDeps) -> None:
    soon = at(deps, "2026-12-21 13:30")
    changes, messages = await validate(
        soon, "tijd", "2026-12-21_14:00", afspraak_plek="geldermalsen", afspraak_dag="2026-12-21"
    )
    assert changes == {"afspraak_tijd": None, "afspraak_dag": "2026-12-21"}
    assert messages == [utter("utter_afspraak_voorbij")]


async def test_a_time_exactly_an_hour_ahead_is_taken(deps: ActionDeps) -> None:
    """Too soon for a reminder (none the evening before, 09:00 has passed): not asked."""
    soon = at(deps, "2026-12-21 13:30")
    changes, messages = await validate(
        soon, "tijd", "2026-12-21_14:30", afspraak_plek="geldermalsen", afspraak_dag="2026-12-21"
    )
    assert changes == {
        "afspraak_tijd": "2026-12-21_14:30",
        "afspraak_dag": "2026-12-21",
        "afspraak_herinnering": "geen_tijd",
    }
    assert messages == []


async def test_an_unclear_time_asks_for_a_button(deps: ActionDeps) -> None:
    changes, messages = await validate(
        deps, "tijd", "later", afspraak_plek="tiel", afspraak_dag="2026-12-22"
    )
    assert changes == {"afspraak_tijd": None}
    assert messages == [utter("utter_afspraak_kies_knop")]


# Reason, phone, reminder


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("brief", "brief"),
        ("een brief", "brief"),
        ("hulp bij een brief", "brief"),  # not the help text: the button's own words
        ("Kennismaken", "intake"),
        ("oefenen", "oefenen"),
    ],
)
async def test_a_reason_is_matched(deps: ActionDeps, domain: dict, text: str, reason: str) -> None:
    assert (
        await typed(deps, domain, ActionAskReden, text) == f'/afspraak_maken{{"reden":"{reason}"}}'
    )


async def test_a_reason_button_value_is_taken(deps: ActionDeps) -> None:
    assert await validate(deps, "reden", "brief") == ({"afspraak_reden": "brief"}, [])


async def test_an_unclear_reason_asks_for_a_button(deps: ActionDeps) -> None:
    assert await validate(deps, "reden", "weet ik niet") == (
        {"afspraak_reden": None},
        [utter("utter_afspraak_kies_knop")],
    )


async def test_no_phone_is_fine_and_the_keyboard_goes(deps: ActionDeps) -> None:
    assert await validate(deps, "telefoon", "nee") == (
        {"afspraak_telefoon": "nee"},
        [utter("utter_afspraak_zonder_telefoon", custom=KEYBOARD_OFF)],
    )


@pytest.mark.parametrize(
    ("shared", "stored"), [("+31612345678", "+31612345678"), ("06-1234 5678", "0612345678")]
)
async def test_a_shared_number_is_kept_as_digits(
    deps: ActionDeps, shared: str, stored: str
) -> None:
    assert await validate(deps, "telefoon", shared) == (
        {"afspraak_telefoon": stored},
        [utter("utter_afspraak_telefoon_ontvangen", custom=KEYBOARD_OFF)],
    )


@pytest.mark.parametrize("garbage", ["bel me maar", "12345", "+31 6 abc"])
async def test_no_number_asks_for_the_button_and_keeps_the_keyboard(
    deps: ActionDeps, garbage: str
) -> None:
    assert await validate(deps, "telefoon", garbage) == (
        {"afspraak_telefoon": None},
        [utter("utter_afspraak_kies_knop")],
    )


@pytest.mark.parametrize("answer", ["ja", "nee"])
async def test_a_reminder_answer_is_kept(deps: ActionDeps, answer: str) -> None:
    assert await validate(deps, "herinnering", answer) == ({"afspraak_herinnering": answer}, [])


async def test_an_unclear_reminder_answer_asks_for_a_button(deps: ActionDeps) -> None:
    assert await validate(deps, "herinnering", "misschien") == (
        {"afspraak_herinnering": None},
        [utter("utter_afspraak_kies_knop")],
    )


# An old button of another question


@pytest.mark.parametrize(
    ("name", "cleared"),
    [
        ("plek", {"afspraak_plek": None}),
        ("dag", EMPTY_DAY),
        ("tijd", {"afspraak_tijd": None}),
        ("reden", {"afspraak_reden": None}),
        ("telefoon", {"afspraak_telefoon": None}),
        ("herinnering", {"afspraak_herinnering": None}),
    ],
)
async def test_a_payload_of_another_question_is_ignored_silently(
    deps: ActionDeps, name: str, cleared: dict[str, Any]
) -> None:
    """The typed-text mapping hands the slot asked a button's payload: no complaint."""
    payload = '/afspraak_maken{"reden":"brief"}'
    slots = {"afspraak_plek": "tiel", "afspraak_dag": "2026-12-22"}
    slots.pop(f"afspraak_{name}", None)
    assert await validate(deps, name, payload, **slots) == (cleared, [])


async def test_the_form_validation_runs_as_rasa_calls_it(deps: ActionDeps, domain: dict) -> None:
    """The slot candidates at the tracker's end are checked: here a holiday in Culemborg."""
    events = [press('/afspraak_maken{"dag":"2027-01-01"}'), SlotSet("afspraak_dag", "2027-01-01")]
    slots = {"afspraak_plek": "culemborg", "afspraak_dag": "2027-01-01"}
    result, messages = await run(
        ValidateAfspraakForm(deps),
        events,
        domain,
        slots={**slots, "requested_slot": "afspraak_dag"},
        active_loop={"name": "afspraak_form"},
    )
    assert result == [SlotSet("afspraak_dag", None), SlotSet("afspraak_tijd", None)]
    assert messages == [utter("utter_afspraak_dicht", reden="Nieuwjaarsdag")]


# --- action_afspraak_boeken ---------------------------------------------------------------


async def boeken(deps: ActionDeps, domain: dict, **changes: Any) -> Outcome:
    """The form is complete (FILLED, with changes): book."""
    return await run(
        ActionAfspraakBoeken(deps), [user("ja", "bevestigen")], domain, slots={**FILLED, **changes}
    )


async def test_booking_confirms_with_the_number_and_the_reminder(
    deps: ActionDeps, domain: dict, engine: Engine
) -> None:
    result, messages = await boeken(deps, domain)
    stored = deps.appointments.active(LEARNER, NOW)
    assert stored == AppointmentInfo(
        1, LEARNER, "tiel", datetime(2026, 12, 22, 9, 0), "brief", "+31612345678", "booked"
    )  # 10:00 in Amsterdam is 09:00 UTC
    assert result == reset()
    assert messages == [
        utter(
            "utter_afspraak_staat",
            **TIEL,
            nummer="0001",
            custom={"agenda": 1},
            wanneer="morgen 22 december",
            tijd="10:00",
        ),
        # The evening before, 18:00: that is today.
        utter("utter_afspraak_herinnering", wanneer="vandaag 21 december", tijd="18:00"),
        utter(
            "utter_volgende_stap",
            buttons=[MY_APPOINTMENT_BUTTON, TAALHUIS_BUTTON],
        ),
    ]
    assert free(deps, "tiel", "2026-12-22 10:00") == 2
    assert deps.appointments.due_reminders(local("2026-12-21 18:00")) == [
        DueReminder(
            1, 1, LEARNER, "tiel", datetime(2026, 12, 22, 9), "brief", datetime(2026, 12, 21, 17)
        )
    ]
    assert deps.users.wants_reminders(LEARNER) is True
    assert deps.analytics.taalhuis_counts() == {("gemaakt", "brief"): 1}
    # The statistics hold a pseudonym, never the Telegram id.
    assert taalhuis_rows(engine) == [(deps.analytics.pseudonym(SENDER), "gemaakt", "tiel", "brief")]
    assert all(SENDER not in str(value) for row in taalhuis_rows(engine) for value in row)


async def test_booking_without_a_reminder_promises_none(deps: ActionDeps, domain: dict) -> None:
    deps.users.set_flags(LEARNER, reminders_opt_in=True)
    _, messages = await boeken(deps, domain, afspraak_herinnering="nee", afspraak_telefoon="nee")
    assert [m["response"] for m in messages] == ["utter_afspraak_staat", "utter_volgende_stap"]
    stored = deps.appointments.active(LEARNER, NOW)
    assert stored is not None and stored.phone is None
    assert deps.appointments.due_reminders(local("2026-12-22 09:00")) == []
    assert deps.users.wants_reminders(LEARNER) is False


async def test_booking_a_slot_that_just_filled_asks_another_time(
    deps: ActionDeps, domain: dict
) -> None:
    fill(deps, "tiel", "2026-12-22 10:00")
    result, messages = await boeken(deps, domain)
    assert result == [SlotSet("afspraak_tijd", None), ActiveLoop("afspraak_form")]
    assert messages == [utter("utter_afspraak_net_vol")]
    assert deps.appointments.active(LEARNER, NOW) is None
    assert deps.analytics.taalhuis_counts() == {("vol", "brief"): 1}


async def test_booking_a_second_appointment_shows_the_first(deps: ActionDeps, domain: dict) -> None:
    first = book(deps, "2026-12-24 14:00")
    result, messages = await boeken(deps, domain)
    assert result == reset()
    assert messages == [
        utter(
            "utter_jouw_afspraak",
            plaats="Tiel",
            wanneer="donderdag 24 december",
            tijd="14:00",
            buttons=CHANGE_MENU,
        )
    ]
    assert deps.appointments.active(LEARNER, NOW) == first
    assert free(deps, "tiel", "2026-12-22 10:00") == 3
    assert deps.analytics.taalhuis_counts() == {}


def appointment_rows(engine: Engine) -> int:
    """This learner's stored appointments, past ones too (``active`` hides those)."""
    with engine.connect() as connection:
        query = sql("SELECT count(*) FROM appointments WHERE telegram_id = :id")
        return int(connection.scalar(query, {"id": LEARNER}))


@pytest.mark.parametrize(
    "later",
    [
        "2026-12-22 09:02",  # the form took a few minutes: 10:00 is now under an hour ahead
        "2026-12-22 10:30",  # the learner came back after the break (slots carry over)
    ],
)
async def test_booking_checks_the_time_again(
    deps: ActionDeps, domain: dict, engine: Engine, later: str
) -> None:
    """The time was checked when it was chosen; it must still be an hour ahead at the end."""
    result, messages = await boeken(at(deps, later), domain)
    responses = [m["response"] for m in messages]
    assert "utter_afspraak_staat" not in responses
    assert appointment_rows(engine) == 0
    assert free(deps, "tiel", "2026-12-22 10:00") == 3
    assert responses[:1] == ["utter_afspraak_voorbij"]
    assert SlotSet("afspraak_tijd", None) in result


# --- action_afspraak_wijzigen -------------------------------------------------------------


def keuze(value: str) -> dict[str, Any]:
    return press(f'/afspraak_annuleren{{"keuze":"{value}"}}')


async def wijzigen(deps: ActionDeps, domain: dict, step: str | None) -> Outcome:
    event = keuze(step) if step is not None else user("ik kan niet komen", "afspraak_annuleren")
    return await run(ActionAfspraakWijzigen(deps), [event], domain)


MENU_22 = utter(
    "utter_jouw_afspraak", plaats="Tiel", wanneer="morgen 22 december", tijd="10:00",
    buttons=CHANGE_MENU,
)  # fmt: skip


@pytest.mark.parametrize("step", [None, "verzetten", "afzeggen", "t2026-12-24_14:30"])
async def test_no_appointment_offers_to_make_one(
    deps: ActionDeps, domain: dict, step: str | None
) -> None:
    result, messages = await wijzigen(deps, domain, step)
    assert result == []
    assert messages == [utter("utter_geen_afspraak", buttons=[MAKE_BUTTON])]


async def test_wijzigen_shows_the_menu(deps: ActionDeps, domain: dict) -> None:
    book(deps)
    assert await wijzigen(deps, domain, None) == ([], [MENU_22])


async def test_verzetten_offers_days_to_move_to(deps: ActionDeps, domain: dict) -> None:
    book(deps)
    _, messages = await wijzigen(deps, domain, "verzetten")
    assert messages == [
        utter(
            "utter_ask_afspraak_dag",
            telefoon="0344 123 456",
            buttons=[move_day_button(*day) for day in TIEL_DAYS],
        )
    ]


async def test_a_day_to_move_to_offers_its_times(deps: ActionDeps, domain: dict) -> None:
    book(deps)
    _, messages = await wijzigen(deps, domain, "d2026-12-24")
    assert messages == [
        utter(
            "utter_ask_afspraak_tijd",
            buttons=[move_time_button("2026-12-24", t) for t in TIEL_THURSDAY],
        )
    ]


async def test_a_closed_day_to_move_to_says_why_and_offers_days(
    deps: ActionDeps, domain: dict
) -> None:
    book(deps)
    _, messages = await wijzigen(deps, domain, "d2026-12-25")
    assert messages == [
        utter(
            "utter_afspraak_dicht",
            reden="Eerste Kerstdag",
            buttons=[move_day_button(*day) for day in TIEL_DAYS],
        )
    ]


async def test_moving_keeps_the_number_and_plans_the_reminder_again(
    deps: ActionDeps, domain: dict
) -> None:
    old = book(deps, remind=True)  # reminder: Monday 21 December 18:00
    result, messages = await wijzigen(deps, domain, "t2026-12-24_14:30")
    assert result == []
    assert messages == [
        utter(
            "utter_afspraak_verzet",
            **TIEL,
            nummer=old.ref,
            custom={"agenda": old.id},
            wanneer="donderdag 24 december",
            tijd="14:30",
        ),
        utter("utter_afspraak_herinnering", wanneer="woensdag 23 december", tijd="18:00"),
        utter("utter_volgende_stap", buttons=[MY_APPOINTMENT_BUTTON, TAALHUIS_BUTTON]),
    ]
    assert deps.appointments.active(LEARNER, NOW) == dataclasses.replace(
        old, starts_at=datetime(2026, 12, 24, 13, 30)
    )
    assert free(deps, "tiel", "2026-12-22 10:00") == 3
    assert free(deps, "tiel", "2026-12-24 14:30") == 2
    # The old reminder is gone, the new one is due the evening before the new day.
    assert deps.appointments.due_reminders(local("2026-12-21 18:00")) == []
    due = deps.appointments.due_reminders(local("2026-12-23 18:00"))
    assert [(r.appointment_id, r.due_at) for r in due] == [(old.id, datetime(2026, 12, 23, 17))]
    assert deps.analytics.taalhuis_counts() == {("verzet", "oefenen"): 1}


async def test_moving_without_a_reminder_promises_none(deps: ActionDeps, domain: dict) -> None:
    book(deps)
    _, messages = await wijzigen(deps, domain, "t2026-12-24_14:30")
    assert [m["response"] for m in messages] == ["utter_afspraak_verzet", "utter_volgende_stap"]
    assert deps.appointments.due_reminders(local("2026-12-23 18:00")) == []


async def test_moving_to_a_full_time_offers_the_other_times(deps: ActionDeps, domain: dict) -> None:
    old = book(deps)
    fill(deps, "tiel", "2026-12-24 14:30")
    _, messages = await wijzigen(deps, domain, "t2026-12-24_14:30")
    others = ["14:00", "15:00", "15:30", "18:00", "18:30", "19:00"]
    assert messages == [
        utter(
            "utter_afspraak_tijd_vol", buttons=[move_time_button("2026-12-24", t) for t in others]
        )
    ]
    assert deps.appointments.active(LEARNER, NOW) == old


async def test_moving_to_a_past_time_offers_free_days(deps: ActionDeps, domain: dict) -> None:
    """An old button from last week: too late, the next free days instead."""
    old = book(deps)
    _, messages = await wijzigen(deps, domain, "t2026-12-17_14:00")
    assert messages == [
        utter("utter_afspraak_voorbij", buttons=[move_day_button(*day) for day in TIEL_DAYS])
    ]
    assert deps.appointments.active(LEARNER, NOW) == old
    assert deps.analytics.taalhuis_counts() == {}


async def test_afzeggen_cancels_and_frees_the_place(deps: ActionDeps, domain: dict) -> None:
    book(deps, remind=True)
    result, messages = await wijzigen(deps, domain, "afzeggen")
    assert result == []
    assert messages == [
        utter("utter_afspraak_afgezegd"),
        utter("utter_volgende_stap", buttons=[MAKE_BUTTON, TAALHUIS_BUTTON]),
    ]
    assert deps.appointments.active(LEARNER, NOW) is None
    assert free(deps, "tiel", "2026-12-22 10:00") == 3
    assert deps.appointments.due_reminders(local("2026-12-21 18:00")) == []
    assert deps.analytics.taalhuis_counts() == {("afgezegd", "oefenen"): 1}
    # A second tap on the old button: nothing left to cancel, nothing counted twice.
    assert await wijzigen(deps, domain, "afzeggen") == (
        [],
        [utter("utter_geen_afspraak", buttons=[MAKE_BUTTON])],
    )
    assert deps.analytics.taalhuis_counts() == {("afgezegd", "oefenen"): 1}


async def test_blijft_keeps_the_appointment(deps: ActionDeps, domain: dict) -> None:
    old = book(deps)
    assert await wijzigen(deps, domain, "blijft") == ([], [utter("utter_afspraak_blijft")])
    assert deps.appointments.active(LEARNER, NOW) == old


@pytest.mark.parametrize(
    "step", ["d2026-99-99", "tfoo", "x", "d", "t2026-12-24_25:00", "d2026-12-24_14:00", ""]
)
async def test_a_malformed_step_shows_the_menu_again(
    deps: ActionDeps, domain: dict, step: str
) -> None:
    old = book(deps)
    assert await wijzigen(deps, domain, step) == ([], [MENU_22])
    assert deps.appointments.active(LEARNER, NOW) == old


# --- the Taalhuis information counts ------------------------------------------------------


async def test_information_questions_are_counted(
    deps: ActionDeps, domain: dict, engine: Engine
) -> None:
    await run(ActionTaalhuisInfo(deps), [user("taalhuis", "taalhuis_info")], domain)
    await run(ActionOpeningstijden(deps), [press('/openingstijden{"plek":"tiel"}')], domain)
    await run(ActionLidmaatschap(deps), [user("gratis lid", "lidmaatschap")], domain)
    await run(ActionCursusZoeken(deps), [press('/cursus_zoeken{"keuze":"spreken"}')], domain)
    await run(ActionGebarentaal(deps), [user("gebarentaal", "gebarentaal")], domain)
    assert deps.analytics.taalhuis_counts() == {
        ("info", "taalhuis"): 1,
        ("info", "openingstijden"): 1,
        ("info", "lidmaatschap"): 1,
        ("info", "cursus_spreken"): 1,
        ("info", "gebarentaal"): 1,
    }
    key = deps.analytics.pseudonym(SENDER)
    assert taalhuis_rows(engine) == [
        (key, "info", None, "taalhuis"),
        (key, "info", "tiel", "openingstijden"),
        (key, "info", None, "lidmaatschap"),
        (key, "info", None, "cursus_spreken"),
        (key, "info", None, "gebarentaal"),
    ]


async def test_only_answers_are_counted_not_the_questions_back(
    deps: ActionDeps, domain: dict
) -> None:
    """ "Which place?", "which topic?" and the membership walk's next steps count nothing."""
    await run(ActionOpeningstijden(deps), [user("/openingstijden", "openingstijden")], domain)
    await run(ActionCursusZoeken(deps), [user("cursus", "cursus_zoeken")], domain)
    await run(ActionLidmaatschap(deps), [press('/lidmaatschap{"keuze":"0_nee"}')], domain)
    assert deps.analytics.taalhuis_counts() == {}


async def test_forget_me_erases_the_learners_taalhuis_events(
    deps: ActionDeps, domain: dict
) -> None:
    await run(ActionTaalhuisInfo(deps), [user("taalhuis", "taalhuis_info")], domain)
    await boeken(deps, domain)
    other = [user("taalhuis", "taalhuis_info")]
    await run(ActionTaalhuisInfo(deps), other, domain, sender_id="5151")
    deps.analytics.delete_for(SENDER)
    assert deps.analytics.taalhuis_counts() == {("info", "taalhuis"): 1}
    deps.analytics.delete_for("5151")
    assert deps.analytics.taalhuis_counts() == {}
