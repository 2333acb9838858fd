"""The Taalhuis in your pocket: what it is, when it is open, free membership, courses, signs.

Thin: the organisation data and the logic are in bot/taalhuis/; the sentences are responses
in domain.yml, the organisation's own texts come from bot/content/taalhuis.yml. Every answer
ends with the next step as a button.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.deps import ActionDeps, telegram_id
from bot.actions.practice import entity, profile_of
from bot.taalhuis.courses import TOPICS, find_courses
from bot.taalhuis.hours import status
from bot.taalhuis.membership import is_free
from bot.taalhuis.organisation import TIMEZONE, Location


def payload(intent: str, **entities: str) -> str:
    return f"/{intent}" + (json.dumps(entities, separators=(",", ":")) if entities else "")


class _TaalhuisAction(Action):
    def __init__(self, deps: ActionDeps) -> None:
        self.deps = deps

    def button(self, label: str, intent: str, **entities: str) -> dict[str, str]:
        return {
            "title": self.deps.taalhuis_labels.labels[label],
            "payload": payload(intent, **entities),
        }

    def asked(self, tracker: Tracker, topic: str, location_id: str | None = None) -> None:
        """Count the question for the coordinators' statistics (pseudonymised)."""
        self.deps.analytics.record_taalhuis(tracker.sender_id, "info", location_id, topic)

    def next_steps(self, dispatcher: CollectingDispatcher, *steps: tuple[str, str]) -> None:
        """ "Wat wil je nu doen?" with the next steps as buttons."""
        dispatcher.utter_message(
            response="utter_volgende_stap",
            buttons=[self.button(label, intent) for label, intent in steps],
        )


class ActionTaalhuisInfo(_TaalhuisAction):
    def name(self) -> str:
        return "action_taalhuis_info"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        org = self.deps.organisation
        towns = [location.town for location in org.locations.values()]
        self.asked(tracker, "taalhuis")
        dispatcher.utter_message(response="utter_taalhuis_info")
        dispatcher.utter_message(
            response="utter_taalhuis_plekken",
            plaatsen=", ".join(towns[:-1]) + f" en {towns[-1]}" if len(towns) > 1 else towns[0],
            buttons=[
                self.button("openingstijden", "openingstijden"),
                self.button("afspraak", "afspraak_maken"),
                self.button("cursus", "cursus_zoeken"),
                self.button("lidmaatschap", "lidmaatschap"),
            ],
        )
        return []


class ActionOpeningstijden(_TaalhuisAction):
    """Is it open now, until when, or when next; the walk-in hours too. Amsterdam time."""

    def name(self) -> str:
        return "action_openingstijden"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        org = self.deps.organisation
        # Named in the question, or the place of the appointment being made.
        chosen = entity(tracker, "plek") or tracker.get_slot("afspraak_plek")
        location = org.locations.get(chosen or "")
        if location is None and len(org.locations) == 1:
            location = next(iter(org.locations.values()))
        if location is None:
            text = tracker.latest_message.get("text") or ""
            location = None if text.startswith("/") else org.location(text)
        if location is None:
            dispatcher.utter_message(
                response="utter_vraag_plek",
                buttons=[
                    {"title": f"🏠 {loc.town}", "payload": payload("openingstijden", plek=loc.id)}
                    for loc in org.locations.values()
                ],
            )
            return []
        self.asked(tracker, "openingstijden", location.id)
        self.say_hours(dispatcher, location, self.deps.clock())
        self.next_steps(dispatcher, ("afspraak", "afspraak_maken"), ("taalhuis", "taalhuis_info"))
        return []

    def say_hours(
        self, dispatcher: CollectingDispatcher, location: Location, now: datetime
    ) -> None:
        labels = self.deps.taalhuis_labels
        today = now.astimezone(TIMEZONE).date()
        now_status = status(location, now)
        if now_status.open_now and now_status.closes_at is not None:
            dispatcher.utter_message(
                response="utter_nu_open",
                naam=location.name,
                tijd=now_status.closes_at.astimezone(TIMEZONE).strftime("%H:%M"),
            )
        else:
            dispatcher.utter_message(response="utter_nu_dicht", naam=location.name)
            if now_status.closed_reason:
                dispatcher.utter_message(
                    response="utter_dicht_reden", reden=now_status.closed_reason
                )
            if now_status.next_open is not None:
                local = now_status.next_open.astimezone(TIMEZONE)
                dispatcher.utter_message(
                    response="utter_weer_open",
                    wanneer=labels.day_word(local.date(), today),
                    tijd=local.strftime("%H:%M"),
                )
        walk_in = status(location, now, walk_in=True)
        if walk_in.open_now and walk_in.closes_at is not None:
            dispatcher.utter_message(
                response="utter_inloop_nu",
                tijd=walk_in.closes_at.astimezone(TIMEZONE).strftime("%H:%M"),
            )
        elif walk_in.next_open is not None:
            local = walk_in.next_open.astimezone(TIMEZONE)
            dispatcher.utter_message(
                response="utter_inloop",
                wanneer=labels.day_word(local.date(), today),
                tijd=local.strftime("%H:%M"),
            )


class ActionLidmaatschap(_TaalhuisAction):
    """The yes/no walk: free on the first yes. Only the answers' order is kept, in the button."""

    def name(self) -> str:
        return "action_lidmaatschap"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        org = self.deps.organisation
        questions = org.membership_questions
        keuze = entity(tracker, "keuze") or ""
        number, _, answer = keuze.partition("_")
        index = int(number) if number.isascii() and number.isdecimal() else -1
        if not 0 <= index < len(questions) or answer not in ("ja", "nee"):
            self.asked(tracker, "lidmaatschap")
            dispatcher.utter_message(response="utter_lid_uitleg")
            self.ask(dispatcher, 0)
            return []
        # Every question before this one was answered "nee": the walk stops at the first "ja".
        answers = {q.id: False for q in questions[:index]}
        answers[questions[index].id] = answer == "ja"
        free = is_free(org, answers)
        if free is None:
            self.ask(dispatcher, index + 1)
            return []
        dispatcher.utter_message(
            response="utter_org_tekst", tekst=org.free_text if free else org.not_free_text
        )
        if free:
            dispatcher.utter_message(response="utter_meenemen", lijst=", ".join(org.bring))
        self.next_steps(dispatcher, ("afspraak", "afspraak_maken"), ("taalhuis", "taalhuis_info"))
        return []

    def ask(self, dispatcher: CollectingDispatcher, index: int) -> None:
        question = self.deps.organisation.membership_questions[index]
        labels = self.deps.taalhuis_labels.labels
        dispatcher.utter_message(
            response="utter_org_tekst",
            tekst=question.question,
            buttons=[
                {
                    "title": labels["ja"],
                    "payload": payload("lidmaatschap", keuze=f"{index}_ja"),
                    "woorden": list(question.yes_words),
                },
                {
                    "title": labels["nee"],
                    "payload": payload("lidmaatschap", keuze=f"{index}_nee"),
                    "woorden": list(question.no_words),
                },
            ],
        )


class ActionCursusZoeken(_TaalhuisAction):
    """What do you want to learn? Then the one to three offers that fit the profile."""

    def name(self) -> str:
        return "action_cursus_zoeken"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        topic = entity(tracker, "keuze")
        labels = self.deps.taalhuis_labels
        if topic not in TOPICS:
            dispatcher.utter_message(
                response="utter_vraag_onderwerp",
                buttons=[
                    {"title": labels.topics[name], "payload": payload("cursus_zoeken", keuze=name)}
                    for name in TOPICS
                ],
            )
            return []
        self.asked(tracker, f"cursus_{topic}")
        user_id = telegram_id(tracker)
        profile = profile_of(self.deps, user_id).id if user_id is not None else None
        courses = find_courses(self.deps.organisation, {topic}, profile)
        if not courses:
            dispatcher.utter_message(response="utter_geen_cursus")
        else:
            dispatcher.utter_message(response="utter_cursussen_gevonden")
        for course in courses:
            dispatcher.utter_message(
                response="utter_cursus",
                naam=course.name,
                aanbieder=course.provider,
                kosten=course.cost,
                aanmelden=course.signup,
            )
        self.next_steps(dispatcher, ("afspraak", "afspraak_maken"), ("taalhuis", "taalhuis_info"))
        return []


class ActionGebarentaal(_TaalhuisAction):
    """What a basic sign-language course for colleagues is, and a few signs in words."""

    def name(self) -> str:
        return "action_gebarentaal"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        org = self.deps.organisation
        self.asked(tracker, "gebarentaal")
        dispatcher.utter_message(response="utter_org_tekst", tekst=org.sign_language_text)
        signs = "\n".join(f"🤟 {word}: {how}" for word, how in org.signs[:4])
        dispatcher.utter_message(response="utter_gebaren", lijst=signs)
        self.next_steps(dispatcher, ("cursus", "cursus_zoeken"), ("taalhuis", "taalhuis_info"))
        return []
