"""The appointment form: starting it, asking each slot with live choices, checking each
answer. The booking itself is in ``boeken``."""

from __future__ import annotations

from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.afspraak.common import (
    BOOK,
    FORM,
    KEYBOARD_OFF,
    NO,
    NO_TIME,
    YES,
    _AfspraakAction,
    parse_day,
    parse_time,
    phone_value,
    reset_slots,
    time_value,
)
from bot.actions.deps import ActionDeps, telegram_id
from bot.actions.practice import entity
from bot.actions.taalhuis import payload
from bot.store.models import APPOINTMENT_REASONS
from bot.taalhuis import booking
from bot.taalhuis.reminders import reminder_time

# Buttons shown, and how far a typed answer may reach past them: the two weeks of days
# (booking.free_days) and the whole day's times.
SHOWN_DAYS, TYPED_DAYS = 4, 14
SHOWN_TIMES, TYPED_TIMES = 6, 48

# --- starting -------------------------------------------------------------------------------


class ActionAfspraakStart(_AfspraakAction):
    """Before the form: a learner with an appointment gets it shown (move, cancel, keep);
    otherwise the form starts clean, or picks up where it was paused by another question."""

    def name(self) -> str:
        return "action_afspraak_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        user_id = telegram_id(tracker)
        existing = (
            self.deps.appointments.active(user_id, self.deps.clock())
            if user_id is not None
            else None
        )
        if existing is not None:
            self.change_menu(dispatcher, existing)
            return [*reset_slots(), SlotSet("afspraak_bestaat", True)]
        events: list[dict[str, Any]] = [SlotSet("afspraak_bestaat", False)]
        if tracker.active_loop.get("name") == FORM:
            # Paused by another question: start it again with what was chosen so far (the
            # form checks those values once more when it starts).
            return [*events, ActiveLoop(None)]
        dispatcher.utter_message(response="utter_afspraak_uitleg")
        events += [SlotSet("requested_slot", None), *reset_slots()]
        locations = self.deps.organisation.locations
        chosen = entity(tracker, "plek")
        if chosen in locations:
            events.append(SlotSet("afspraak_plek", chosen))
        elif len(locations) == 1:
            events.append(SlotSet("afspraak_plek", next(iter(locations))))
        if user_id is not None and self.deps.users.wants_reminders(user_id):
            events.append(SlotSet("afspraak_herinnering", YES))
        return events


class ActionAfspraakSluiten(_AfspraakAction):
    """End the form without a word: the learner went on to something else."""

    def name(self) -> str:
        return "action_afspraak_sluiten"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return [ActiveLoop(None), SlotSet("requested_slot", None), *reset_slots()]


# --- asking ---------------------------------------------------------------------------------


class _AskAction(_AfspraakAction):
    """``action_ask_<slot>``: the form's question for one slot, with live choices. Right
    after "nog eens" or "langzamer" said the question again, it says nothing."""

    slot = ""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if self.replayed(tracker):
            return []
        return self.ask(dispatcher, tracker)

    def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        raise NotImplementedError

    def place_buttons(self, leave_out: str | None = None) -> list[dict[str, Any]]:
        return [
            {
                "title": f"🏠 {loc.town}",
                "payload": payload(BOOK, plek=loc.id),
                "woorden": [loc.name],
            }
            for loc in self.deps.organisation.locations.values()
            if loc.id != leave_out
        ]


class ActionAskPlek(_AskAction):
    slot = "afspraak_plek"

    def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_ask_afspraak_plek", buttons=self.place_buttons())
        return []


class ActionAskDag(_AskAction):
    slot = "afspraak_dag"

    def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        location = self.location(tracker.get_slot("afspraak_plek"))
        if location is None:
            return []
        days = booking.free_days(
            location, self.deps.appointments, self.deps.clock(), limit=TYPED_DAYS
        )
        if days:
            choices = self.day_buttons(days, move=False)
            dispatcher.utter_message(
                response="utter_ask_afspraak_dag",
                buttons=choices[:SHOWN_DAYS],
                # The later free days are no buttons, but a typed "5 januari" still counts.
                json_message={"ook": choices[SHOWN_DAYS:]} if choices[SHOWN_DAYS:] else {},
            )
        else:  # nothing free in the coming two weeks here: the other places, or call
            dispatcher.utter_message(
                response="utter_afspraak_niets_vrij",
                telefoon=location.phone,
                buttons=self.place_buttons(leave_out=location.id),
            )
        return []


class ActionAskTijd(_AskAction):
    slot = "afspraak_tijd"

    def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        location = self.location(tracker.get_slot("afspraak_plek"))
        day = parse_day(tracker.get_slot("afspraak_dag"))
        if location is None or day is None:
            return []
        now = self.deps.clock()
        times = booking.free_times(location, self.deps.appointments, day, now, limit=TYPED_TIMES)
        if times:
            labels = self.deps.taalhuis_labels
            other_day = {"title": labels.labels["andere_dag"], "payload": payload(BOOK, dag="0")}
            choices = self.time_buttons(times, move=False)
            dispatcher.utter_message(
                response="utter_ask_afspraak_tijd",
                buttons=[*choices[:SHOWN_TIMES], other_day],
                # A free time past the six buttons ("zeven uur") still counts when typed.
                json_message={"ook": choices[SHOWN_TIMES:]} if choices[SHOWN_TIMES:] else {},
            )
            return []
        # The day filled up since it was chosen: the next free days instead.
        days = booking.free_days(location, self.deps.appointments, now)
        dispatcher.utter_message(
            response="utter_afspraak_vol", buttons=self.day_buttons(days, move=False)
        )
        return [SlotSet("afspraak_dag", None)]


class ActionAskReden(_AskAction):
    slot = "afspraak_reden"

    def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        reasons = self.deps.taalhuis_labels.reasons
        dispatcher.utter_message(
            response="utter_ask_afspraak_reden",
            buttons=[
                {"title": reasons[reason], "payload": payload(BOOK, reden=reason)}
                for reason in APPOINTMENT_REASONS
            ],
        )
        return []


class ActionAskTelefoon(_AskAction):
    """Telegram's own "share my number" button (a reply keyboard) and "no, thanks"."""

    slot = "afspraak_telefoon"

    def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_ask_afspraak_telefoon", custom={"telefoon": True})
        return []


class ActionAskHerinnering(_AskAction):
    slot = "afspraak_herinnering"

    def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        labels = self.deps.taalhuis_labels.labels
        dispatcher.utter_message(
            response="utter_ask_afspraak_herinnering",
            buttons=[
                {"title": labels["ja"], "payload": "/bevestigen"},
                {"title": labels["nee"], "payload": "/ontkennen"},
            ],
        )
        return []


# --- checking -------------------------------------------------------------------------------


class ValidateAfspraakForm(FormValidationAction):
    """Every value is checked when it is given. Typed answers were matched to the buttons
    before the turn (bot/choices, the question on screen); typed text that reaches a slot
    here matched none of them."""

    def __init__(self, deps: ActionDeps) -> None:
        self.deps = deps
        self.words = _AfspraakAction(deps)

    def name(self) -> str:
        return "validate_afspraak_form"

    def _not_understood(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        response: str = "utter_afspraak_kies_knop",
    ) -> None:
        """Say so for a typed answer; a button of another question is passed over quietly."""
        if value is not None and not str(value).startswith("/"):
            dispatcher.utter_message(response=response)

    async def validate_afspraak_plek(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any
    ) -> dict[str, Any]:
        locations = self.deps.organisation.locations
        if value not in locations:
            self._not_understood(value, dispatcher, "utter_afspraak_plek_onbekend")
            return {"afspraak_plek": None}
        changes: dict[str, Any] = {"afspraak_plek": value}
        if tracker.get_slot("requested_slot") in ("afspraak_dag", "afspraak_tijd"):
            changes.update(afspraak_dag=None, afspraak_tijd=None)  # another place: choose again
        return changes

    async def validate_afspraak_dag(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any
    ) -> dict[str, Any]:
        location = self.words.location(tracker.get_slot("afspraak_plek"))
        if location is None:
            return {"afspraak_dag": None}
        now = self.deps.clock()
        day = parse_day(value)
        if day is None:
            if str(value) != "0":  # "0" is the "another day" button
                self._not_understood(value, dispatcher)
            return {"afspraak_dag": None, "afspraak_tijd": None}
        problem = booking.check_day(location, self.deps.appointments, day, now)
        if problem is not None:
            self.words.say_problem(dispatcher, problem, location, day)
            return {"afspraak_dag": None, "afspraak_tijd": None}
        changes: dict[str, Any] = {"afspraak_dag": day.isoformat()}
        chosen = parse_time(tracker.get_slot("afspraak_tijd"))
        if chosen is not None and chosen.date() != day:
            changes["afspraak_tijd"] = None
        return changes

    async def validate_afspraak_tijd(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any
    ) -> dict[str, Any]:
        location = self.words.location(tracker.get_slot("afspraak_plek"))
        if location is None:
            return {"afspraak_tijd": None}
        now = self.deps.clock()
        moment = parse_time(value)
        if moment is None:
            self._not_understood(value, dispatcher)
            return {"afspraak_tijd": None}
        problem = booking.check_time(location, self.deps.appointments, moment, now)
        if problem is not None:
            self.words.say_problem(dispatcher, problem, location, moment.date())
            same_day = problem.kind in (booking.FULL, booking.UNKNOWN_TIME) or (
                problem.kind == booking.PAST and moment.date() == self.words.today()
            )
            return {
                "afspraak_tijd": None,
                "afspraak_dag": moment.date().isoformat() if same_day else None,
            }
        changes = {"afspraak_tijd": time_value(moment), "afspraak_dag": moment.date().isoformat()}
        if reminder_time(moment, now) is None:
            # Too soon for a reminder (bot.taalhuis.reminders): the question is not asked.
            changes["afspraak_herinnering"] = NO_TIME
        elif tracker.get_slot("afspraak_herinnering") == NO_TIME:
            changes["afspraak_herinnering"] = None  # a later time was chosen after all
        return changes

    async def validate_afspraak_reden(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any
    ) -> dict[str, Any]:
        if value in APPOINTMENT_REASONS:
            return {"afspraak_reden": value}
        self._not_understood(value, dispatcher)
        return {"afspraak_reden": None}

    async def validate_afspraak_telefoon(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any
    ) -> dict[str, Any]:
        if value == NO:
            dispatcher.utter_message(response="utter_afspraak_zonder_telefoon", custom=KEYBOARD_OFF)
            return {"afspraak_telefoon": NO}
        phone = phone_value(value)
        if phone is None:
            self._not_understood(value, dispatcher)
            return {"afspraak_telefoon": None}
        dispatcher.utter_message(response="utter_afspraak_telefoon_ontvangen", custom=KEYBOARD_OFF)
        return {"afspraak_telefoon": phone}

    async def validate_afspraak_herinnering(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any
    ) -> dict[str, Any]:
        if value in (YES, NO, NO_TIME):
            return {"afspraak_herinnering": value}
        self._not_understood(value, dispatcher)
        return {"afspraak_herinnering": None}
