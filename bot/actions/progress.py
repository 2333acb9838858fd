"""Progress ("voortgang"): for now, how often the learner asked the bot something."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.deps import ActionDeps


class ActionVoortgang(Action):
    def __init__(self, deps: ActionDeps) -> None:
        self.deps = deps

    def name(self) -> str:
        return "action_voortgang"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        count = self.deps.analytics.count_turns(tracker.sender_id)
        return [SlotSet("aantal_gesprekken", count + 1)]
