"""The form is complete: take the place, in one conditional UPDATE (see the package doc)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.afspraak.common import (
    CHANGE,
    FORM,
    NO,
    YES,
    _AfspraakAction,
    parse_time,
    phone_value,
    reset_slots,
)
from bot.actions.deps import telegram_id
from bot.store.appointments import AlreadyBooked, Booking
from bot.taalhuis import booking


class ActionAfspraakBoeken(_AfspraakAction):
    """The form is complete: take the place. Full meanwhile: ask for another time."""

    def name(self) -> str:
        return "action_afspraak_boeken"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        user_id = telegram_id(tracker)
        location = self.location(tracker.get_slot("afspraak_plek"))
        moment = parse_time(tracker.get_slot("afspraak_tijd"))
        reason = tracker.get_slot("afspraak_reden")
        if user_id is None or location is None or moment is None or reason is None:
            dispatcher.utter_message(response="utter_niet_begrepen")
            return reset_slots()
        now = self.deps.clock()
        problem = booking.check_time(location, self.deps.appointments, moment, now)
        if problem is not None and problem.kind != booking.FULL:
            # The time was fine when it was chosen, but the questions (or a break) took long.
            buttons = self.alternatives(problem, move=False)
            self.say_problem(dispatcher, problem, location, moment.date(), buttons)
            return [SlotSet("afspraak_tijd", None), ActiveLoop(FORM)]
        phone = phone_value(tracker.get_slot("afspraak_telefoon") or "")
        remind = tracker.get_slot("afspraak_herinnering") == YES
        result = self.deps.appointments.book(
            user_id, location.id, moment, reason, location.places, phone, remind, now=now
        )
        if isinstance(result, AlreadyBooked):
            self.change_menu(dispatcher, result.existing)
            return reset_slots()
        if not isinstance(result, Booking):  # Full: someone took the last place just now
            self.record(tracker, "vol", location.id, reason)
            dispatcher.utter_message(response="utter_afspraak_net_vol")
            return [SlotSet("afspraak_tijd", None), ActiveLoop(FORM)]
        answer = tracker.get_slot("afspraak_herinnering")
        if answer in (YES, NO):  # the learner's own choice, kept for the next appointment
            self.deps.users.set_flags(user_id, reminders_opt_in=answer == YES)
        self.record(tracker, "gemaakt", location.id, reason)
        self.say_appointment(dispatcher, result.appointment, "utter_afspraak_staat")
        self.say_reminder(dispatcher, result.reminder_due_at)
        self.next_steps(dispatcher, ("mijn_afspraak", CHANGE), ("taalhuis", "taalhuis_info"))
        return reset_slots()
