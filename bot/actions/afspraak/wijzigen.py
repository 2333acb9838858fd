""" "Ik kan niet komen": move the appointment (same place) or cancel it; or keep it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.afspraak.common import (
    BOOK,
    CHANGE,
    _AfspraakAction,
    as_utc,
    parse_day,
    parse_time,
)
from bot.actions.deps import telegram_id
from bot.actions.practice import entity
from bot.store.appointments import AppointmentInfo, Booking
from bot.taalhuis import booking
from bot.taalhuis.organisation import Location


class ActionAfspraakWijzigen(_AfspraakAction):
    """ "Ik kan niet komen": another time (same place) or cancel; or keep it after all."""

    def name(self) -> str:
        return "action_afspraak_wijzigen"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        user_id = telegram_id(tracker)
        now = self.deps.clock()
        existing = self.deps.appointments.active(user_id, now) if user_id is not None else None
        if user_id is None or existing is None:
            dispatcher.utter_message(
                response="utter_geen_afspraak", buttons=[self.button("afspraak", BOOK)]
            )
            return []
        location = self.location(existing.location_id)
        step = entity(tracker, "keuze") or ""
        known = (
            step in ("verzetten", "afzeggen", "blijft")
            or (step[:1] == "d" and parse_day(step[1:]) is not None)
            or (step[:1] == "t" and parse_time(step[1:]) is not None)
        )
        if location is None or not known:
            self.change_menu(dispatcher, existing)
            return []
        if step == "blijft":
            dispatcher.utter_message(response="utter_afspraak_blijft")
        elif step == "afzeggen":
            self.cancel(dispatcher, tracker, user_id, existing)
        elif step == "verzetten":
            days = booking.free_days(location, self.deps.appointments, now)
            dispatcher.utter_message(
                response="utter_ask_afspraak_dag" if days else "utter_afspraak_niets_vrij",
                telefoon=location.phone,
                buttons=self.day_buttons(days, move=True),
            )
        elif step.startswith("d"):
            self.choose_time(dispatcher, existing, location, date.fromisoformat(step[1:]), now)
        else:
            self.move(dispatcher, tracker, user_id, existing, location, step[1:], now)
        return []

    def cancel(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        user_id: int,
        existing: AppointmentInfo,
    ) -> None:
        if self.deps.appointments.cancel(user_id, existing.id):
            self.record(tracker, "afgezegd", existing.location_id, existing.reason)
        dispatcher.utter_message(response="utter_afspraak_afgezegd")
        self.next_steps(dispatcher, ("afspraak", BOOK), ("taalhuis", "taalhuis_info"))

    def choose_time(
        self,
        dispatcher: CollectingDispatcher,
        existing: AppointmentInfo,
        location: Location,
        day: date,
        now: datetime,
    ) -> None:
        problem = booking.check_day(location, self.deps.appointments, day, now)
        if problem is not None:
            buttons = self.alternatives(problem, move=True)
            self.say_problem(dispatcher, problem, location, day, buttons)
            return
        current = as_utc(existing.starts_at)
        times = [
            choice
            for choice in booking.free_times(location, self.deps.appointments, day, now, limit=7)
            if choice.starts_at != current
        ][:6]
        dispatcher.utter_message(
            response="utter_ask_afspraak_tijd", buttons=self.time_buttons(times, move=True)
        )

    def move(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        user_id: int,
        existing: AppointmentInfo,
        location: Location,
        value: str,
        now: datetime,
    ) -> None:
        moment = parse_time(value)
        assert moment is not None  # checked by run()
        if moment == as_utc(existing.starts_at):  # the time it already has
            dispatcher.utter_message(response="utter_afspraak_blijft")
            return
        problem = booking.check_time(location, self.deps.appointments, moment, now)
        if problem is None:
            result = self.deps.appointments.move(
                user_id, existing.id, moment, location.places, now=now
            )
            if isinstance(result, Booking):
                self.record(tracker, "verzet", location.id, existing.reason)
                self.say_appointment(dispatcher, result.appointment, "utter_afspraak_verzet")
                self.say_reminder(dispatcher, result.reminder_due_at)
                self.next_steps(
                    dispatcher, ("mijn_afspraak", CHANGE), ("taalhuis", "taalhuis_info")
                )
                return
            if result is None:  # cancelled or passed in the meantime
                dispatcher.utter_message(response="utter_geen_afspraak")
                return
            self.record(tracker, "vol", location.id, existing.reason)
            problem = booking.check_time(location, self.deps.appointments, moment, now)
        if problem is None:  # pragma: no cover - full a moment ago, free again now
            problem = booking.Problem(booking.FULL, [])
        buttons = self.alternatives(problem, move=True)
        self.say_problem(dispatcher, problem, location, moment.date(), buttons)
