"""Each custom action on a tracker built here, a real dispatcher and a real SQLite store.

As in RasaHQ/rasa-demo, every test asserts the exact events an action returns and the exact
messages it dispatches. The practice service is the real one (the content bank on disk, a
seeded random source); a learner presses the payloads an earlier message carried.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
import rasa_sdk
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import text as sql
from sqlalchemy.engine import Engine

from bot.actions import ActionDeps, build_executor
from bot.actions.dialogue import ActionHerhalen, ActionLangzamer, ActionStoppen, ActionWelkom
from bot.actions.practice import ActionOefenen, ActionVoortgang
from bot.actions.privacy import ActionGegevensWissen
from bot.actions.profile import ActionGeluidAan, ActionGeluidUit, ActionInstellingen, ActionIntake
from bot.actions.taalhuis import (
    ActionCursusZoeken,
    ActionGebarentaal,
    ActionLidmaatschap,
    ActionOpeningstijden,
)
from bot.choices import Understanding, load_vocabulary, question_from, understand
from bot.dialogue.service import CONTROL_CONFIDENCE, CONTROL_INTENTS
from bot.practice.exercises import Exercise
from bot.practice.levels import ThemeLevel
from bot.practice.service import Practice
from bot.settings import PROJECT_ROOT
from bot.store.appointments import Appointments
from bot.store.db import make_sessionmaker
from bot.store.repositories import Analytics, UserPrefs, Users
from bot.taalhuis.courses import find_courses
from bot.taalhuis.hours import status
from bot.taalhuis.labels import load_labels
from bot.taalhuis.organisation import TIMEZONE, load_organisation
from bot.tone.profiles import Profiles

SENDER = "4242"
LEARNER = 4242
MENU_BUTTONS = [
    {"title": "📚 Oefenen", "payload": "/oefenen"},
    {"title": "⭐ Hoe gaat het?", "payload": "/voortgang"},
    {"title": "🏠 Taalhuis", "payload": "/taalhuis_info"},
    {"title": "❓ Hulp", "payload": "/hulp"},
]
PRACTICE = {"oefening": True}
# Feedback: its right answer may be a picture, kept for every profile.
FEEDBACK = {**PRACTICE, "beeld": True}
# The words a learner may type for a button (bot/content/practice.yml).
TYPED_YES = ["ja", "nog een", "nog een ronde", "verder", "door", "doorgaan", "ok", "oke"]
TYPED_NO = ["later", "nee", "niet nu", "straks"]
ROUND_END_BUTTONS = [
    {
        "title": "✅ Ja, nog een ronde",
        "payload": '/oefenen{"keuze":"verder"}',
        "woorden": TYPED_YES,
        "betekent": "ja",
    },
    {"title": "📚 Ander thema", "payload": "/oefenen"},
    {
        "title": "⏰ Later",
        "payload": '/oefenen{"keuze":"later"}',
        "woorden": TYPED_NO,
        "betekent": "nee",
    },
    {"title": "🛑 Stoppen", "payload": "/stoppen"},
]
CHECK_BUTTONS = [
    {
        "title": "✅ Ja, goed",
        "payload": '/oefenen{"keuze":"toets"}',
        "woorden": TYPED_YES,
        "betekent": "ja",
    },
    {
        "title": "⏭️ Nee, sla over",
        "payload": '/oefenen{"keuze":"overslaan"}',
        "woorden": TYPED_NO,
        "betekent": "nee",
    },
]
Presses = Callable[[Exercise, bool], list[str]]
Outcome = tuple[list[dict[str, Any]], list[dict[str, Any]]]  # (events, messages)


@pytest.fixture(scope="module")
def domain() -> dict[str, Any]:
    """The real domain, as Rasa hands it to an action server."""
    from rasa.shared.core.domain import Domain

    return Domain.load(str(PROJECT_ROOT / "domain.yml")).as_dict()


@pytest.fixture
def deps(engine: Engine, practice: Practice, profiles: Profiles) -> ActionDeps:
    sessions = make_sessionmaker(engine)
    return ActionDeps(
        Users(sessions),
        Analytics(sessions, "test-secret"),
        practice,
        profiles,
        load_organisation(),
        load_labels(),
        Appointments(sessions),
        load_vocabulary(),
    )


# --- building trackers -------------------------------------------------------------------


def user(
    text: str, intent: str, metadata: dict[str, Any] | None = None, **entities: Any
) -> dict[str, Any]:
    parse_data = {
        "intent": {"name": intent, "confidence": 0.97},
        "entities": [{"entity": name, "value": value} for name, value in entities.items()],
        "text": text,
        "message_id": None,
        "metadata": metadata or {},
    }
    return {
        "event": "user",
        "timestamp": None,
        "text": text,
        "parse_data": parse_data,
        "metadata": metadata or {},
    }


def typed(messages: list[dict[str, Any]], text: str) -> str | None:
    """The payload a typed text stands for with these messages' buttons on screen."""
    vocabulary = load_vocabulary()
    question = question_from(messages, vocabulary)
    outcome = understand(
        question, text, Understanding(), vocabulary, CONTROL_INTENTS, CONTROL_CONFIDENCE
    )
    return outcome.payload


def press(payload: str) -> dict[str, Any]:
    """The user event Rasa makes of a button payload such as /oefenen{"keuze":"1:0"}."""
    intent, brace, data = payload[1:].partition("{")
    return user(payload, intent, **(json.loads(brace + data) if brace else {}))


def bot(text: str | None, buttons: list[dict[str, str]] | None = None, **custom: Any) -> dict:
    data = {"buttons": buttons or [], "custom": custom or None}
    return {"event": "bot", "timestamp": None, "text": text, "data": data, "metadata": {}}


def action(name: str) -> dict[str, Any]:
    return {"event": "action", "timestamp": None, "name": name}


def slot(name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "timestamp": None, "name": name, "value": value}


SESSION_START = [
    action("action_session_start"),
    {"event": "session_started", "timestamp": None},
    action("action_listen"),
]


def tracker(events: list[dict[str, Any]], sender_id: str = SENDER) -> Tracker:
    """A tracker as Rasa sends it: latest_message is the last user event's parse data."""
    latest = next((e["parse_data"] for e in reversed(events) if e["event"] == "user"), {})
    slots = {"intro_nodig": True, "geluid": True, "telefoon": "088 123 45 67"}
    return Tracker(sender_id, slots, latest, events, False, None, {}, "action_listen")


def turn(text: str, intent: str, *replies: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One whole turn: the learner's message, the bot's (action, message) pairs, then listen."""
    events = [user(text, intent)]
    for name, reply in replies:
        events += [action(name), reply]
    return [*events, action("action_listen")]


async def run(
    action_: Action, events: list[dict[str, Any]], domain: dict[str, Any], **kw: Any
) -> Outcome:
    dispatcher = CollectingDispatcher()
    result = await action_.run(dispatcher, tracker(events, **kw), domain)
    return result, dispatcher.messages


def message(text: str | None = None, **fields: Any) -> dict[str, Any]:
    """What CollectingDispatcher records for utter_message(...)."""
    base = {
        "text": text,
        "buttons": [],
        "elements": [],
        "custom": {},
        "template": None,
        "response": None,
        "image": None,
        "attachment": None,
    }
    return {**base, **fields}


def utter(response: str, **fields: Any) -> dict[str, Any]:
    """What CollectingDispatcher records for utter_message(response=...)."""
    return message(template=response, response=response, **fields)


# --- practice helpers --------------------------------------------------------------------


def learner(deps: ActionDeps, profile: str = "nt2", **flags: bool) -> None:
    """A learner who chose a profile at intake."""
    deps.users.set_flags(LEARNER, profile=profile, intake_done=True, **flags)


async def oefenen(deps: ActionDeps, domain: dict[str, Any], payload: str = "/oefenen") -> Outcome:
    """The learner presses a button (or types "oefenen"): action_oefenen's events and messages."""
    return await run(ActionOefenen(deps), [*SESSION_START, press(payload)], domain)


def keuze(value: str) -> str:
    return f'/oefenen{{"keuze":"{value}"}}'


def answer_buttons(exercise: Exercise) -> list[dict[str, Any]]:
    """An exercise's buttons, each with the words a typed answer may use for it."""
    return [
        {
            "title": choice.label,
            "payload": keuze(f"{exercise.seq}:{index}"),
            "woorden": [choice.match],
        }
        for index, choice in enumerate(exercise.choices)
    ]


def question(exercise: Exercise) -> list[dict[str, Any]]:
    """The messages that ask an exercise: the response per kind, its fields and buttons."""
    buttons, fields = answer_buttons(exercise), exercise.fields
    spoken = {**PRACTICE, "say_after": exercise.speak}
    if exercise.kind == "luisteren" and exercise.level == 3:
        return [
            utter("utter_oef_luisteren_3", custom=spoken),
            utter("utter_oef_vraag", buttons=buttons, custom=PRACTICE, **fields),
        ]
    if exercise.kind == "luisteren":
        response, custom = f"utter_oef_luisteren_{exercise.level}", spoken
    elif exercise.kind == "lezen":
        response, custom = f"utter_oef_lezen_{exercise.level}", PRACTICE
    else:
        response, custom = f"utter_oef_{exercise.kind}", PRACTICE
    return [utter(response, buttons=buttons, custom=custom, **fields)]


def theme_list(deps: ActionDeps, profile: str = "nt1") -> dict[str, Any]:
    themes = deps.practice.themes(deps.profiles.by_id[profile])
    buttons = [
        {"title": f"{theme.picture} {theme.name}", "payload": f'/oefenen{{"thema":"{theme.id}"}}'}
        for theme in themes
    ]
    return utter("utter_oef_kies_thema", buttons=buttons, custom=PRACTICE)


def current(deps: ActionDeps) -> Exercise:
    exercise = deps.practice.current(LEARNER)
    assert exercise is not None, "a question is open"
    return exercise


async def answer_round(
    deps: ActionDeps, domain: dict[str, Any], presses: Presses, right: bool
) -> list[dict[str, Any]]:
    """Answer the open round's questions by pressing their buttons; the last messages."""
    messages: list[dict[str, Any]] = []
    while (exercise := deps.practice.current(LEARNER)) is not None:
        for value in presses(exercise, right):
            _, messages = await oefenen(deps, domain, keuze(value))
    return messages


# --- action_welkom -----------------------------------------------------------------------


async def test_welkom_first_contact_wants_the_introduction(
    deps: ActionDeps, domain: dict[str, Any]
) -> None:
    events = [*SESSION_START, user("hallo", "groet")]
    result, messages = await run(ActionWelkom(deps), events, domain)
    assert result == [slot("intro_nodig", True)]
    assert messages == []
    # The introduction told the learner what is stored: it is not due again.
    assert deps.users.get(LEARNER) == UserPrefs(LEARNER, "learner", "nt1", True, True, False)


async def test_welkom_later_gives_the_short_hello(deps: ActionDeps, domain: dict) -> None:
    events = [*SESSION_START, user("hallo", "groet")]
    await run(ActionWelkom(deps), events, domain)
    result, messages = await run(ActionWelkom(deps), events, domain)
    assert result == [slot("intro_nodig", False)]
    assert messages == []


async def test_welkom_start_command_repeats_the_introduction(
    deps: ActionDeps, domain: dict[str, Any]
) -> None:
    deps.users.set_flags(LEARNER, privacy_seen=True)
    events = [*SESSION_START, user("/start", "groet", {"command": "start"})]
    result, _ = await run(ActionWelkom(deps), events, domain)
    assert result == [slot("intro_nodig", True)]
    assert deps.users.get(LEARNER) == UserPrefs(LEARNER, "learner", "nt1", True, True, False)


async def test_welkom_other_command_is_the_short_hello(deps: ActionDeps, domain: dict) -> None:
    deps.users.set_flags(LEARNER, privacy_seen=True)
    events = [*SESSION_START, user("/hulp", "groet", {"command": "hulp"})]
    result, _ = await run(ActionWelkom(deps), events, domain)
    assert result == [slot("intro_nodig", False)]


async def test_welkom_keeps_the_learners_other_choices(deps: ActionDeps, domain: dict) -> None:
    deps.users.set_flags(LEARNER, voice_on=False, profile="werk")
    await run(ActionWelkom(deps), [user("hallo", "groet")], domain)
    assert deps.users.get(LEARNER) == UserPrefs(LEARNER, "learner", "werk", False, True, False)


async def test_welkom_without_a_telegram_id_stores_nothing(
    deps: ActionDeps, engine: Engine, domain: dict[str, Any]
) -> None:
    """`rasa shell` or a test conversation: always the introduction, and no learner row."""
    result, _ = await run(ActionWelkom(deps), [user("hallo", "groet")], domain, sender_id="shell")
    assert result == [slot("intro_nodig", True)]
    with engine.connect() as connection:
        assert connection.scalar(sql("SELECT count(*) FROM users")) == 0


# --- action_herhalen / action_langzamer ---------------------------------------------------

WELKOM_TURN = [
    user("hallo", "groet"),
    action("action_welkom"),
    slot("intro_nodig", False),
    action("utter_groet"),
    bot("Hoi! Fijn dat je er bent. 👋"),
    action("utter_menu"),
    bot("Wat wil je doen?", MENU_BUTTONS),
    action("action_listen"),
]


@pytest.mark.parametrize(
    ("replay", "custom"), [(ActionHerhalen, {}), (ActionLangzamer, {"voice": "slow"})]
)
async def test_replay_says_the_previous_turn_again(
    replay: type[Action], custom: dict[str, str], deps: ActionDeps, domain: dict[str, Any]
) -> None:
    """ "Nog eens" keeps the learner's own speed; only "langzamer" asks for the slow voice."""
    events = [
        *SESSION_START,
        *turn("open?", "openingstijden", ("utter_openingstijden", bot("Open op maandag."))),
        *WELKOM_TURN,
        user("nog eens", "herhalen"),
    ]
    result, messages = await run(replay(deps), events, domain)
    assert result == []
    assert messages == [
        message("Hoi! Fijn dat je er bent. 👋", custom=custom),
        message("Wat wil je doen?", buttons=MENU_BUTTONS, custom=custom),
    ]


async def test_replay_of_a_replay_says_the_same_again(
    deps: ActionDeps, domain: dict[str, Any]
) -> None:
    """'Nog eens' twice, then 'langzamer': the learner keeps hearing the same message."""
    events = [
        *SESSION_START,
        *WELKOM_TURN,
        user("nog eens", "herhalen"),
        action("action_herhalen"),
        bot("Hoi! Fijn dat je er bent. 👋"),
        bot("Wat wil je doen?", MENU_BUTTONS),
        action("action_listen"),
        user("langzamer", "langzamer"),
    ]
    result, messages = await run(ActionLangzamer(deps), events, domain)
    assert result == []
    assert messages == [
        message("Hoi! Fijn dat je er bent. 👋", custom={"voice": "slow"}),
        message("Wat wil je doen?", buttons=MENU_BUTTONS, custom={"voice": "slow"}),
    ]


async def test_nog_eens_after_langzamer_stays_slow(deps: ActionDeps, domain: dict) -> None:
    events = [
        *SESSION_START,
        *WELKOM_TURN,
        user("langzamer", "langzamer"),
        action("action_langzamer"),
        bot("Hoi! Fijn dat je er bent. 👋", None, voice="slow"),
        action("action_listen"),
        user("nog eens", "herhalen"),
    ]
    _, messages = await run(ActionHerhalen(deps), events, domain)
    assert messages == [message("Hoi! Fijn dat je er bent. 👋", custom={"voice": "slow"})]


QUESTION_BUTTONS = [
    {"title": "🧀", "payload": '/oefenen{"keuze":"1:0"}'},
    {"title": "🐟", "payload": '/oefenen{"keuze":"1:1"}'},
]


@pytest.mark.parametrize(
    ("replay", "voice"), [(ActionHerhalen, {}), (ActionLangzamer, {"voice": "slow"})]
)
async def test_replay_keeps_what_to_speak_and_the_picture(
    replay: type[Action], voice: dict[str, str], deps: ActionDeps, domain: dict[str, Any]
) -> None:
    """A listening question is heard again; the progress picture is sent again."""
    listening = {"oefening": True, "say_after": "de kaas"}
    events = [
        *SESSION_START,
        *turn(
            "hoe gaat het",
            "voortgang",
            (
                "action_voortgang",
                bot("Dit plaatje laat zien hoe ver je bent.", None, picture="progress"),
            ),
            (
                "action_oefenen",
                bot("Luister goed. 🎧 Welk plaatje hoor je?", QUESTION_BUTTONS, **listening),
            ),
        ),
        user("nog eens", "herhalen"),
    ]
    _, messages = await run(replay(deps), events, domain)
    assert messages == [
        message("Dit plaatje laat zien hoe ver je bent.", custom={"picture": "progress", **voice}),
        message(
            "Luister goed. 🎧 Welk plaatje hoor je?",
            buttons=QUESTION_BUTTONS,
            custom={**listening, **voice},
        ),
    ]


async def test_replays_count_on_the_open_question(deps: ActionDeps, domain: dict) -> None:
    learner(deps)
    await oefenen(deps, domain, '/oefenen{"thema":"boodschappen"}')
    events = [
        *SESSION_START,
        *turn("oefenen", "oefenen", ("action_oefenen", bot("Luister goed.", QUESTION_BUTTONS))),
        user("nog eens", "herhalen"),
    ]
    await run(ActionHerhalen(deps), events, domain)
    await run(ActionHerhalen(deps), events, domain)
    await run(ActionLangzamer(deps), events, domain)
    exercise = current(deps)
    assert (exercise.replays, exercise.slower) == (2, 1)
    # Counted in the statistics once the question is answered.
    await oefenen(deps, domain, keuze(f"{exercise.seq}:{exercise.answer}"))
    answered = [e for e in deps.practice.store.events(LEARNER) if e.event == "answered"]
    assert [(e.replays, e.slower) for e in answered] == [(2, 1)]


async def test_replay_skips_messages_without_text(deps: ActionDeps, domain: dict) -> None:
    events = [
        *SESSION_START,
        *turn(
            "open?",
            "openingstijden",
            ("action_x", bot(None, None, taalmaatje="x")),
            ("utter_openingstijden", bot("Open op maandag.")),
        ),
        user("nog eens", "herhalen"),
    ]
    _, messages = await run(ActionHerhalen(deps), events, domain)
    assert messages == [message("Open op maandag.")]


@pytest.mark.parametrize("replay", [ActionHerhalen, ActionLangzamer])
async def test_replay_with_nothing_said_before_shows_the_menu(
    replay: type[Action], deps: ActionDeps, domain: dict[str, Any]
) -> None:
    events = [*SESSION_START, user("nog eens", "herhalen")]
    result, messages = await run(replay(deps), events, domain)
    assert result == []
    assert messages == [utter("utter_menu")]


async def test_replay_after_a_silent_turn_shows_the_menu(deps: ActionDeps, domain: dict) -> None:
    """The turn before said nothing (it only stopped): there is nothing to repeat."""
    events = [
        *SESSION_START,
        *WELKOM_TURN,
        user("stop", "stoppen"),
        action("action_stoppen"),
        action("action_listen"),
        user("nog eens", "herhalen"),
    ]
    _, messages = await run(ActionHerhalen(deps), events, domain)
    assert messages == [utter("utter_menu")]


async def test_replay_without_a_telegram_id_counts_nothing(
    deps: ActionDeps, engine: Engine, domain: dict[str, Any]
) -> None:
    events = [*SESSION_START, *WELKOM_TURN, user("nog eens", "herhalen")]
    _, messages = await run(ActionHerhalen(deps), events, domain, sender_id="shell")
    assert len(messages) == 2
    with engine.connect() as connection:
        assert connection.scalar(sql("SELECT count(*) FROM practice_state")) == 0


# --- action_stoppen ----------------------------------------------------------------------


STOPPED = [
    {"event": "active_loop", "name": None, "timestamp": None},
    {"event": "slot", "name": "requested_slot", "value": None, "timestamp": None},
]


async def test_stoppen_ends_any_form_and_its_open_question_and_says_nothing(
    deps: ActionDeps, domain: dict
) -> None:
    events = [*SESSION_START, user("stop", "stoppen")]
    result, messages = await run(ActionStoppen(deps), events, domain)
    # The open question closes too: a later message is not taken as its answer.
    assert result == STOPPED
    assert messages == []


async def test_stoppen_closes_an_open_round(deps: ActionDeps, domain: dict[str, Any]) -> None:
    learner(deps)
    await oefenen(deps, domain, '/oefenen{"thema":"boodschappen"}')
    first = current(deps)
    await oefenen(deps, domain, keuze(f"{first.seq}:{first.answer}"))
    second = current(deps)

    result, messages = await run(
        ActionStoppen(deps), [*SESSION_START, user("stop", "stoppen")], domain
    )
    assert result == STOPPED
    assert messages == []
    assert deps.practice.current(LEARNER) is None
    # The question's button no longer answers anything; the answer before it is kept.
    _, messages = await oefenen(deps, domain, keuze(f"{second.seq}:{second.answer}"))
    assert messages == [utter("utter_oef_geen_vraag"), theme_list(deps, "nt2")]
    assert deps.practice.store.answered(LEARNER) == (1, 1)


# --- action_geluid_uit / action_geluid_aan -----------------------------------------------


async def test_geluid_uit_then_aan_is_stored_and_set(deps: ActionDeps, domain: dict) -> None:
    result, messages = await run(ActionGeluidUit(deps), [user("geen geluid", "geluid_uit")], domain)
    assert (result, messages) == ([slot("geluid", False)], [])
    prefs = deps.users.get(LEARNER)
    assert prefs is not None and prefs.voice_on is False

    result, messages = await run(ActionGeluidAan(deps), [user("wel geluid", "geluid_aan")], domain)
    assert (result, messages) == ([slot("geluid", True)], [])
    prefs = deps.users.get(LEARNER)
    assert prefs is not None and prefs.voice_on is True


async def test_geluid_uit_changes_only_this_learner(deps: ActionDeps, domain: dict) -> None:
    deps.users.get_or_create(777)
    await run(ActionGeluidUit(deps), [user("geen geluid", "geluid_uit")], domain)
    other = deps.users.get(777)
    assert other is not None and other.voice_on is True


# --- action_voortgang --------------------------------------------------------------------


async def test_voortgang_before_any_practice_invites_to_start(
    deps: ActionDeps, domain: dict[str, Any]
) -> None:
    # Messages to the bot are no practice: only answered exercises count.
    deps.analytics.record([(SENDER, "groet", 0.9, "action_welkom")] * 3)
    result, messages = await run(ActionVoortgang(deps), [user("hoe gaat het", "voortgang")], domain)
    assert result == []
    assert messages == [utter("utter_voortgang_leeg")]


async def test_voortgang_counts_answers_and_sends_the_picture(
    deps: ActionDeps, domain: dict[str, Any], presses: Presses
) -> None:
    learner(deps)
    await oefenen(deps, domain, '/oefenen{"thema":"boodschappen"}')
    for right in (True, False, True):
        for value in presses(current(deps), right):
            await oefenen(deps, domain, keuze(value))
    # Another learner's practice is not counted.
    other = deps.practice.start_round(777, "vervoer", deps.profiles.by_id["nt1"]).exercise
    assert other is not None
    deps.practice.answer(777, f"{other.seq}:{other.answer}", deps.profiles.by_id["nt1"])

    result, messages = await run(ActionVoortgang(deps), [user("hoe gaat het", "voortgang")], domain)
    assert result == [slot("aantal_gesprekken", 3)]
    assert messages == [
        utter("utter_voortgang", geoefend=3, goed=2),
        utter("utter_voortgang_plaatje", custom={"picture": "progress"}),
    ]


async def test_voortgang_without_a_telegram_id_is_empty(deps: ActionDeps, domain: dict) -> None:
    events = [user("hoe gaat het", "voortgang")]
    result, messages = await run(ActionVoortgang(deps), events, domain, sender_id="shell")
    assert (result, messages) == ([], [utter("utter_voortgang_leeg")])


# --- action_oefenen: themes and questions ------------------------------------------------


@pytest.mark.parametrize("profile", ["nt1", "werk"])
async def test_oefenen_lists_the_themes(
    profile: str, deps: ActionDeps, domain: dict[str, Any]
) -> None:
    learner(deps, profile)
    result, messages = await oefenen(deps, domain)
    assert result == []
    assert messages == [theme_list(deps, profile)]
    buttons = messages[0]["buttons"]
    assert len(buttons) == len(deps.practice.bank.themes) == 8
    assert buttons[0]["payload"] == (
        '/oefenen{"thema":"werk_veiligheid"}'
        if profile == "werk"
        else '/oefenen{"thema":"bibliotheek"}'
    )
    # A typed theme name works like its button.
    assert typed(messages, "boodschapen") == '/oefenen{"thema":"boodschappen"}'


async def test_oefenen_in_a_theme_asks_the_first_question(
    deps: ActionDeps, domain: dict[str, Any]
) -> None:
    learner(deps, "nt2")  # starts on words (level 1), with listening
    result, messages = await oefenen(deps, domain, '/oefenen{"thema":"boodschappen"}')
    exercise = current(deps)
    assert result == []
    assert (exercise.theme, exercise.level, exercise.kind, exercise.seq) == (
        "boodschappen", 1, "luisteren", 1,
    )  # fmt: skip
    assert messages == question(exercise)
    shown = messages[0]
    assert shown["response"] == "utter_oef_luisteren_1"
    # Heard, not shown: the word is spoken after the prompt.
    assert shown["custom"] == {"oefening": True, "say_after": exercise.speak}
    assert exercise.speak == exercise.fields["woord"]
    assert [b["payload"] for b in shown["buttons"]] == [
        '/oefenen{"keuze":"1:0"}',
        '/oefenen{"keuze":"1:1"}',
        '/oefenen{"keuze":"1:2"}',
    ]
    pictures = [b["title"] for b in shown["buttons"]]
    assert pictures.count(exercise.fields["plaatje"]) == 1


async def test_a_right_answer_is_praised_and_the_next_question_follows(
    deps: ActionDeps, domain: dict[str, Any]
) -> None:
    learner(deps, "nt2")
    await oefenen(deps, domain, '/oefenen{"thema":"boodschappen"}')
    first = current(deps)
    result, messages = await oefenen(deps, domain, keuze(f"{first.seq}:{first.answer}"))
    second = current(deps)
    assert result == []
    assert second.seq == first.seq + 1
    assert messages == [
        utter("utter_oef_goed", custom=FEEDBACK, juist=first.right),
        *question(second),
    ]
    assert first.right == f"{first.fields['plaatje']} {first.fields['woord']}"


async def test_a_wrong_answer_gets_the_right_one(deps: ActionDeps, domain: dict) -> None:
    learner(deps, "nt2")
    await oefenen(deps, domain, '/oefenen{"thema":"boodschappen"}')
    first = current(deps)
    wrong = (first.answer + 1) % len(first.choices)
    _, messages = await oefenen(deps, domain, keuze(f"{first.seq}:{wrong}"))
    assert messages == [
        utter("utter_oef_fout", custom=FEEDBACK, juist=first.right),
        *question(current(deps)),
    ]
    assert deps.practice.store.answered(LEARNER) == (1, 0)


async def test_a_learner_with_the_sound_off_reads_instead_of_listening(
    deps: ActionDeps, domain: dict[str, Any]
) -> None:
    learner(deps, "nt2", voice_on=False)
    _, messages = await oefenen(deps, domain, '/oefenen{"thema":"boodschappen"}')
    exercise = current(deps)
    assert (exercise.kind, exercise.speak) == ("lezen", None)
    assert messages == question(exercise)
    assert messages[0]["response"] == "utter_oef_lezen_1"
    assert "say_after" not in messages[0]["custom"]


async def test_an_old_button_shows_the_question_of_now(deps: ActionDeps, domain: dict) -> None:
    learner(deps, "nt2")
    await oefenen(deps, domain, '/oefenen{"thema":"boodschappen"}')
    first = current(deps)
    await oefenen(deps, domain, keuze(f"{first.seq}:{first.answer}"))
    now = current(deps)
    result, messages = await oefenen(deps, domain, keuze(f"{first.seq}:{first.answer}"))
    assert result == []
    assert messages == [utter("utter_oef_oude_vraag", custom=PRACTICE), *question(now)]
    assert current(deps) == now
    assert deps.practice.store.answered(LEARNER) == (1, 1)


@pytest.mark.parametrize("value", ["abc", "99:99", "1:-1", "", "1:", "1:7", "1:²", "1:r"])
async def test_a_malformed_choice_never_raises(
    value: str, deps: ActionDeps, domain: dict[str, Any]
) -> None:
    learner(deps, "nt2")
    await oefenen(deps, domain, '/oefenen{"thema":"boodschappen"}')
    open_question = current(deps)
    result, messages = await oefenen(deps, domain, keuze(value))
    assert result == []
    assert messages == [utter("utter_oef_oude_vraag", custom=PRACTICE), *question(open_question)]
    assert current(deps) == open_question
    assert deps.practice.store.answered(LEARNER) == (0, 0)


async def test_a_choice_without_an_open_round_offers_the_themes(
    deps: ActionDeps, domain: dict[str, Any]
) -> None:
    for value in ("1:0", "verder", "abc"):
        _, messages = await oefenen(deps, domain, keuze(value))
        assert messages == [utter("utter_oef_geen_vraag"), theme_list(deps)]


async def test_an_unknown_theme_offers_the_themes(deps: ActionDeps, domain: dict) -> None:
    _, messages = await oefenen(deps, domain, '/oefenen{"thema":"sterrenkunde"}')
    assert messages == [theme_list(deps)]
    assert deps.practice.current(LEARNER) is None


async def test_oefenen_without_a_telegram_id_is_not_understood(
    deps: ActionDeps, domain: dict[str, Any]
) -> None:
    events = [*SESSION_START, press('/oefenen{"thema":"boodschappen"}')]
    result, messages = await run(ActionOefenen(deps), events, domain, sender_id="shell")
    assert (result, messages) == ([], [utter("utter_niet_begrepen")])


# --- action_oefenen: making a sentence ---------------------------------------------------


async def test_a_sentence_is_made_word_by_word(
    deps: ActionDeps, domain: dict[str, Any], presses: Presses
) -> None:
    learner(deps, "nt1")  # starts on sentences (level 2): the first question makes one
    _, messages = await oefenen(deps, domain, '/oefenen{"thema":"boodschappen"}')
    exercise = current(deps)
    assert exercise.kind == "volgorde"
    assert messages == [
        utter("utter_oef_volgorde", buttons=answer_buttons(exercise), custom=PRACTICE, zin="")
    ]
    taps = presses(exercise, True)
    words = exercise.right.rstrip(".?!").split()

    _, messages = await oefenen(deps, domain, keuze(taps[0]))
    first = int(taps[0].split(":")[1])
    left = [b for i, b in enumerate(answer_buttons(exercise)) if i != first]
    again = {"title": "↩️ Opnieuw", "payload": keuze(f"{exercise.seq}:r")}
    building = utter(
        "utter_oef_volgorde_bezig", zin=words[0], buttons=[*left, again], custom=PRACTICE
    )
    assert messages == [building]

    # The same word again (a double tap): the sentence so far, unchanged.
    _, messages = await oefenen(deps, domain, keuze(taps[0]))
    assert messages == [utter("utter_oef_oude_vraag", custom=PRACTICE), building]

    # "Opnieuw": all words again.
    _, messages = await oefenen(deps, domain, keuze(f"{exercise.seq}:r"))
    assert messages == [
        utter("utter_oef_volgorde", buttons=answer_buttons(exercise), custom=PRACTICE)
    ]

    for tap in taps:
        _, messages = await oefenen(deps, domain, keuze(tap))
    assert messages == [
        utter("utter_oef_goed", custom=FEEDBACK, juist=exercise.right),
        *question(current(deps)),
    ]


async def test_an_old_button_while_making_a_sentence_keeps_the_words_so_far(
    deps: ActionDeps, domain: dict[str, Any], presses: Presses
) -> None:
    """The learner sees what they tapped already, not a fresh question that is not fresh."""
    learner(deps, "nt1")
    await oefenen(deps, domain, '/oefenen{"thema":"boodschappen"}')
    before = None
    while (exercise := current(deps)).kind != "volgorde" or before is None:
        before = exercise
        for value in presses(exercise, True):
            await oefenen(deps, domain, keuze(value))
    tap = presses(exercise, True)[0]
    _, building = await oefenen(deps, domain, keuze(tap))
    assert building[0]["response"] == "utter_oef_volgorde_bezig"

    _, messages = await oefenen(deps, domain, keuze(f"{before.seq}:{before.answer}"))
    assert messages == [utter("utter_oef_oude_vraag", custom=PRACTICE), *building]


# --- action_oefenen: the end of a round --------------------------------------------------


async def test_a_round_ends_with_the_score_and_four_buttons(
    deps: ActionDeps, domain: dict[str, Any], presses: Presses
) -> None:
    learner(deps, "nt2")
    await oefenen(deps, domain, '/oefenen{"thema":"boodschappen"}')
    for _ in range(4):
        for value in presses(current(deps), True):
            await oefenen(deps, domain, keuze(value))
    last = current(deps)
    wrong = (last.answer + 1) % len(last.choices)
    result, messages = await oefenen(deps, domain, keuze(f"{last.seq}:{wrong}"))
    assert result == []
    assert messages == [
        utter("utter_oef_fout", custom=FEEDBACK, juist=last.right),
        utter("utter_oef_ronde_klaar", custom=PRACTICE, goed=4, totaal=5),
        utter("utter_oef_nog_een_ronde", buttons=ROUND_END_BUTTONS, custom=PRACTICE),
    ]
    assert deps.practice.current(LEARNER) is None
    # "ja" typed works like the first button.
    assert typed(messages, "ja") == '/oefenen{"keuze":"verder"}'


async def test_two_good_rounds_move_up_a_level(
    deps: ActionDeps, domain: dict[str, Any], presses: Presses
) -> None:
    learner(deps, "nt2")
    await oefenen(deps, domain, '/oefenen{"thema":"boodschappen"}')
    await answer_round(deps, domain, presses, True)
    _, messages = await oefenen(deps, domain, keuze("verder"))
    assert messages == question(current(deps))
    assert current(deps).theme == "boodschappen"
    messages = await answer_round(deps, domain, presses, True)
    assert messages[1:] == [
        utter("utter_oef_ronde_klaar", custom=PRACTICE, goed=5, totaal=5),
        utter("utter_oef_niveau_omhoog", niveau=2),
        utter("utter_oef_nog_een_ronde", buttons=ROUND_END_BUTTONS, custom=PRACTICE),
    ]
    _, messages = await oefenen(deps, domain, keuze("verder"))
    assert current(deps).level == 2


async def test_two_poor_rounds_make_it_easier(
    deps: ActionDeps, domain: dict[str, Any], presses: Presses
) -> None:
    learner(deps, "nt1")
    await oefenen(deps, domain, '/oefenen{"thema":"vervoer"}')
    await answer_round(deps, domain, presses, False)
    await oefenen(deps, domain, keuze("verder"))
    messages = await answer_round(deps, domain, presses, False)
    assert messages[1:] == [
        utter("utter_oef_ronde_klaar", custom=PRACTICE, goed=0, totaal=5),
        utter("utter_oef_niveau_omlaag", niveau=1),
        utter("utter_oef_nog_een_ronde", buttons=ROUND_END_BUTTONS, custom=PRACTICE),
    ]
    assert deps.practice.store.theme_levels(LEARNER) == {"vervoer": ThemeLevel(1)}


async def test_later_closes_the_round(deps: ActionDeps, domain: dict[str, Any]) -> None:
    learner(deps, "nt2")
    await oefenen(deps, domain, '/oefenen{"thema":"boodschappen"}')
    exercise = current(deps)
    result, messages = await oefenen(deps, domain, keuze("later"))
    assert (result, messages) == ([], [utter("utter_oef_later"), utter("utter_menu")])
    assert deps.practice.current(LEARNER) is None
    _, messages = await oefenen(deps, domain, keuze(f"{exercise.seq}:{exercise.answer}"))
    assert messages == [utter("utter_oef_geen_vraag"), theme_list(deps, "nt2")]


# --- action_oefenen: the intake's level check --------------------------------------------


async def test_toets_checks_the_level_and_ends_the_intake(
    deps: ActionDeps, domain: dict[str, Any], presses: Presses
) -> None:
    deps.users.set_flags(LEARNER, profile="nt1")  # chose nothing yet: the intake is open
    result, messages = await oefenen(deps, domain, keuze("toets"))
    first = current(deps)
    assert result == []
    assert (first.kind, first.level) == ("lezen", 1)
    assert messages == question(first)

    asked = []
    while (exercise := deps.practice.current(LEARNER)) is not None:
        asked.append(exercise)
        for value in presses(exercise, True):
            _, messages = await oefenen(deps, domain, keuze(value))
    assert [e.level for e in asked] == [1, 2, 2, 3]
    assert messages == [
        utter("utter_oef_goed", custom=FEEDBACK, juist=asked[-1].right),
        utter("utter_toets_klaar", niveau=3),
        theme_list(deps),
    ]
    prefs = deps.users.get(LEARNER)
    assert prefs is not None and prefs.intake_done is True
    themes = deps.practice.store.theme_levels(LEARNER)
    assert themes == {theme: ThemeLevel(3) for theme in deps.practice.bank.themes}


async def test_overslaan_skips_the_check_and_offers_the_themes(
    deps: ActionDeps, domain: dict[str, Any]
) -> None:
    learner(deps, "nt2")
    result, messages = await oefenen(deps, domain, keuze("overslaan"))
    assert result == []
    assert messages == [utter("utter_toets_overgeslagen", niveau=1), theme_list(deps, "nt2")]
    assert deps.practice.store.theme_levels(LEARNER) == {}


async def test_overslaan_ends_the_intake(deps: ActionDeps, domain: dict[str, Any]) -> None:
    _, messages = await oefenen(deps, domain, keuze("overslaan"))
    assert messages == [utter("utter_toets_overgeslagen", niveau=2), theme_list(deps)]
    prefs = deps.users.get(LEARNER)
    assert prefs is not None and prefs.intake_done is True


# --- action_instellingen -----------------------------------------------------------------

PROFILE_BUTTONS = [
    {"title": "🌍 Ik leer Nederlands", "payload": '/instellingen{"profiel":"nt2"}'},
    {
        "title": "🗣️ Ik spreek Nederlands, lezen is lastig",
        "payload": '/instellingen{"profiel":"nt1"}',
    },
    {"title": "🦺 Ik wil oefenen voor mijn werk", "payload": '/instellingen{"profiel":"werk"}'},
    {"title": "👀 Ik hoor niet of slecht", "payload": '/instellingen{"profiel":"doof"}'},
    {"title": "⏰ Later kiezen", "payload": '/instellingen{"keuze":"later"}'},
]
VOICE = {"nt2": True, "nt1": True, "werk": True, "doof": False}


async def instellingen(
    deps: ActionDeps, domain: dict[str, Any], payload: str = "/instellingen"
) -> Outcome:
    return await run(ActionInstellingen(deps), [*SESSION_START, press(payload)], domain)


@pytest.mark.parametrize("profile", ["nt2", "nt1", "werk", "doof"])
async def test_choosing_a_profile_at_intake_stores_it_and_offers_the_check(
    profile: str, deps: ActionDeps, domain: dict[str, Any]
) -> None:
    assert deps.profiles.by_id[profile].voice is VOICE[profile]
    result, messages = await instellingen(deps, domain, f'/instellingen{{"profiel":"{profile}"}}')
    assert result == [slot("profiel", profile), slot("geluid", VOICE[profile])]
    gebarentaal = [
        utter(
            "utter_gebarentaal_aanbod",
            buttons=[{"title": "🤟 Gebarentaal", "payload": "/gebarentaal"}],
        )
    ]
    assert messages == [
        utter(f"utter_profiel_{profile}"),
        *(gebarentaal if profile == "doof" else []),
        utter("utter_vraag_toets", buttons=CHECK_BUTTONS, custom=PRACTICE),
    ]
    assert deps.users.get(LEARNER) == UserPrefs(
        LEARNER, "learner", profile, VOICE[profile], False, True
    )
    # Typing "ja" starts the check, like the button.
    assert typed(messages, "ja") == '/oefenen{"keuze":"toets"}'
    assert typed(messages, "nee, sla over") == '/oefenen{"keuze":"overslaan"}'


async def test_changing_the_profile_later_asks_no_check(deps: ActionDeps, domain: dict) -> None:
    learner(deps, "nt1", voice_on=False)
    result, messages = await instellingen(deps, domain, '/instellingen{"profiel":"werk"}')
    assert result == [slot("profiel", "werk"), slot("geluid", True)]
    assert messages == [utter("utter_profiel_werk"), utter("utter_menu")]
    assert deps.users.get(LEARNER) == UserPrefs(LEARNER, "learner", "werk", True, False, True)


async def test_choosing_later_imposes_no_profile(deps: ActionDeps, domain: dict) -> None:
    result, messages = await instellingen(deps, domain, '/instellingen{"keuze":"later"}')
    assert result == []
    assert messages == [utter("utter_profiel_later"), utter("utter_menu")]
    # Still undecided: the defaults hold and /start asks again.
    assert deps.users.get(LEARNER) == UserPrefs(LEARNER, "learner", "nt1", True, False, False)


async def test_the_profile_button_asks_the_profile_question(
    deps: ActionDeps, domain: dict[str, Any]
) -> None:
    learner(deps, "werk")
    result, messages = await instellingen(deps, domain, '/instellingen{"keuze":"profiel"}')
    assert result == []
    assert messages == [utter("utter_vraag_profiel", buttons=PROFILE_BUTTONS, custom=PRACTICE)]
    prefs = deps.users.get(LEARNER)
    assert prefs is not None and prefs.profile == "werk"


@pytest.mark.parametrize(
    ("voice_on", "sound"),
    [
        (True, {"title": "🔇 Geluid uit", "payload": "/geluid_uit"}),
        (False, {"title": "🔊 Geluid aan", "payload": "/geluid_aan"}),
    ],
)
async def test_the_settings_menu_offers_the_other_sound_setting(
    voice_on: bool, sound: dict[str, str], deps: ActionDeps, domain: dict[str, Any]
) -> None:
    learner(deps, "nt1", voice_on=voice_on)
    result, messages = await instellingen(deps, domain)
    assert result == []
    buttons = [
        {"title": "🙂 Hoe ik oefen", "payload": '/instellingen{"keuze":"profiel"}'},
        {"title": "📏 Mijn niveau", "payload": '/oefenen{"keuze":"toets"}'},
        sound,
    ]
    assert messages == [utter("utter_instellingen", buttons=buttons, custom=PRACTICE)]
    assert typed(messages, "mijn niveau") == '/oefenen{"keuze":"toets"}'


async def test_instellingen_without_a_telegram_id_is_not_understood(
    deps: ActionDeps, domain: dict[str, Any]
) -> None:
    events = [*SESSION_START, press('/instellingen{"profiel":"nt2"}')]
    result, messages = await run(ActionInstellingen(deps), events, domain, sender_id="shell")
    assert (result, messages) == ([], [utter("utter_niet_begrepen")])


# --- action_intake -----------------------------------------------------------------------


async def test_intake_asks_how_to_practise_on_first_contact(
    deps: ActionDeps, domain: dict[str, Any]
) -> None:
    result, messages = await run(
        ActionIntake(deps), [*SESSION_START, user("hallo", "groet")], domain
    )
    assert result == []
    assert messages == [utter("utter_vraag_profiel", buttons=PROFILE_BUTTONS, custom=PRACTICE)]
    assert typed(messages, "ik leer nederlands") == '/instellingen{"profiel":"nt2"}'


async def test_intake_asks_again_until_a_choice_is_made(deps: ActionDeps, domain: dict) -> None:
    deps.users.get_or_create(LEARNER)
    _, messages = await run(ActionIntake(deps), [user("hallo", "groet")], domain)
    assert messages == [utter("utter_vraag_profiel", buttons=PROFILE_BUTTONS, custom=PRACTICE)]


async def test_intake_after_the_choice_shows_the_menu(deps: ActionDeps, domain: dict) -> None:
    learner(deps, "doof")
    result, messages = await run(ActionIntake(deps), [user("hallo", "groet")], domain)
    assert (result, messages) == ([], [utter("utter_menu")])


# --- action_gegevens_wissen --------------------------------------------------------------


async def test_gegevens_wissen_asks_the_dialogue_layer_to_erase(
    deps: ActionDeps, domain: dict[str, Any]
) -> None:
    deps.users.get_or_create(LEARNER)
    result, messages = await run(ActionGegevensWissen(), [user("ja", "bevestigen")], domain)
    assert result == []
    assert messages == [message(custom={"taalmaatje": "erase"})]
    # The action itself erases nothing: that happens once the turn is stored.
    assert deps.users.get(LEARNER) is not None


# --- the executor ------------------------------------------------------------------------


def test_executor_runs_exactly_the_domains_actions(deps: ActionDeps, domain: dict) -> None:
    assert set(build_executor(deps).actions) == set(domain["actions"])


async def test_executor_runs_an_action_call_as_rasa_sends_it(
    deps: ActionDeps, domain: dict[str, Any]
) -> None:
    events = [*SESSION_START, *WELKOM_TURN, user("geen geluid", "geluid_uit")]
    action_call = {
        "next_action": "action_geluid_uit",
        "sender_id": SENDER,
        "tracker": {
            "sender_id": SENDER,
            "slots": {"geluid": True, "intro_nodig": False},
            "latest_message": events[-1]["parse_data"],
            "events": events,
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
        "domain": domain,
        "version": rasa_sdk.__version__,
    }
    result = await build_executor(deps).run(action_call)
    assert result == {"events": [slot("geluid", False)], "responses": []}
    prefs = deps.users.get(LEARNER)
    assert prefs is not None and prefs.voice_on is False


# --- the Taalhuis ------------------------------------------------------------------------


def at(deps: ActionDeps, moment: str) -> ActionDeps:
    """The same dependencies with the clock at a local Amsterdam time ("2026-11-24 10:30")."""
    when = datetime.fromisoformat(moment).replace(tzinfo=TIMEZONE)
    return dataclasses.replace(deps, clock=lambda: when)


async def ask_hours(deps: ActionDeps, domain: dict[str, Any], text: str, **entities: Any) -> list:
    events = [*SESSION_START, user(text, "openingstijden", **entities)]
    _, messages = await run(ActionOpeningstijden(deps), events, domain)
    return [
        (m["response"], {k: v for k, v in m.items() if k in ("naam", "tijd", "wanneer", "reden")})
        for m in messages
    ]


async def test_opening_hours_ask_which_place_first(deps: ActionDeps, domain: dict) -> None:
    events = [*SESSION_START, user("wanneer is het open", "openingstijden")]
    _, messages = await run(ActionOpeningstijden(deps), events, domain)
    assert [m["response"] for m in messages] == ["utter_vraag_plek"]
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        f'/openingstijden{{"plek":"{place}"}}' for place in deps.organisation.locations
    ]


async def test_opening_hours_find_a_typed_town(deps: ActionDeps, domain: dict) -> None:
    said = await ask_hours(at(deps, "2026-11-24 10:30"), domain, "wanneer is tiel open")
    assert said[0][1]["naam"] == deps.organisation.locations["tiel"].name


async def test_open_now_says_until_when(deps: ActionDeps, domain: dict) -> None:
    tiel = deps.organisation.locations["tiel"]
    moment = "2026-11-24 10:30"  # a Tuesday
    expected = status(tiel, datetime.fromisoformat(moment).replace(tzinfo=TIMEZONE))
    said = await ask_hours(at(deps, moment), domain, "/openingstijden", plek="tiel")
    assert expected.open_now
    assert said[0] == (
        "utter_nu_open",
        {"naam": tiel.name, "tijd": expected.closes_at.astimezone(TIMEZONE).strftime("%H:%M")},
    )
    assert said[-1][0] == "utter_volgende_stap"


async def test_a_closing_day_gives_the_reason_and_the_next_opening(
    deps: ActionDeps, domain: dict
) -> None:
    tiel = deps.organisation.locations["tiel"]
    said = await ask_hours(at(deps, "2026-12-25 11:00"), domain, "/openingstijden", plek="tiel")
    assert said[0] == ("utter_nu_dicht", {"naam": tiel.name})
    assert said[1] == ("utter_dicht_reden", {"reden": tiel.closed[date(2026, 12, 25)]})
    expected = status(tiel, datetime(2026, 12, 25, 11, tzinfo=TIMEZONE)).next_open
    local = expected.astimezone(TIMEZONE)
    labels = load_labels()
    assert said[2] == (
        "utter_weer_open",
        {
            "wanneer": labels.day_word(local.date(), date(2026, 12, 25)),
            "tijd": local.strftime("%H:%M"),
        },
    )


async def test_membership_walk_free_on_the_first_yes(deps: ActionDeps, domain: dict) -> None:
    questions = deps.organisation.membership_questions
    walk = ActionLidmaatschap(deps)
    _, first = await run(walk, [*SESSION_START, user("gratis lid", "lidmaatschap")], domain)
    assert [m["response"] for m in first] == ["utter_lid_uitleg", "utter_org_tekst"]
    assert first[1]["tekst"] == questions[0].question
    no = first[1]["buttons"][1]["payload"]
    _, second = await run(walk, [*SESSION_START, press(no)], domain)
    assert second[0]["tekst"] == questions[1].question
    yes = second[0]["buttons"][0]["payload"]
    _, third = await run(walk, [*SESSION_START, press(yes)], domain)
    assert [m["response"] for m in third] == [
        "utter_org_tekst",
        "utter_meenemen",
        "utter_volgende_stap",
    ]
    assert third[0]["tekst"] == deps.organisation.free_text


async def test_membership_walk_all_no_is_not_free(deps: ActionDeps, domain: dict) -> None:
    last = len(deps.organisation.membership_questions) - 1
    payload = f'/lidmaatschap{{"keuze":"{last}_nee"}}'
    _, said = await run(ActionLidmaatschap(deps), [*SESSION_START, press(payload)], domain)
    assert said[0]["tekst"] == deps.organisation.not_free_text
    assert "utter_meenemen" not in [m["response"] for m in said]


@pytest.mark.parametrize("keuze", ["x_ja", "9_ja", "0_misschien", "", "²_ja"])
async def test_membership_walk_restarts_on_odd_buttons(
    deps: ActionDeps, domain: dict, keuze: str
) -> None:
    payload = f'/lidmaatschap{{"keuze":"{keuze}"}}'
    _, said = await run(ActionLidmaatschap(deps), [*SESSION_START, press(payload)], domain)
    assert [m["response"] for m in said] == ["utter_lid_uitleg", "utter_org_tekst"]


async def test_course_finder_asks_a_topic_then_shows_one_to_three(
    deps: ActionDeps, domain: dict
) -> None:
    finder = ActionCursusZoeken(deps)
    _, asked = await run(finder, [*SESSION_START, user("cursus", "cursus_zoeken")], domain)
    assert asked[0]["response"] == "utter_vraag_onderwerp"
    assert len(asked[0]["buttons"]) == 5
    learner(deps, "nt2")
    _, found = await run(
        finder, [*SESSION_START, press('/cursus_zoeken{"keuze":"spreken"}')], domain
    )
    courses = [m["naam"] for m in found if m["response"] == "utter_cursus"]
    expected = find_courses(deps.organisation, {"spreken"}, "nt2")
    assert courses == [c.name for c in expected] and 1 <= len(courses) <= 3


async def test_sign_language_explains_and_describes_signs(deps: ActionDeps, domain: dict) -> None:
    _, said = await run(
        ActionGebarentaal(deps), [*SESSION_START, user("ngt", "gebarentaal")], domain
    )
    assert said[0]["tekst"] == deps.organisation.sign_language_text
    word, how = deps.organisation.signs[0]
    assert f"{word}: {how}" in said[1]["lijst"]
