"""Each custom action on a tracker built here, a real dispatcher and a real SQLite store.

As in RasaHQ/rasa-demo, every test asserts the exact events an action returns and the exact
messages it dispatches.
"""

from __future__ import annotations

from typing import Any

import pytest
import rasa_sdk
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import text as sql
from sqlalchemy.engine import Engine

from bot.actions import ActionDeps, build_executor
from bot.actions.dialogue import ActionHerhalen, ActionLangzamer, ActionStoppen, ActionWelkom
from bot.actions.privacy import ActionGegevensWissen
from bot.actions.profile import ActionGeluidAan, ActionGeluidUit
from bot.actions.progress import ActionVoortgang
from bot.settings import PROJECT_ROOT
from bot.store.db import make_sessionmaker
from bot.store.repositories import Analytics, UserPrefs, Users

SENDER = "4242"
LEARNER = 4242
MENU_BUTTONS = [
    {"title": "📚 Oefenen", "payload": "/oefenen"},
    {"title": "🏠 Taalhuis", "payload": "/taalhuis_info"},
    {"title": "❓ Hulp", "payload": "/hulp"},
]


@pytest.fixture(scope="module")
def domain() -> dict[str, Any]:
    """The real domain, as Rasa hands it to an action server."""
    from rasa.shared.core.domain import Domain

    return Domain.load(str(PROJECT_ROOT / "domain.yml")).as_dict()


@pytest.fixture
def deps(engine: Engine) -> ActionDeps:
    sessions = make_sessionmaker(engine)
    return ActionDeps(Users(sessions), Analytics(sessions, "test-secret"))


# --- building trackers -------------------------------------------------------------------


def user(text: str, intent: str, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    parse_data = {
        "intent": {"name": intent, "confidence": 0.97},
        "entities": [],
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


async def run(action_: Any, events: list[dict[str, Any]], domain: dict[str, Any], **kw: Any):
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
    ("replay", "voice"), [(ActionHerhalen, "normal"), (ActionLangzamer, "slow")]
)
async def test_replay_says_the_previous_turn_again(
    replay: type, voice: str, domain: dict[str, Any]
) -> None:
    events = [
        *SESSION_START,
        *turn("open?", "openingstijden", ("utter_openingstijden", bot("Open op maandag."))),
        *WELKOM_TURN,
        user("nog eens", "herhalen"),
    ]
    result, messages = await run(replay(), events, domain)
    assert result == []
    assert messages == [
        message("Hoi! Fijn dat je er bent. 👋", custom={"voice": voice}),
        message("Wat wil je doen?", buttons=MENU_BUTTONS, custom={"voice": voice}),
    ]


async def test_replay_of_a_replay_says_the_same_again(domain: dict[str, Any]) -> None:
    """'Nog eens' twice, then 'langzamer': the learner keeps hearing the same message."""
    events = [
        *SESSION_START,
        *WELKOM_TURN,
        user("nog eens", "herhalen"),
        action("action_herhalen"),
        bot("Hoi! Fijn dat je er bent. 👋", None, voice="normal"),
        bot("Wat wil je doen?", MENU_BUTTONS, voice="normal"),
        action("action_listen"),
        user("langzamer", "langzamer"),
    ]
    result, messages = await run(ActionLangzamer(), events, domain)
    assert result == []
    assert messages == [
        message("Hoi! Fijn dat je er bent. 👋", custom={"voice": "slow"}),
        message("Wat wil je doen?", buttons=MENU_BUTTONS, custom={"voice": "slow"}),
    ]


async def test_replay_skips_messages_without_text(domain: dict[str, Any]) -> None:
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
    _, messages = await run(ActionHerhalen(), events, domain)
    assert messages == [message("Open op maandag.", custom={"voice": "normal"})]


@pytest.mark.parametrize("replay", [ActionHerhalen, ActionLangzamer])
async def test_replay_with_nothing_said_before_shows_the_menu(
    replay: type, domain: dict[str, Any]
) -> None:
    events = [*SESSION_START, user("nog eens", "herhalen")]
    result, messages = await run(replay(), events, domain)
    assert result == []
    assert messages == [message(template="utter_menu", response="utter_menu")]


async def test_replay_after_a_silent_turn_shows_the_menu(domain: dict[str, Any]) -> None:
    """The turn before said nothing (it only stopped): there is nothing to repeat."""
    events = [
        *SESSION_START,
        *WELKOM_TURN,
        user("stop", "stoppen"),
        action("action_stoppen"),
        action("action_listen"),
        user("nog eens", "herhalen"),
    ]
    _, messages = await run(ActionHerhalen(), events, domain)
    assert messages == [message(template="utter_menu", response="utter_menu")]


# --- action_stoppen ----------------------------------------------------------------------


async def test_stoppen_ends_any_form_and_says_nothing(domain: dict[str, Any]) -> None:
    events = [*SESSION_START, user("stop", "stoppen")]
    result, messages = await run(ActionStoppen(), events, domain)
    # No forms in the domain yet, so no requested_slot to clear.
    assert result == [{"event": "active_loop", "name": None, "timestamp": None}]
    assert messages == []


async def test_stoppen_clears_the_requested_slot_once_forms_exist(domain: dict[str, Any]) -> None:
    events = [*SESSION_START, user("stop", "stoppen")]
    with_forms = {**domain, "slots": {**domain["slots"], "requested_slot": {"type": "any"}}}
    result, _ = await run(ActionStoppen(), events, with_forms)
    assert result == [
        {"event": "active_loop", "name": None, "timestamp": None},
        slot("requested_slot", None),
    ]


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


async def test_voortgang_counts_this_learners_messages(deps: ActionDeps, domain: dict) -> None:
    deps.analytics.record([(SENDER, "groet", 0.9, "action_welkom")] * 3)
    deps.analytics.record([("777", "groet", 0.9, "action_welkom")] * 5)
    result, messages = await run(ActionVoortgang(deps), [user("hoe gaat het", "voortgang")], domain)
    # Three earlier messages, and this question itself.
    assert (result, messages) == ([slot("aantal_gesprekken", 4)], [])


async def test_voortgang_for_a_new_learner_counts_this_message(
    deps: ActionDeps, domain: dict
) -> None:
    result, _ = await run(ActionVoortgang(deps), [user("hoe gaat het", "voortgang")], domain)
    assert result == [slot("aantal_gesprekken", 1)]


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
