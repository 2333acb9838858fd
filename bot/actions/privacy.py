"""What the bot knows about a learner ("wat weet je van mij?"), and erasing it ("vergeet mij")."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.afspraak.common import as_utc
from bot.actions.deps import CONTROL_KEY, ActionDeps, telegram_id
from bot.choices.words import without_symbols
from bot.content import load_summary_texts
from bot.taalhuis.organisation import TIMEZONE


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


class ActionGegevensInzien(Action):
    """ "Wat weet je van mij?": a short list of what is stored about this learner, then the
    offer to erase it ("vergeet mij")."""

    def __init__(self, deps: ActionDeps) -> None:
        self.deps = deps

    def name(self) -> str:
        return "action_gegevens_inzien"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        texts = load_summary_texts()
        user_id = telegram_id(tracker)
        lines = self.lines(user_id, texts.lines) if user_id is not None else []
        dispatcher.utter_message(response="utter_inzien", lijst="\n".join(lines))
        dispatcher.utter_message(
            response="utter_inzien_wissen",
            buttons=[
                {"title": texts.buttons["wissen"], "payload": "/gegevens_wissen", "betekent": "ja"},
                {"title": texts.buttons["bewaren"], "payload": "/ontkennen", "betekent": "nee"},
            ],
        )
        return []

    def lines(self, user_id: int, lines: dict[str, str]) -> list[str]:
        deps = self.deps
        found = [lines["nummer"]]
        prefs = deps.users.get(user_id)
        if prefs is not None and prefs.intake_done:
            profile = deps.profiles.get(prefs.profile)
            found.append(lines["profiel"].format(profiel=without_symbols(profile.button)))
        else:
            found.append(lines["geen_profiel"])
        if prefs is not None:
            found.append(lines["geluid_aan" if prefs.voice_on else "geluid_uit"])
        if deps.users.wants_reminders(user_id):
            found.append(lines["herinnering"])
        appointment = deps.appointments.active(user_id, deps.clock())
        if appointment is not None:
            location = deps.organisation.locations.get(appointment.location_id)
            local = as_utc(appointment.starts_at).astimezone(TIMEZONE)
            labels = deps.taalhuis_labels
            today = deps.clock().astimezone(TIMEZONE).date()
            found.append(
                lines["afspraak"].format(
                    wanneer=labels.day_word(local.date(), today).removeprefix("op "),
                    tijd=f"{local:%H:%M}",
                    plaats=location.town if location else appointment.location_id,
                )
            )
            if appointment.phone:
                found.append(lines["telefoon"])
        done, right = deps.practice.store.answered(user_id)
        if done:
            found.append(lines["oefeningen"].format(geoefend=done, goed=right))
            levels = deps.practice.store.theme_levels(user_id)
            if levels:
                found.append(lines["niveaus"].format(aantal=len(levels)))
        else:
            found.append(lines["geen_oefeningen"])
        if deps.buddies is not None:
            pairing = deps.buddies.pairing_of_learner(user_id)
            if pairing is not None:
                found.append(lines["maatje"].format(naam=pairing.buddy_name))
            if deps.buddies.buddy(user_id) is not None:
                found.append(lines["ben_maatje"])
        found.append(lines["berichten"])
        return found


class ActionMaatje(Action):
    """The buddy intents (maatje_menu, maatje_stoppen): the channel's buddy side answers,
    because what it says and sends involves two people and the outbox."""

    def name(self) -> str:
        return "action_maatje"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name") or "maatje_menu"
        dispatcher.utter_message(json_message={CONTROL_KEY: intent})
        return []
