"""The learner's settings: sound ("geluid aan/uit"), the communication profile, the intake.

Stored in the users table, so the channel honours them on every message.
"""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.deps import ActionDeps, telegram_id
from bot.actions.practice import PRACTICE, entity
from bot.practice.service import answer_payload


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


def instellingen_payload(**entities: str) -> str:
    return "/instellingen" + json.dumps(entities, separators=(",", ":"))


def ask_profile(deps: ActionDeps, dispatcher: CollectingDispatcher) -> None:
    """How do you want to practise? One button per profile, and "later"."""
    profiles = deps.profiles.by_id.values()
    buttons = [
        {"title": profile.button, "payload": instellingen_payload(profiel=profile.id)}
        for profile in profiles
    ]
    later = deps.practice.texts.labels["profiel_later"]
    buttons.append({"title": later, "payload": instellingen_payload(keuze="later")})
    dispatcher.utter_message(response="utter_vraag_profiel", buttons=buttons, json_message=PRACTICE)


class ActionIntake(Action):
    """After the first welcome: ask how the learner wants to practise, once."""

    def __init__(self, deps: ActionDeps) -> None:
        self.deps = deps

    def name(self) -> str:
        return "action_intake"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        user_id = telegram_id(tracker)
        prefs = self.deps.users.get(user_id) if user_id is not None else None
        if user_id is None or (prefs is not None and prefs.intake_done):
            dispatcher.utter_message(response="utter_menu")
        else:
            ask_profile(self.deps, dispatcher)
        return []


class ActionInstellingen(Action):
    """The settings menu, and what its buttons choose: a profile, "later", the profile question."""

    def __init__(self, deps: ActionDeps) -> None:
        self.deps = deps

    def name(self) -> str:
        return "action_instellingen"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        user_id = telegram_id(tracker)
        if user_id is None:
            dispatcher.utter_message(response="utter_niet_begrepen")
            return []
        prefs = self.deps.users.get_or_create(user_id)
        chosen, keuze = entity(tracker, "profiel"), entity(tracker, "keuze")
        labels = self.deps.practice.texts.labels
        if chosen in self.deps.profiles.by_id:
            profile = self.deps.profiles.by_id[chosen]
            self.deps.users.set_flags(
                user_id, profile=profile.id, voice_on=profile.voice, intake_done=True
            )
            self.deps.analytics.set_profile(user_id, profile.id)
            # Rasa picks a response variation before this action's slot events apply, so the
            # confirmation is one response per profile rather than a variation on `profiel`.
            dispatcher.utter_message(response=f"utter_profiel_{profile.id}")
            if not profile.listening:
                dispatcher.utter_message(
                    response="utter_gebarentaal_aanbod",
                    buttons=[{"title": labels["gebarentaal"], "payload": "/gebarentaal"}],
                )
            if not prefs.intake_done:
                typed = self.deps.practice.texts.typed
                buttons = [
                    {
                        "title": labels["toets"],
                        "payload": answer_payload("toets"),
                        "woorden": typed["verder"],
                        "betekent": "ja",
                    },
                    {
                        "title": labels["overslaan"],
                        "payload": answer_payload("overslaan"),
                        "woorden": typed["later"],
                        "betekent": "nee",
                    },
                ]
                dispatcher.utter_message(
                    response="utter_vraag_toets", buttons=buttons, json_message=PRACTICE
                )
            else:
                dispatcher.utter_message(response="utter_menu")
            return [SlotSet("profiel", profile.id), SlotSet("geluid", profile.voice)]
        if keuze == "later":
            # No profile is imposed: the defaults stay (sound, pictures, normal speed) and
            # the question comes back with the next introduction (/start).
            dispatcher.utter_message(response="utter_profiel_later")
            dispatcher.utter_message(response="utter_menu")
            return []
        if keuze == "profiel":
            ask_profile(self.deps, dispatcher)
            return []
        sound = ("geluid_uit", "/geluid_uit") if prefs.voice_on else ("geluid_aan", "/geluid_aan")
        buttons = [
            {
                "title": labels["instellingen_profiel"],
                "payload": instellingen_payload(keuze="profiel"),
            },
            {"title": labels["instellingen_niveau"], "payload": answer_payload("toets")},
            {"title": labels[sound[0]], "payload": sound[1]},
        ]
        dispatcher.utter_message(
            response="utter_instellingen", buttons=buttons, json_message=PRACTICE
        )
        return []
