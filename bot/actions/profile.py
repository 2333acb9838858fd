"""The learner's sound preference ("geluid aan/uit"), stored so the channel honours it."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.deps import ActionDeps, telegram_id


class _SetVoice(Action):
    voice_on = True

    def __init__(self, deps: ActionDeps) -> None:
        self.deps = deps

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        user_id = telegram_id(tracker)
        if user_id is not None:
            self.deps.users.set_flags(user_id, voice_on=self.voice_on)
        return [SlotSet("geluid", self.voice_on)]


class ActionGeluidUit(_SetVoice):
    voice_on = False

    def name(self) -> str:
        return "action_geluid_uit"


class ActionGeluidAan(_SetVoice):
    voice_on = True

    def name(self) -> str:
        return "action_geluid_aan"
