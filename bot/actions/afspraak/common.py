"""What the appointment actions share: the form's names, the values in payloads and slots
(days, times, phone numbers), and how days, times and problems are said."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.taalhuis import _TaalhuisAction, payload
from bot.store.appointments import AppointmentInfo
from bot.taalhuis import booking
from bot.taalhuis.organisation import TIMEZONE, Location

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


# How people say the hours (1 to 12) when they type a time.
HOUR_WORDS = (
    "een", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien", "elf",
    "twaalf",
)  # fmt: skip


def said_times(moment: datetime) -> list[str]:
    """The ways a learner may type a slot's start: "14:30", "1430", and as it is said:
    "half 3", "half drie", "half 15"; "2 uur", "twee uur", "14 uur"."""
    hour, minute = moment.hour, moment.minute
    said = [f"{moment:%H:%M}", f"{moment:%H.%M}", f"{moment:%H%M}", f"{hour}:{minute:02d}"]
    if minute == 0:
        twelve = (hour - 1) % 12 + 1
        said += [f"{hour} uur", f"{twelve} uur", f"{HOUR_WORDS[twelve - 1]} uur"]
    elif minute == 30:
        nxt = hour + 1
        twelve = (nxt - 1) % 12 + 1
        said += [f"half {nxt}", f"half {twelve}", f"half {HOUR_WORDS[twelve - 1]}"]
    return said


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

    def day_buttons(self, days: list[booking.DayChoice], move: bool) -> list[dict[str, Any]]:
        """A button per day, with the words a learner may type for it: "morgen", "26
        november", and the weekday's name for the nearest day of that name only ("dinsdag"
        on a Monday is tomorrow)."""
        labels = self.deps.taalhuis_labels
        today = self.today()
        named: set[int] = set()
        buttons = []
        for choice in days:
            words = [labels.date_words(choice.day)]
            near = labels.day_word(choice.day, today)
            if near in (labels.today, labels.tomorrow):
                words.append(near)
            if choice.day.weekday() not in named:
                named.add(choice.day.weekday())
                words.append(labels.days[choice.day.weekday()].removeprefix("op "))
            buttons.append(
                {
                    "title": f"📅 {labels.day_button(choice.day, today)}",
                    "payload": payload(CHANGE, keuze=f"d{choice.day.isoformat()}")
                    if move
                    else payload(BOOK, dag=choice.day.isoformat()),
                    "woorden": words,
                }
            )
        return buttons

    def time_buttons(self, times: list[booking.TimeChoice], move: bool) -> list[dict[str, Any]]:
        """A button per time, with the ways it is typed or said ("14:30", "half drie")."""
        return [
            {
                "title": f"🕙 {choice.starts_at.astimezone(TIMEZONE):%H:%M}",
                "payload": payload(CHANGE, keuze=f"t{time_value(choice.starts_at)}")
                if move
                else payload(BOOK, tijd=time_value(choice.starts_at)),
                "woorden": said_times(choice.starts_at.astimezone(TIMEZONE)),
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

    @staticmethod
    def replayed(tracker: Tracker) -> bool:
        """ "Nog eens" or "Langzamer" just said the question again: the form, coming back,
        must not ask it a second time."""
        # Rasa already counts the form as the latest action: look at the one before it.
        for event in reversed(tracker.events):
            if event.get("event") == "action" and event.get("name") != FORM:
                return event.get("name") in REPLAYS
        return False

    def record(self, tracker: Tracker, event: str, location_id: str, detail: str | None) -> None:
        self.deps.analytics.record_taalhuis(tracker.sender_id, event, location_id, detail)


REPLAYS = ("action_herhalen", "action_langzamer")

# The reply keyboard with the contact button goes away once the question is answered.
KEYBOARD_OFF = {"toetsenbord_weg": True}
