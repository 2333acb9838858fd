"""Erasing a learner's data ("vergeet mij")."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.deps import CONTROL_KEY


class ActionGegevensWissen(Action):
    """Ask the dialogue layer to erase everything once this turn is stored.

    The conversation itself is only complete after Rasa saves this turn, so the actual
    deletion (profile, statistics, conversation) happens right after, in one place.
    """

    def name(self) -> str:
        return "action_gegevens_wissen"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(json_message={CONTROL_KEY: "erase"})
        return []
