"""Practice rounds in the dialogue: "oefenen" and every answer button go through here.

Thin: bot/practice decides what happens; this turns its Step into responses from the domain,
with the answer buttons and what the channel must speak.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.deps import ActionDeps, telegram_id
from bot.practice.exercises import Choice, Exercise, built_text
from bot.practice.service import Step, answer_payload, theme_payload
from bot.practice.texts import PracticeTexts
from bot.tone.profiles import Profile

# Marks a practice message (its exercise's buttons).
PRACTICE = {"oefening": True}


def entity(tracker: Tracker, name: str) -> str | None:
    value = next(tracker.get_latest_entity_values(name), None)
    return str(value) if value is not None else None


def answer_button(choice: Choice, keuze: str) -> dict[str, Any]:
    """An answer button; its words let a typed answer stand for it ("brood" for 🍞)."""
    return {"title": choice.label, "payload": answer_payload(keuze), "woorden": [choice.match]}


def typed_button(texts: PracticeTexts, label: str, payload: str, meaning: str) -> dict[str, Any]:
    """A button with the words a learner may type for it (bot/content/practice.yml), and
    whether it is the question's yes or no."""
    return {
        "title": texts.labels[label],
        "payload": payload,
        "woorden": list(texts.typed[label]),
        "betekent": meaning,
    }


def profile_of(deps: ActionDeps, user_id: int | None) -> Profile:
    """The learner's profile; with the sound off, no listening exercises either."""
    prefs = deps.users.get(user_id) if user_id is not None else None
    profile = deps.profiles.get(prefs.profile if prefs and prefs.intake_done else None)
    if prefs is not None and not prefs.voice_on and profile.listening:
        return dataclasses.replace(profile, listening=False)
    return profile


class ActionOefenen(Action):
    def __init__(self, deps: ActionDeps) -> None:
        self.deps = deps

    def name(self) -> str:
        return "action_oefenen"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        user_id = telegram_id(tracker)
        if user_id is None:
            dispatcher.utter_message(response="utter_niet_begrepen")
            return []
        practice = self.deps.practice
        profile = profile_of(self.deps, user_id)
        keuze, thema = entity(tracker, "keuze"), entity(tracker, "thema")
        events: list[dict[str, Any]] = []
        if keuze == "later":
            practice.close(user_id)
            dispatcher.utter_message(response="utter_oef_later")
            dispatcher.utter_message(response="utter_menu")
            return events
        if keuze == "overslaan":
            self.deps.users.set_flags(user_id, intake_done=True)
            dispatcher.utter_message(
                response="utter_toets_overgeslagen", niveau=profile.start_level
            )
            self.choose_theme(dispatcher, user_id, profile)
            return events
        if keuze == "toets":
            step = practice.start_check(user_id, profile)
        elif keuze == "verder":
            step = practice.continue_round(user_id, profile) or Step(stale=True)
        elif keuze is not None:
            step = practice.answer(user_id, keuze, profile)
        elif thema in practice.bank.themes:
            step = practice.start_round(user_id, thema, profile)
        else:
            self.choose_theme(dispatcher, user_id, profile)
            return events
        self.say(dispatcher, user_id, step, profile)
        if step.check_level is not None:
            self.deps.users.set_flags(user_id, intake_done=True)
        return events

    def say(
        self, dispatcher: CollectingDispatcher, user_id: int, step: Step, profile: Profile
    ) -> None:
        if step.stale:
            if step.exercise is None and step.building is None:
                dispatcher.utter_message(response="utter_oef_geen_vraag")
                self.choose_theme(dispatcher, user_id, profile)
                return
            dispatcher.utter_message(response="utter_oef_oude_vraag", json_message=PRACTICE)
        if step.correct is not None:
            response = "utter_oef_goed" if step.correct else "utter_oef_fout"
            # The right answer may be a picture: the channel keeps its emoji for every profile.
            dispatcher.utter_message(
                response=response, juist=step.right, json_message={**PRACTICE, "beeld": True}
            )
        if step.building is not None:
            self.show_building(dispatcher, step.building)
        if step.exercise is not None:
            self.show(dispatcher, step.exercise)
        if step.round_end is not None:
            right, total = step.round_end
            dispatcher.utter_message(
                response="utter_oef_ronde_klaar", goed=right, totaal=total, json_message=PRACTICE
            )
            if step.level_change > 0:
                dispatcher.utter_message(response="utter_oef_niveau_omhoog", niveau=step.level)
            elif step.level_change < 0:
                dispatcher.utter_message(response="utter_oef_niveau_omlaag", niveau=step.level)
            texts = self.deps.practice.texts
            labels = texts.labels
            dispatcher.utter_message(
                response="utter_oef_nog_een_ronde",
                buttons=[
                    typed_button(texts, "verder", answer_payload("verder"), "ja"),
                    {"title": labels["ander_thema"], "payload": "/oefenen"},
                    typed_button(texts, "later", answer_payload("later"), "nee"),
                    {"title": labels["stoppen"], "payload": "/stoppen"},
                ],
                json_message=PRACTICE,
            )
        if step.check_level is not None:
            dispatcher.utter_message(response="utter_toets_klaar", niveau=step.check_level)
            self.choose_theme(dispatcher, user_id, profile)

    def show(self, dispatcher: CollectingDispatcher, exercise: Exercise) -> None:
        """One question: the prompt (with what to speak), and the answer buttons."""
        buttons = [
            answer_button(choice, f"{exercise.seq}:{index}")
            for index, choice in enumerate(exercise.choices)
        ]
        fields = exercise.fields
        if exercise.kind == "luisteren" and exercise.level == 3:
            # Hear the story first (not shown), then read and hear the question.
            dispatcher.utter_message(
                response="utter_oef_luisteren_3",
                json_message={**PRACTICE, "say_after": exercise.speak},
            )
            dispatcher.utter_message(
                response="utter_oef_vraag", buttons=buttons, json_message=PRACTICE, **fields
            )
            return
        if exercise.kind == "luisteren":
            response = f"utter_oef_luisteren_{exercise.level}"
            custom = {**PRACTICE, "say_after": exercise.speak}
        elif exercise.kind == "lezen":
            response, custom = f"utter_oef_lezen_{exercise.level}", PRACTICE
        else:
            response, custom = f"utter_oef_{exercise.kind}", PRACTICE
        dispatcher.utter_message(response=response, buttons=buttons, json_message=custom, **fields)

    def show_building(self, dispatcher: CollectingDispatcher, exercise: Exercise) -> None:
        """A sentence being built: the words so far, the words left, and "start again"."""
        buttons = [
            answer_button(choice, f"{exercise.seq}:{index}")
            for index, choice in enumerate(exercise.choices)
            if index not in exercise.built
        ]
        if exercise.built:
            buttons.append(
                {
                    "title": self.deps.practice.texts.labels["opnieuw"],
                    "payload": answer_payload(f"{exercise.seq}:r"),
                }
            )
            dispatcher.utter_message(
                response="utter_oef_volgorde_bezig",
                zin=built_text(exercise),
                buttons=buttons,
                json_message=PRACTICE,
            )
        else:
            dispatcher.utter_message(
                response="utter_oef_volgorde", buttons=buttons, json_message=PRACTICE
            )

    def choose_theme(
        self, dispatcher: CollectingDispatcher, user_id: int, profile: Profile
    ) -> None:
        themes = self.deps.practice.themes(profile)
        dispatcher.utter_message(
            response="utter_oef_kies_thema",
            buttons=[
                {"title": f"{theme.picture} {theme.name}", "payload": theme_payload(theme.id)}
                for theme in themes
            ],
            json_message=PRACTICE,
        )


class ActionVoortgang(Action):
    """A short spoken summary and the progress picture (the channel draws it)."""

    def __init__(self, deps: ActionDeps) -> None:
        self.deps = deps

    def name(self) -> str:
        return "action_voortgang"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        user_id = telegram_id(tracker)
        done, right = self.deps.practice.store.answered(user_id) if user_id else (0, 0)
        if not done:
            dispatcher.utter_message(response="utter_voortgang_leeg")
            return []
        dispatcher.utter_message(response="utter_voortgang", geoefend=done, goed=right)
        dispatcher.utter_message(
            response="utter_voortgang_plaatje", json_message={"picture": "progress"}
        )
        return [SlotSet("aantal_gesprekken", done)]
