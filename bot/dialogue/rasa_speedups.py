"""Two fixes for Rasa 3.6 hot paths, applied once by ``rasa_env.prepare``; behaviour is unchanged.

- ``Event.resolve_by_type`` walks every subclass of Event, recursively, for every event it
  deserialises: about 80 µs an event, so a tracker of 100 events cost 8 ms a turn. A dict from
  type name to class, rebuilt only when a name is missing, gives the same answers.
- ``RemoteAction._validate_action_result`` calls ``jsonschema.validate``, which checks the
  schema itself against the meta-schema every time: about 50 ms per custom action. A
  validator built once validates the same way, with the same error message.
- The prediction graph runs through dask's scheduler at about 1 ms a run, three or four runs
  a turn; ``SequentialGraphRunner`` gives the same results without it.
- Every tracker copy (RulePolicy makes about ten a turn) shallow-copies each slot through
  ``copy.copy``'s generic ``__reduce_ex__`` path; ``Slot.__copy__`` makes the same shallow
  copy of the instance dict directly.
"""

from __future__ import annotations

from typing import Any

_applied = False


def apply() -> None:
    global _applied
    if _applied:
        return
    _patch_event_resolution()
    _patch_action_validation()
    _patch_graph_runner()
    _patch_slot_copy()
    _applied = True


def _patch_event_resolution() -> None:
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    classes: dict[str, type[Event]] = {}

    def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
        found = classes.get(type_name)
        if found is None:
            # A class defined since the last scan (or an unknown name): scan again.
            classes.clear()
            for cls in all_subclasses(Event):
                classes.setdefault(cls.type_name, cls)
            found = classes.get(type_name)
        if found is not None:
            return found
        if type_name == "topic":
            return None  # Rasa's backwards compatibility for old TopicSet events
        if default is not None:
            return default
        raise ValueError(f"Unknown event name '{type_name}'.")

    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]


def _patch_action_validation() -> None:
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    validators: dict[int, Any] = {}

    def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        schema = self.action_response_format_spec()
        key = id(type(self))
        validator = validators.get(key)
        if validator is None:
            validator_class = validator_for(schema)
            validator_class.check_schema(schema)
            validator = validators[key] = validator_class(schema)
        try:
            validator.validate(result)
            return True
        except ValidationError as error:
            error.message += (
                ". Failed to validate Action server response from API, "
                "make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
            )
            raise

    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]


def _patch_graph_runner() -> None:
    import rasa.core.processor

    from bot.dialogue.graph_runner import SequentialGraphRunner

    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner  # type: ignore[misc]


def _patch_slot_copy() -> None:
    from rasa.shared.core.slots import Slot

    def shallow_copy(self: Slot) -> Slot:
        new = self.__class__.__new__(self.__class__)
        new.__dict__.update(self.__dict__)
        return new

    Slot.__copy__ = shallow_copy  # type: ignore[attr-defined]
