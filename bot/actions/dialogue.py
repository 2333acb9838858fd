"""Conversation control: the welcome, "nog eens", "langzamer" and "stop"."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.deps import ActionDeps, telegram_id


class ActionWelkom(Action):
    """Decide between the full introduction and a short hello.

    The introduction (a computer, how to reach a person, what is stored) is due on the
    first contact and whenever the learner sends /start.
    """

    def __init__(self, deps: ActionDeps) -> None:
        self.deps = deps

    def name(self) -> str:
        return "action_welkom"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        metadata = tracker.latest_message.get("metadata") or {}
        user_id = telegram_id(tracker)
        seen = False
        if user_id is not None:
            prefs = self.deps.users.get_or_create(user_id)
            seen = prefs.privacy_seen
            if not seen:
                self.deps.users.set_flags(user_id, privacy_seen=True)
        return [SlotSet("intro_nodig", metadata.get("command") == "start" or not seen)]


def last_bot_turn(tracker: Tracker) -> list[dict[str, Any]]:
    """The bot messages of the turn before this one (what "nog eens" should repeat)."""
    events = tracker.events
    index = len(events) - 1
    while index >= 0 and events[index].get("event") != "user":
        index -= 1
    index -= 1  # skip this turn's own "nog eens"
    messages: list[dict[str, Any]] = []
    while index >= 0 and events[index].get("event") != "user":
        event = events[index]
        if event.get("event") == "bot" and event.get("text"):
            messages.append(event)
        index -= 1
    return list(reversed(messages))


class _Replay(Action):
    """Say the previous turn again; "langzamer" asks for the slow voice.

    "Nog eens" keeps the learner's own speed (slow for newcomers). The previous messages'
    custom data (what to speak, the picture) is kept, so a listening question is heard again.
    """

    speed: str | None = None

    def __init__(self, deps: ActionDeps) -> None:
        self.deps = deps

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        previous = last_bot_turn(tracker)
        if not previous:
            dispatcher.utter_message(response="utter_menu")
            return []
        user_id = telegram_id(tracker)
        if user_id is not None:
            self.deps.practice.note_replay(user_id, slow=self.speed == "slow")
        for message in previous:
            data = message.get("data") or {}
            custom = dict(data.get("custom") or {})
            if self.speed:
                custom["voice"] = self.speed
            dispatcher.utter_message(
                text=message["text"], buttons=data.get("buttons") or [], json_message=custom
            )
        return []


class ActionHerhalen(_Replay):
    def name(self) -> str:
        return "action_herhalen"


class ActionLangzamer(_Replay):
    speed = "slow"

    def name(self) -> str:
        return "action_langzamer"


class ActionStoppen(Action):
    """End whatever is going on, at once (a practice round too); nothing else is asked."""

    def __init__(self, deps: ActionDeps) -> None:
        self.deps = deps

    def name(self) -> str:
        return "action_stoppen"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        user_id = telegram_id(tracker)
        if user_id is not None:
            self.deps.practice.close(user_id)
        # A form's open question closes too (Rasa adds requested_slot itself): a later
        # message must not be taken as its answer.
        return [ActiveLoop(None), SlotSet("requested_slot", None)]
