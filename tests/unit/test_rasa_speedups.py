"""The Rasa speed-ups must change nothing but speed: same events, same errors, same graphs."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)

from bot.dialogue.graph_runner import SequentialGraphRunner


def test_events_resolve_to_their_classes():
    for cls in (UserUttered, BotUttered, SlotSet, ActionExecuted, SessionStarted):
        assert Event.resolve_by_type(cls.type_name) is cls


def test_a_new_event_class_is_found_after_first_use():
    Event.resolve_by_type("user")

    class LateEvent(SlotSet):
        type_name = "taalmaatje_late_event"

    assert Event.resolve_by_type("taalmaatje_late_event") is LateEvent


def test_unknown_event_names_behave_as_in_rasa():
    with pytest.raises(ValueError, match="Unknown event name 'nonsense'"):
        Event.resolve_by_type("nonsense")
    assert Event.resolve_by_type("nonsense", default=SlotSet) is SlotSet
    assert Event.resolve_by_type("topic") is None


def test_round_trip_of_a_conversation():
    events = [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        SlotSet("geluid", False),
        UserUttered("hoi", intent={"name": "groet", "confidence": 0.9}),
        BotUttered("Hoi!", {"buttons": [{"title": "Ja", "payload": "/bevestigen"}]}),
    ]
    assert [Event.from_parameters(e.as_dict()) for e in events] == events


def test_action_results_are_still_validated():
    action = RemoteAction("action_welkom", None)
    assert action._validate_action_result({"events": [], "responses": []})
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"no_event_key": 1}], "responses": []})


def test_the_prediction_graph_gives_dasks_results(model_path, tmp_path):
    """Both runners, on the project's real model, parse and predict the same."""
    from rasa.core.channels.channel import UserMessage
    from rasa.core.processor import MessageProcessor
    from rasa.engine import loader
    from rasa.engine.storage.local_model_storage import LocalModelStorage

    runners = {}
    for name, runner_class in (("dask", DaskGraphRunner), ("sequential", SequentialGraphRunner)):
        # An existing folder, as Rasa's processor gives it (into a missing one, Rasa's
        # LocalModelStorage unpacks the featurizers wrongly, whichever runner is used).
        storage = tmp_path / name
        storage.mkdir()
        _, runners[name] = loader.load_predict_graph_runner(
            storage, model_path, LocalModelStorage, runner_class
        )
    assert MessageProcessor  # the class the speed-up substitutes the runner in
    for text in ("hallo", "wanneer isse open", "vergeet mij", "🙏", "asdfgh"):
        results = []
        for runner in runners.values():
            output = runner.run(
                inputs={"__message__": [UserMessage(text)]}, targets=["run_RegexMessageHandler"]
            )
            parsed = output["run_RegexMessageHandler"][0]
            results.append((parsed.get("intent"), parsed.get("intent_ranking")))
        assert results[0] == results[1], text


def test_slot_copies_are_shallow_copies_as_before():
    import copy

    from rasa.shared.core.slots import BooleanSlot, CategoricalSlot

    for slot in (
        BooleanSlot("geluid", mappings=[{"type": "custom"}], initial_value=True),
        CategoricalSlot("profiel", mappings=[{"type": "custom"}], values=["nt1", "nt2"]),
    ):
        slot.value = slot.initial_value
        twin = copy.copy(slot)
        assert type(twin) is type(slot) and twin is not slot
        assert twin.__dict__ == slot.__dict__
        twin.value = False
        assert slot.value == slot.initial_value, "changing the copy leaves the original"
