"""Appointments by chat: a Rasa form (place, day, time, reason, phone, reminder), then the
booking; and "ik kan niet komen": move or cancel.

The form ``afspraak_form`` (domain.yml) asks each slot with an ``action_ask_*`` action here,
because the choices are live: free days and times come from ``bot.taalhuis.booking`` over
the store. Buttons fill the slots through entities; a typed answer reaches the requested
slot as text (``from_text``) and is matched to the choices, so "morgen" or "Tiel" work too.
``validate_afspraak_form`` checks every value against the store when it is given (past,
closed, full) and says why in one short sentence; the form then asks again, with the
alternatives as buttons. The booking itself happens once, at the end
(``action_afspraak_boeken``), in one conditional UPDATE: when two learners take the last
place at the same moment, one gets it and the other is asked for another time.

Moving and cancelling is a short walk of buttons on the intent ``afspraak_annuleren``; its
steps travel in the ``keuze`` entity ("verzetten", "d2026-12-01", "t2026-12-01_10:30",
"afzeggen"), never in the form's slots.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.deps import ActionDeps, telegram_id
from bot.actions.practice import entity
from bot.actions.taalhuis import _TaalhuisAction, payload
from bot.practice.matching import best_match
from bot.store.appointments import AlreadyBooked, AppointmentInfo, Booking
from bot.store.models import APPOINTMENT_REASONS
from bot.taalhuis import booking
from bot.taalhuis.organisation import TIMEZONE, Location
from bot.taalhuis.reminders import reminder_time

FORM = "afspraak_form"
SLOTS = (
    "afspraak_plek",
    "afspraak_dag",
    "afspraak_tijd",
    "afspraak_reden",
    "afspraak_telefoon",
    "afspraak_herinnering",
)
BOOK = "afspraak_maken"
CHANGE = "afspraak_annuleren"
YES, NO = "ja", "nee"
NO_TIME = "geen_tijd"  # the appointment is too soon for a reminder: nothing to ask
# A shared contact's number: 6 to 15 digits (E.164 has at most 15), a leading + kept.
PHONE = re.compile(r"^\+?[0-9]{6,15}$")

# Why a day or time cannot be booked, as the response that says so.
PROBLEM_RESPONSES = {
    booking.PAST: "utter_afspraak_voorbij",
    booking.CLOSED: "utter_afspraak_dicht",
    booking.NO_WALK_IN: "utter_afspraak_geen_inloop",
    booking.FULL: "utter_afspraak_vol",
    booking.UNKNOWN_TIME: "utter_afspraak_tijd_onbekend",
}


# --- values in payloads and slots -----------------------------------------------------------


def time_value(moment: datetime) -> str:
    """ "2026-12-01_10:30": a slot's local start, as a payload value and a slot value."""
    return moment.astimezone(TIMEZONE).strftime("%Y-%m-%d_%H:%M")


def parse_day(value: object) -> date | None:
    text = str(value)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_time(value: object) -> datetime | None:
    """The aware local start from ``time_value``'s form; None for anything else."""
    text = str(value)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}_\d{2}:\d{2}", text):
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d_%H:%M").replace(tzinfo=TIMEZONE)
    except ValueError:
        return None


def phone_value(value: object) -> str | None:
    """The digits of a shared phone number (a leading + kept), or None."""
    digits = re.sub(r"[\s().-]", "", str(value))
    return digits if PHONE.match(digits) else None


def as_utc(moment: datetime) -> datetime:
    """The store's naive UTC as an aware moment (aware ones pass unchanged)."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def reset_slots() -> list[dict[str, Any]]:
    return [SlotSet(name, None) for name in SLOTS]


class _AfspraakAction(_TaalhuisAction):
    """What the appointment actions share: places, the clock, days and times as words."""

    def location(self, location_id: object) -> Location | None:
        return self.deps.organisation.locations.get(str(location_id or ""))

    def today(self) -> date:
        return self.deps.clock().astimezone(TIMEZONE).date()

    def when(self, moment: datetime) -> dict[str, str]:
        """The template values that say when: "morgen 25 november" and "10:30"."""
        local = as_utc(moment).astimezone(TIMEZONE)
        labels = self.deps.taalhuis_labels
        word = labels.day_word(local.date(), self.today()).removeprefix("op ")
        return {
            "wanneer": f"{word} {labels.date_words(local.date())}",
            "tijd": local.strftime("%H:%M"),
        }

    def day_buttons(self, days: list[booking.DayChoice], move: bool) -> list[dict[str, str]]:
        labels = self.deps.taalhuis_labels
        today = self.today()
        return [
            {
                "title": f"📅 {labels.day_button(choice.day, today)}",
                "payload": payload(CHANGE, keuze=f"d{choice.day.isoformat()}")
                if move
                else payload(BOOK, dag=choice.day.isoformat()),
            }
            for choice in days
        ]

    def time_buttons(self, times: list[booking.TimeChoice], move: bool) -> list[dict[str, str]]:
        return [
            {
                "title": f"🕙 {choice.starts_at.astimezone(TIMEZONE):%H:%M}",
                "payload": payload(CHANGE, keuze=f"t{time_value(choice.starts_at)}")
                if move
                else payload(BOOK, tijd=time_value(choice.starts_at)),
            }
            for choice in times
        ]

    def alternatives(self, problem: booking.Problem, move: bool) -> list[dict[str, str]]:
        """The problem's alternatives as buttons: free times that day, or free days."""
        choices = problem.alternatives
        if choices and isinstance(choices[0], booking.TimeChoice):
            return self.time_buttons(choices, move)  # type: ignore[arg-type]
        return self.day_buttons(choices, move)  # type: ignore[arg-type]

    def say_problem(
        self,
        dispatcher: CollectingDispatcher,
        problem: booking.Problem,
        location: Location,
        day: date,
        buttons: list[dict[str, str]] | None = None,
    ) -> None:
        """Why not, in one sentence (a closing day with its reason)."""
        values = {"reden": location.closed.get(day, "")} if problem.kind == booking.CLOSED else {}
        response = PROBLEM_RESPONSES[problem.kind]
        if problem.kind == booking.FULL and problem.alternatives:
            if isinstance(problem.alternatives[0], booking.TimeChoice):
                response = "utter_afspraak_tijd_vol"  # other times that day are offered
        dispatcher.utter_message(response=response, buttons=buttons or [], **values)

    def say_appointment(
        self, dispatcher: CollectingDispatcher, appointment: AppointmentInfo, response: str
    ) -> None:
        """The appointment in a few words; the channel sends its calendar file with it."""
        location = self.location(appointment.location_id)
        dispatcher.utter_message(
            response=response,
            naam=location.name if location else appointment.location_id,
            adres=f"{location.address}, {location.town}" if location else "",
            nummer=appointment.ref,
            custom={"agenda": appointment.id},
            **self.when(appointment.starts_at),
        )

    def say_reminder(self, dispatcher: CollectingDispatcher, due: datetime | None) -> None:
        if due is not None:
            dispatcher.utter_message(response="utter_afspraak_herinnering", **self.when(due))

    def change_menu(self, dispatcher: CollectingDispatcher, appointment: AppointmentInfo) -> None:
        """The learner's appointment, then: another time, cancel, or keep it."""
        location = self.location(appointment.location_id)
        dispatcher.utter_message(
            response="utter_jouw_afspraak",
            plaats=location.town if location else appointment.location_id,
            buttons=[
                self.step_button("verzetten"),
                self.step_button("afzeggen"),
                self.step_button("blijft"),
            ],
            **self.when(appointment.starts_at),
        )

    def step_button(self, step: str) -> dict[str, str]:
        return {
            "title": self.deps.taalhuis_labels.labels[step],
            "payload": payload(CHANGE, keuze=step),
        }

    def record(self, tracker: Tracker, event: str, location_id: str, detail: str | None) -> None:
        self.deps.analytics.record_taalhuis(tracker.sender_id, event, location_id, detail)


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
        events += reset_slots()
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


class ActionAskPlek(_AfspraakAction):
    def name(self) -> str:
        return "action_ask_afspraak_plek"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(
            response="utter_ask_afspraak_plek",
            buttons=[
                {"title": f"🏠 {loc.town}", "payload": payload(BOOK, plek=loc.id)}
                for loc in self.deps.organisation.locations.values()
            ],
        )
        return []


class ActionAskDag(_AfspraakAction):
    def name(self) -> str:
        return "action_ask_afspraak_dag"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        location = self.location(tracker.get_slot("afspraak_plek"))
        if location is None:
            return []
        days = booking.free_days(location, self.deps.appointments, self.deps.clock())
        if days:
            dispatcher.utter_message(
                response="utter_ask_afspraak_dag", buttons=self.day_buttons(days, move=False)
            )
            return []
        # Nothing free in the coming two weeks here: the other places, or call.
        dispatcher.utter_message(
            response="utter_afspraak_niets_vrij",
            telefoon=location.phone,
            buttons=[
                {"title": f"🏠 {other.town}", "payload": payload(BOOK, plek=other.id)}
                for other in self.deps.organisation.locations.values()
                if other.id != location.id
            ],
        )
        return []


class ActionAskTijd(_AfspraakAction):
    def name(self) -> str:
        return "action_ask_afspraak_tijd"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        location = self.location(tracker.get_slot("afspraak_plek"))
        day = parse_day(tracker.get_slot("afspraak_dag"))
        if location is None or day is None:
            return []
        now = self.deps.clock()
        times = booking.free_times(location, self.deps.appointments, day, now)
        if times:
            labels = self.deps.taalhuis_labels
            other_day = {"title": labels.labels["andere_dag"], "payload": payload(BOOK, dag="0")}
            dispatcher.utter_message(
                response="utter_ask_afspraak_tijd",
                buttons=[*self.time_buttons(times, move=False), other_day],
            )
            return []
        # The day filled up since it was chosen: the next free days instead.
        days = booking.free_days(location, self.deps.appointments, now)
        dispatcher.utter_message(
            response="utter_afspraak_vol", buttons=self.day_buttons(days, move=False)
        )
        return [SlotSet("afspraak_dag", None)]


class ActionAskReden(_AfspraakAction):
    def name(self) -> str:
        return "action_ask_afspraak_reden"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        reasons = self.deps.taalhuis_labels.reasons
        dispatcher.utter_message(
            response="utter_ask_afspraak_reden",
            buttons=[
                {"title": reasons[reason], "payload": payload(BOOK, reden=reason)}
                for reason in APPOINTMENT_REASONS
            ],
        )
        return []


class ActionAskTelefoon(_AfspraakAction):
    """Telegram's own "share my number" button (a reply keyboard) and "no, thanks"."""

    def name(self) -> str:
        return "action_ask_afspraak_telefoon"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_ask_afspraak_telefoon", custom={"telefoon": True})
        return []


class ActionAskHerinnering(_AfspraakAction):
    def name(self) -> str:
        return "action_ask_afspraak_herinnering"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
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
    """Every value is checked when it is given; a typed answer is matched to the choices."""

    def __init__(self, deps: ActionDeps) -> None:
        self.deps = deps
        self.words = _AfspraakAction(deps)

    def name(self) -> str:
        return "validate_afspraak_form"

    def _typed(self, value: Any, options: dict[str, list[str]]) -> str | None:
        """The option a typed answer means; None for a button of another question."""
        if value is None or str(value).startswith("/"):
            return None
        keys = [key for key, aliases in options.items() for _ in aliases]
        aliases = [alias for aliases in options.values() for alias in aliases]
        index = best_match(str(value), aliases)
        return keys[index] if index is not None else None

    def _not_understood(self, value: Any, dispatcher: CollectingDispatcher) -> None:
        if value is not None and not str(value).startswith("/"):
            dispatcher.utter_message(response="utter_afspraak_kies_knop")

    async def validate_afspraak_plek(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any
    ) -> dict[str, Any]:
        locations = self.deps.organisation.locations
        if value not in locations:
            typed = self._typed(value, {loc.id: [loc.town, loc.name] for loc in locations.values()})
            if typed is None:
                if value is not None and not str(value).startswith("/"):
                    dispatcher.utter_message(response="utter_afspraak_plek_onbekend")
                return {"afspraak_plek": None}
            value = typed
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
            day = self._typed_day(value, location, now)
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

    def _typed_day(self, value: Any, location: Location, now: datetime) -> date | None:
        """ "morgen", "donderdag", "26 november": one of the free days, as typed."""
        labels = self.deps.taalhuis_labels
        today = self.words.today()
        days = booking.free_days(location, self.deps.appointments, now, limit=14)
        options = {
            choice.day.isoformat(): [
                labels.day_button(choice.day, today),
                labels.day_word(choice.day, today).removeprefix("op "),
                # "dinsdag" on a Monday is tomorrow: the nearest day of that name comes first.
                labels.days[choice.day.weekday()].removeprefix("op "),
                labels.date_words(choice.day),
            ]
            for choice in days
        }
        typed = self._typed(value, options)
        return date.fromisoformat(typed) if typed else None

    async def validate_afspraak_tijd(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any
    ) -> dict[str, Any]:
        location = self.words.location(tracker.get_slot("afspraak_plek"))
        if location is None:
            return {"afspraak_tijd": None}
        now = self.deps.clock()
        moment = parse_time(value)
        day = parse_day(tracker.get_slot("afspraak_dag"))
        if moment is None and day is not None:
            times = booking.free_times(location, self.deps.appointments, day, now, limit=48)
            typed = self._typed(
                value,
                {
                    time_value(t.starts_at): [
                        f"{t.starts_at:%H:%M}",
                        f"{t.starts_at:%H.%M}",
                        f"{t.starts_at:%H%M}",
                    ]
                    for t in times
                },
            )
            moment = parse_time(typed) if typed else None
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
        reasons = self.deps.taalhuis_labels.reasons
        typed = self._typed(value, {key: [label, key] for key, label in reasons.items()})
        if typed is None:
            self._not_understood(value, dispatcher)
        return {"afspraak_reden": typed}

    async def validate_afspraak_telefoon(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any
    ) -> dict[str, Any]:
        if value == NO:
            dispatcher.utter_message(
                response="utter_afspraak_zonder_telefoon", custom=_KEYBOARD_OFF
            )
            return {"afspraak_telefoon": NO}
        phone = phone_value(value)
        if phone is None:
            self._not_understood(value, dispatcher)
            return {"afspraak_telefoon": None}
        dispatcher.utter_message(response="utter_afspraak_telefoon_ontvangen", custom=_KEYBOARD_OFF)
        return {"afspraak_telefoon": phone}

    async def validate_afspraak_herinnering(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any
    ) -> dict[str, Any]:
        if value in (YES, NO, NO_TIME):
            return {"afspraak_herinnering": value}
        self._not_understood(value, dispatcher)
        return {"afspraak_herinnering": None}


# The reply keyboard with the contact button goes away once the question is answered.
_KEYBOARD_OFF = {"toetsenbord_weg": True}


# --- booking --------------------------------------------------------------------------------


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


# --- moving and cancelling ------------------------------------------------------------------


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
