"""When the bot does not understand: ask back, as Rasa's two-stage fallback does, instead of
guessing; after two misunderstandings in a row, offer a person.

The dialogue layer (bot/dialogue/service.py) marks what it was unsure of in the message's
metadata: ``bedoel_je`` (the one or two likeliest meanings) or ``ja_nee`` (a yes/no question
answered with a doubt, and the payloads of its yes and no buttons).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.deps import ActionDeps
from bot.actions.dialogue import last_bot_turn
from bot.actions.mens import ActionMensSpreken
from bot.actions.practice import entity

SOMETHING_ELSE = '/nlu_fallback{"keuze":"anders"}'
# The responses that say the bot did not understand (the turn before, for "twice in a row").
# Not the offer of a person itself: after it, a third miss is a plain "not understood" again,
# so the offer does not repeat on every message.
MISUNDERSTOOD = frozenset({"utter_niet_begrepen", "utter_anders_zeggen", "utter_bedoel_je"})
# Turns whose buttons are not the learner's question (for asking it again).
MISSES = MISUNDERSTOOD | {"utter_niet_begrepen_weer", "utter_bedoel_je_ja"}


class ActionNietBegrepen(Action):
    def __init__(self, deps: ActionDeps) -> None:
        self.deps = deps
        self.person = ActionMensSpreken(deps)

    def name(self) -> str:
        return "action_niet_begrepen"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        metadata = tracker.latest_message.get("metadata") or {}
        previous = last_bot_turn(tracker)
        yes_no = metadata.get("ja_nee")
        if isinstance(yes_no, dict) and _payloads(yes_no.get("ja"), yes_no.get("nee")):
            self.ask_yes_no(dispatcher, tracker, str(yes_no["ja"]), str(yes_no["nee"]))
            return []
        if entity(tracker, "keuze") == "anders":
            # "Iets anders": none of the meanings offered. Say it another way, as Rasa's
            # two-stage fallback asks to rephrase.
            dispatcher.utter_message(response="utter_anders_zeggen")
            dispatcher.utter_message(response="utter_menu")
            return []
        if any(_utter_action(m) in MISUNDERSTOOD for m in previous):
            dispatcher.utter_message(response="utter_niet_begrepen_weer")
            self.person.offer(dispatcher, tracker)
            return []
        meanings = metadata.get("bedoel_je")
        if isinstance(meanings, list) and self.ask_meaning(dispatcher, tracker, meanings):
            return []
        dispatcher.utter_message(response="utter_niet_begrepen")
        self.ask_again(dispatcher, tracker)
        return []

    def ask_yes_no(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, yes: str, no: str
    ) -> None:
        """ "Bedoel je ja?" with Ja and Nee, which do what the question's own buttons do."""
        labels = self.deps.vocabulary.labels
        dispatcher.utter_message(
            response="utter_bedoel_je_ja",
            buttons=[
                {"title": labels["ja"], "payload": yes, "betekent": "ja"},
                {"title": labels["nee"], "payload": no, "betekent": "nee"},
            ],
            json_message={"vraag": "ja_nee"},
        )
        self.deps.analytics.record_clarification(tracker.sender_id, "ja_nee", "gevraagd")

    def ask_meaning(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, meanings: list[Any]
    ) -> bool:
        """ "Bedoel je ...?" with the likeliest meanings and "Iets anders"; False when none
        of them is a meaning the bot can offer."""
        labels = self.deps.vocabulary.meanings
        offered = [str(m) for m in meanings[:2] if str(m) in labels]
        if not offered:
            return False
        buttons: list[dict[str, Any]] = [
            {"title": labels[intent], "payload": f"/{intent}"} for intent in offered
        ]
        if len(buttons) == 1:
            buttons[0]["betekent"] = "ja"  # "ja" to "Bedoel je: Oefenen?" means that one
        buttons.append(
            {
                "title": self.deps.vocabulary.labels["iets_anders"],
                "payload": SOMETHING_ELSE,
                "betekent": "nee",
            }
        )
        dispatcher.utter_message(
            response="utter_bedoel_je", buttons=buttons, json_message={"vraag": "bedoeling"}
        )
        self.deps.analytics.record_clarification(tracker.sender_id, "bedoeling", "gevraagd")
        return True

    @staticmethod
    def ask_again(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """The question that was on screen comes back, so a walk is not lost; without one,
        the menu. Turns that were themselves misunderstandings are passed over."""
        for turn in bot_turns(tracker):
            if any(_utter_action(m) in MISSES for m in turn):
                continue
            asked = [m for m in turn if (m.get("data") or {}).get("buttons")]
            if not asked:
                break
            data = asked[-1].get("data") or {}
            dispatcher.utter_message(
                text=asked[-1]["text"],
                buttons=data["buttons"],
                json_message=data.get("custom") or {},
            )
            return
        dispatcher.utter_message(response="utter_menu")


def bot_turns(tracker: Tracker) -> list[list[dict[str, Any]]]:
    """The bot's messages turn by turn, newest first, before this turn's message."""
    turns: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] | None = None
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            if current is not None and current:
                turns.append(list(reversed(current)))
            current = []
        elif kind == "bot" and current is not None and event.get("text"):
            current.append(event)
    if current:
        turns.append(list(reversed(current)))
    return turns


def _utter_action(message: dict[str, Any]) -> str | None:
    return (message.get("metadata") or {}).get("utter_action")


def _payloads(*values: object) -> bool:
    return all(isinstance(v, str) and v.startswith("/") for v in values)
