"""Custom actions run in-process: the endpoint alone, and under Rasa's own RemoteAction.

RemoteAction is what Rasa calls for every custom action, so these tests cover the whole
path a turn takes (tracker serialised by Rasa, run by rasa_sdk, answer turned back into
Rasa events), without HTTP.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import ClientResponseError
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher
from rasa_sdk.interfaces import ActionExecutionRejection
from sqlalchemy.engine import Engine

from bot.actions import ActionDeps, build_executor
from bot.dialogue.inprocess import InProcessActionEndpoint
from bot.settings import PROJECT_ROOT
from tests.conftest import make_action_deps

SENDER = "4242"
MENU_BUTTONS = [
    {"title": "📚 Oefenen", "payload": "/oefenen"},
    {"title": "⭐ Hoe gaat het?", "payload": "/voortgang"},
    {"title": "🏠 Taalhuis", "payload": "/taalhuis_info"},
    {"title": "❓ Hulp", "payload": "/hulp"},
]


class ActionKiesDag(Action):
    """A form validation that refuses, as rasa_sdk's FormValidationAction can."""

    def name(self) -> str:
        return "action_kies_dag"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        raise ActionExecutionRejection(self.name(), "geen dag gekozen")


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


@pytest.fixture
def deps(engine: Engine) -> ActionDeps:
    return make_action_deps(engine)


@pytest.fixture
def executor(deps: ActionDeps) -> ActionExecutor:
    executor = build_executor(deps)
    executor.register_action(ActionKiesDag())
    return executor


@pytest.fixture
def endpoint(executor: ActionExecutor) -> InProcessActionEndpoint:
    return InProcessActionEndpoint(executor)


def rasa_tracker(domain: Domain, *events: Event) -> DialogueStateTracker:
    tracker = DialogueStateTracker(SENDER, domain.slots)
    base = [ActionExecuted("action_session_start"), SessionStarted()]
    for event in [*base, ActionExecuted("action_listen"), *events]:
        tracker.update(event, domain)
    return tracker


def said(text: str, intent: str, **metadata: Any) -> UserUttered:
    return UserUttered(text, {"name": intent, "confidence": 0.97}, metadata=metadata)


async def run_action(
    name: str, endpoint: InProcessActionEndpoint, domain: Domain, *events: Event
) -> list[Event]:
    """Run a custom action exactly as Rasa's processor does."""
    tracker = rasa_tracker(domain, *events)
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    return await RemoteAction(name, endpoint).run(CollectingOutputChannel(), nlg, tracker, domain)


def action_call(name: str, domain: Domain, *events: Event) -> dict[str, Any]:
    return RemoteAction(name, None)._action_call_format(rasa_tracker(domain, *events), domain)


# --- the endpoint ------------------------------------------------------------------------


async def test_request_returns_the_executors_answer(
    endpoint: InProcessActionEndpoint, deps: ActionDeps, domain: Domain
) -> None:
    payload = action_call("action_geluid_uit", domain, said("geen geluid", "geluid_uit"))
    reply = await endpoint.request(json=payload, method="post", timeout=10, compress=False)
    assert reply == {
        "events": [{"event": "slot", "timestamp": None, "name": "geluid", "value": False}],
        "responses": [],
    }
    prefs = deps.users.get(int(SENDER))
    assert prefs is not None and prefs.voice_on is False


async def test_unknown_action_is_a_404(endpoint: InProcessActionEndpoint, domain: Domain) -> None:
    payload = action_call("action_bestaat_niet", domain, said("hallo", "groet"))
    with pytest.raises(ClientResponseError) as caught:
        await endpoint.request(json=payload, method="post")
    assert caught.value.status == 404
    assert json.loads(caught.value.text)["action_name"] == "action_bestaat_niet"


async def test_rejected_action_is_a_400_naming_the_action(
    endpoint: InProcessActionEndpoint, domain: Domain
) -> None:
    payload = action_call("action_kies_dag", domain, said("morgen", "afspraak_maken"))
    with pytest.raises(ClientResponseError) as caught:
        await endpoint.request(json=payload, method="post")
    assert caught.value.status == 400
    assert json.loads(caught.value.text) == {
        "error": "geen dag gekozen",
        "action_name": "action_kies_dag",
    }


async def test_copy_keeps_running_the_same_actions(
    endpoint: InProcessActionEndpoint, executor: ActionExecutor, domain: Domain
) -> None:
    copy = endpoint.copy()
    assert isinstance(copy, InProcessActionEndpoint)
    assert copy.executor is executor
    payload = action_call("action_stoppen", domain, said("stop", "stoppen"))
    assert await copy.request(json=payload) == await endpoint.request(json=payload)


# --- under Rasa's RemoteAction -----------------------------------------------------------


async def test_remote_action_turns_slot_events_into_rasa_events(
    endpoint: InProcessActionEndpoint, domain: Domain
) -> None:
    events = await run_action("action_geluid_aan", endpoint, domain, said("geluid", "geluid_aan"))
    assert events == [SlotSet("geluid", True)]


async def test_start_command_metadata_reaches_the_welcome(
    endpoint: InProcessActionEndpoint, domain: Domain, deps: ActionDeps
) -> None:
    """The channel marks /start in the message metadata; Rasa must pass it on to the action."""
    deps.users.set_flags(int(SENDER), privacy_seen=True)
    plain = await run_action("action_welkom", endpoint, domain, said("hallo", "groet"))
    start = await run_action(
        "action_welkom", endpoint, domain, said("/start", "groet", command="start")
    )
    assert plain == [SlotSet("intro_nodig", False)]
    assert start == [SlotSet("intro_nodig", True)]


async def test_replay_through_rasa_keeps_buttons_and_marks_the_speed(
    endpoint: InProcessActionEndpoint, domain: Domain
) -> None:
    previous_turn = [
        said("hallo", "groet"),
        ActionExecuted("utter_groet"),
        BotUttered("Hoi! Fijn dat je er bent. 👋", {"buttons": None}),
        ActionExecuted("utter_menu"),
        BotUttered("Wat wil je doen?", {"buttons": MENU_BUTTONS}),
        ActionExecuted("action_listen"),
    ]
    events = await run_action(
        "action_langzamer", endpoint, domain, *previous_turn, said("langzamer", "langzamer")
    )
    assert [(e.text, e.data["buttons"], e.data["custom"]) for e in events] == [
        ("Hoi! Fijn dat je er bent. 👋", None, {"voice": "slow"}),
        ("Wat wil je doen?", MENU_BUTTONS, {"voice": "slow"}),
    ]
    assert all(isinstance(event, BotUttered) for event in events)


async def test_replay_with_nothing_before_shows_the_domains_menu(
    endpoint: InProcessActionEndpoint, domain: Domain
) -> None:
    events = await run_action("action_herhalen", endpoint, domain, said("nog eens", "herhalen"))
    assert len(events) == 1
    assert isinstance(events[0], BotUttered)
    assert events[0].text == "Wat wil je doen?"
    assert events[0].data["buttons"] == MENU_BUTTONS


async def test_erase_request_reaches_rasa_as_custom_data(
    endpoint: InProcessActionEndpoint, domain: Domain
) -> None:
    events = await run_action("action_gegevens_wissen", endpoint, domain, said("ja", "bevestigen"))
    assert len(events) == 1
    assert events[0].text is None
    assert events[0].data["custom"] == {"taalmaatje": "erase"}


async def test_rejection_reaches_rasa_as_a_rejection(
    endpoint: InProcessActionEndpoint, domain: Domain
) -> None:
    """Rasa's forms rely on this: a rejected validation lets another policy take over."""
    from rasa.core.actions.action import ActionExecutionRejection as RasaRejection

    with pytest.raises(RasaRejection) as caught:
        await run_action("action_kies_dag", endpoint, domain, said("morgen", "afspraak_maken"))
    assert caught.value.action_name == "action_kies_dag"


async def test_unknown_action_fails_the_turn_loudly(
    endpoint: InProcessActionEndpoint, domain: Domain
) -> None:
    with pytest.raises(RasaException, match="action_bestaat_niet"):
        await run_action("action_bestaat_niet", endpoint, domain, said("hallo", "groet"))


async def test_stoppen_logs_no_error(
    endpoint: InProcessActionEndpoint, domain: Domain, caplog: pytest.LogCaptureFixture
) -> None:
    tracker = rasa_tracker(domain, said("stop", "stoppen"))
    events = await run_action("action_stoppen", endpoint, domain, said("stop", "stoppen"))
    with caplog.at_level(logging.WARNING):
        for event in events:
            tracker.update(event, domain)
    assert tracker.active_loop_name is None
    assert [record.getMessage() for record in caplog.records] == []
