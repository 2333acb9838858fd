"""Booking an appointment at the Taalhuis by chat, as a learner meets it through the emulator.

The whole bot runs (python-telegram-bot over HTTP, the real Rasa model with its in-process
actions, SQLite, espeak-ng). The learner presses the buttons the bot showed and shares a phone
number as Telegram's contact button does; days and times are always taken from the buttons,
because the bot books against the real clock (Europe/Amsterdam). The store, the reminders
table, the tracker's events and the coordinator's command are read to check what was kept.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select, text

from bot.content import load_channel_texts
from bot.emulator.client import EmulatorClient, buttons_of, ends_turn, text_of
from bot.settings import PROJECT_ROOT
from bot.store.appointments import AppointmentInfo, Booking, to_utc_naive
from bot.store.models import Reminder
from bot.taalhuis import booking
from bot.taalhuis.labels import load_labels
from bot.taalhuis.organisation import TIMEZONE, Location, load_organisation
from bot.telegram.handlers import DOUBLE_PRESS_SECONDS

pytestmark = pytest.mark.asyncio

Message = dict[str, Any]
Until = Callable[[list[Message]], bool]

BOOK = "/afspraak_maken"
CHANGE = "/afspraak_annuleren"
YES, NO = "/bevestigen", "/ontkennen"
PHONE = "+31612345678"
TAALMAATJE = Path(sys.executable).with_name("taalmaatje")
LABELS = load_labels()
CHANNEL = load_channel_texts()
ORGANISATION = load_organisation()
# Chat ids of second learners and of the people who took places beforehand; far from the
# ids the shared `chat_id` fixture hands out.
_extra_ids = itertools.count(47_000_001)


# --- what the bot says --------------------------------------------------------------------


@functools.cache
def _responses() -> dict[str, str]:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {name: variations[0].get("text", "") for name, variations in domain["responses"].items()}


def said(name: str, **fields: object) -> str:
    """The learner's text of domain response `name` (sound-on learners keep the emoji)."""
    return _responses()[name].format(**fields)


def confirmed(words: str) -> bool:
    """ "Je afspraak staat! ✅ ...": the booking confirmation, whatever its date."""
    return words.startswith(_responses()["utter_afspraak_staat"].split("\n")[0])


def payloads(message: Message) -> list[str]:
    return [b["callback_data"] for b in buttons_of(message)]


def titles(message: Message) -> list[str]:
    return [b["text"] for b in buttons_of(message)]


def texts(messages: list[Message]) -> list[str]:
    return [text_of(m) for m in messages]


def value_of(data: str, key: str) -> str:
    """The entity value in a button payload: '/afspraak_maken{"dag":"2026-12-01"}' -> date."""
    return json.loads(data[data.index("{") :])[key]


def local_start(data: str) -> datetime:
    """The aware local start of a time button ("2026-12-01_10:30")."""
    value = value_of(data, "tijd") if "tijd" in data else value_of(data, "keuze")[1:]
    return datetime.strptime(value, "%Y-%m-%d_%H:%M").replace(tzinfo=TIMEZONE)


def when(day: date) -> str:
    """How the bot says a day: "morgen 25 november", "donderdag 26 november"."""
    today = datetime.now(TIMEZONE).date()
    return f"{LABELS.day_word(day, today).removeprefix('op ')} {LABELS.date_words(day)}"


def evening_before(day: date) -> datetime:
    """18:00 local on the day before: when the reminder is due (bot/taalhuis/reminders.py)."""
    return datetime.combine(day - timedelta(days=1), time(18, 0), tzinfo=TIMEZONE)


def ics_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def unfolded(ics: bytes) -> str:
    """An .ics file's text with its folded lines joined again (RFC 5545 3.1)."""
    return ics.decode("utf-8").replace("\r\n ", "")


def turn_over(new: list[Message]) -> bool:
    """A spoken turn ends with the replay row; the phone question with its reply keyboard."""
    if not new:
        return False
    return ends_turn(new) or "keyboard" in (new[-1].get("reply_markup") or {})


def with_calendar(new: list[Message]) -> bool:
    """A turn that sends a calendar file: it may come after the replay row."""
    return any(m["document"] for m in new) and turn_over(new)


# --- a learner ----------------------------------------------------------------------------


@dataclass
class Chosen:
    """What a learner chose in the form, as the buttons said it."""

    location: Location
    day: date
    day_title: str
    starts_at: datetime  # aware, Europe/Amsterdam
    time_title: str
    reason: str


@dataclass
class Learner:
    """One learner in their own chat: acts, and waits until the bot's whole turn is in."""

    client: EmulatorClient
    harness: Any
    chat_id: int

    @property
    def store(self) -> Any:
        return self.harness.bot.store

    async def act(
        self,
        kind: str,
        body: dict[str, Any],
        *,
        expect: int | None = None,
        until: Until = turn_over,
        settle: float = 0.0,
    ) -> list[Message]:
        """Do something; without `expect`, wait until the bot's turn is over (`until`)."""
        if expect is None:
            return await self.client.act(self.chat_id, kind, body, until=until, settle=settle)
        return await self.client.act(self.chat_id, kind, body, expect=expect, settle=settle)

    async def say(self, words: str, **kw: Any) -> list[Message]:
        return await self.act("text", {"text": words}, **kw)

    async def command(self, name: str, **kw: Any) -> list[Message]:
        return await self.act("command", {"command": name}, **kw)

    async def press(self, message: Message, data: str, **kw: Any) -> list[Message]:
        return await self.act("press", {"message_id": message["message_id"], "data": data}, **kw)

    async def share_phone(self, number: str = PHONE, **kw: Any) -> list[Message]:
        """Tap Telegram's "share my number" button: a contact with the learner's own id."""
        return await self.act("contact", {"phone_number": number}, **kw)

    async def share_contact_of(self, number: str, owner_id: int) -> list[Message]:
        """Share someone else's contact card (contact.user_id is theirs)."""
        return await self.act(
            "contact", {"phone_number": number, "contact_user_id": owner_id}, expect=1, settle=0.5
        )

    def messages(self) -> list[Message]:
        return self.client.view(self.chat_id).bot_messages()

    def newest(self, prefix: str) -> tuple[Message, list[str]]:
        """The newest message with buttons starting with `prefix`, and those buttons."""
        for message in reversed(self.messages()):
            found = [p for p in payloads(message) if p.startswith(prefix)]
            if found:
                return message, found
        raise AssertionError(f"no button {prefix!r} in {texts(self.messages())[-6:]}")

    async def tap(self, data: str, **kw: Any) -> list[Message]:
        """Press the button with exactly `data` on the newest message that shows it."""
        shown = [m for m in self.messages() if data in payloads(m)]
        assert shown, f"no button {data!r} in {texts(self.messages())[-6:]}"
        return await self.press(shown[-1], data, **kw)

    # --- the form, step by step -----------------------------------------------------------

    async def open_form(self) -> list[Message]:
        """Taalhuis menu, then its "📅 Afspraak maken" button: the place question."""
        menu = await self.command("taalhuis")
        assert LABELS.labels["afspraak"] in titles(menu[-1])
        opened = await self.tap(BOOK)
        assert texts(opened) == [said("utter_afspraak_uitleg"), said("utter_ask_afspraak_plek")]
        return opened

    async def choose_place(self, place: str) -> list[Message]:
        replies = await self.tap(f'{BOOK}{{"plek":"{place}"}}')
        assert texts(replies)[-1] == said("utter_ask_afspraak_dag")
        return replies

    async def choose_day(self, day: date | None = None) -> tuple[date, str]:
        """The given day's button, else the first offered day whose reminder evening is
        still ahead (so a reminder is planned and asked about). Returns the day and title."""
        question, found = self.newest(f'{BOOK}{{"dag"')
        days = [date.fromisoformat(value_of(p, "dag")) for p in found]
        if day is None:
            soon = datetime.now(TIMEZONE) + timedelta(minutes=10)
            day = next(d for d in days if evening_before(d) > soon)
        data = f'{BOOK}{{"dag":"{day.isoformat()}"}}'
        title = titles(question)[payloads(question).index(data)]
        replies = await self.press(question, data)
        assert texts(replies)[-1] == said("utter_ask_afspraak_tijd")
        return day, title

    async def choose_time(self, starts_at: datetime | None = None) -> tuple[datetime, str]:
        """The given time's button, else the first offered time."""
        question, found = self.newest(f'{BOOK}{{"tijd"')
        data = (
            found[0] if starts_at is None else next(p for p in found if local_start(p) == starts_at)
        )
        title = titles(question)[payloads(question).index(data)]
        replies = await self.press(question, data)
        assert texts(replies)[-1] == said("utter_ask_afspraak_reden")
        return local_start(data), title

    async def to_phone_question(
        self,
        place: str,
        reason: str = "intake",
        day: date | None = None,
        starts_at: datetime | None = None,
    ) -> tuple[Chosen, list[Message]]:
        """Open the form and choose by buttons up to the phone question."""
        await self.open_form()
        await self.choose_place(place)
        chosen_day, day_title = await self.choose_day(day)
        start, time_title = await self.choose_time(starts_at)
        asked = await self.tap(f'{BOOK}{{"reden":"{reason}"}}')
        assert texts(asked) == [said("utter_ask_afspraak_telefoon")]
        location = ORGANISATION.locations[place]
        return Chosen(location, chosen_day, day_title, start, time_title, reason), asked

    async def to_reminder_question(
        self,
        place: str,
        reason: str = "intake",
        phone: bool = True,
        day: date | None = None,
        starts_at: datetime | None = None,
        number: str = PHONE,
    ) -> Chosen:
        """Up to the last question (a reminder?), sharing the number or saying no."""
        chosen, _ = await self.to_phone_question(place, reason, day, starts_at)
        if phone:
            replies = await self.share_phone(number)
            assert texts(replies)[0] == said("utter_afspraak_telefoon_ontvangen")
        else:
            replies = await self.say(CHANNEL.buttons["phone_no"])
            assert texts(replies)[0] == said("utter_afspraak_zonder_telefoon")
        assert texts(replies)[-1] == said("utter_ask_afspraak_herinnering")
        return chosen

    async def book(
        self, place: str, reason: str = "intake", phone: bool = True, number: str = PHONE
    ) -> Chosen:
        """A whole booking by buttons, with a reminder."""
        chosen = await self.to_reminder_question(place, reason, phone, number=number)
        replies = await self.tap(YES)
        assert confirmed(texts(replies)[0]), texts(replies)
        return chosen

    def appointment(self) -> AppointmentInfo:
        found = self.store.appointments.active(self.chat_id, datetime.now(timezone.utc))
        assert found is not None, f"chat {self.chat_id} has no appointment"
        return found


@pytest.fixture
def learner(client: EmulatorClient, harness: Any, chat_id: int) -> Learner:
    return Learner(client, harness, chat_id)


def other_learner(learner: Learner) -> Learner:
    return Learner(learner.client, learner.harness, next(_extra_ids))


# --- what the store holds -----------------------------------------------------------------


def rows(harness: Any, sql: str, **params: object) -> list[Any]:
    with harness.bot.store.engine.connect() as connection:
        return list(connection.execute(text(sql), params))


def reminders_of(harness: Any, appointment_id: int) -> list[datetime]:
    """When the unsent reminders of an appointment are due (naive UTC, as stored)."""
    table = Reminder.__table__
    query = select(table.c.due_at).where(
        table.c.appointment_id == appointment_id, table.c.sent_at.is_(None)
    )
    with harness.bot.store.engine.connect() as connection:
        return list(connection.execute(query).scalars())


def free_places(harness: Any, location: Location, *starts: datetime) -> list[int]:
    free = harness.bot.store.appointments.free_places(location.id, list(starts), location.places)
    return [free[start] for start in starts]


def tables_holding(harness: Any, needle: str) -> list[str]:
    """Every table with a row that holds `needle` in any column (the tracker's events too)."""
    found = []
    with harness.bot.store.engine.connect() as connection:
        tables = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))
        for (name,) in list(tables):
            for row in connection.execute(text(f'SELECT * FROM "{name}"')):
                if any(needle in str(value) for value in row):
                    found.append(name)
                    break
    return found


def no_error_text(learner: Learner) -> None:
    assert CHANNEL.texts["error"] not in texts(learner.messages()), "the bot hit an error"


# --- 1. booking by buttons only -----------------------------------------------------------


async def test_booking_by_buttons_with_contact_calendar_file_and_reminder(
    learner: Learner,
) -> None:
    """Taalhuis menu → place → first day → first time → reason → own number → reminder yes:
    the confirmation (spoken), the .ics, the appointment and its reminder in the store."""
    chosen, asked = await learner.to_phone_question("tiel", reason="intake")
    keyboard = asked[0]["reply_markup"]
    assert keyboard["keyboard"][:2] == [
        [{"text": CHANNEL.buttons["phone_share"], "request_contact": True}],
        [{"text": CHANNEL.buttons["phone_no"]}],
    ]
    assert keyboard["one_time_keyboard"] is True

    thanks = await learner.share_phone(PHONE)
    assert texts(thanks) == [
        said("utter_afspraak_telefoon_ontvangen"),
        said("utter_ask_afspraak_herinnering"),
    ]
    assert thanks[0]["reply_markup"] == {"remove_keyboard": True}, "the keyboard goes away"
    assert payloads(thanks[-1])[:2] == [YES, NO]

    done = await learner.tap(YES)
    appointment = learner.appointment()
    location = chosen.location
    confirmation, calendar, reminder, *_ = done
    assert text_of(confirmation) == said(
        "utter_afspraak_staat",
        wanneer=chosen.day_title.removeprefix("📅 ")[:1].lower()
        + chosen.day_title.removeprefix("📅 ")[1:],
        tijd=chosen.time_title.removeprefix("🕙 "),
        naam=location.name,
        adres=f"{location.address}, {location.town}",
        nummer=appointment.ref,
    )
    assert when(chosen.day) in text_of(confirmation)
    assert confirmation["voice"], "the confirmation is spoken too (sound is on by default)"

    document = calendar["document"]
    assert document is not None, f"no calendar file after the confirmation: {texts(done)}"
    assert document["file_name"] == f"afspraak-{appointment.ref}.ics"
    assert document["mime_type"] == "text/calendar"
    assert text_of(calendar) == CHANNEL.texts["calendar_caption"]
    ics = unfolded(await learner.client.file_bytes(document["url"]))
    assert "BEGIN:VEVENT" in ics
    assert f"DTSTART:{ics_time(chosen.starts_at)}\r\n" in ics
    assert f"{location.address}\\, {location.town}" in ics.split("LOCATION:")[1].split("\r\n")[0]
    assert appointment.ref in ics

    due = evening_before(chosen.day)
    assert text_of(reminder) == said(
        "utter_afspraak_herinnering", wanneer=when(due.date()), tijd="18:00"
    )
    assert (appointment.location_id, appointment.reason, appointment.status) == (
        "tiel",
        "intake",
        "booked",
    )
    assert appointment.starts_at == to_utc_naive(chosen.starts_at)
    assert appointment.phone == PHONE
    assert reminders_of(learner.harness, appointment.id) == [to_utc_naive(due)]
    assert ends_turn(done) and payloads(done[-1])[0] == CHANGE, "next: 📅 Mijn afspraak"
    no_error_text(learner)


# --- 2. can't come: move, then cancel -----------------------------------------------------


async def test_move_by_buttons_then_cancel_and_an_old_cancel_button(learner: Learner) -> None:
    """ "ik kan niet komen" → 🔄 Andere tijd → another day → a time: moved, a new .ics, the
    old place freed; then ❌ Afzeggen: cancelled and off the day list; the old cancel
    button once more: "no appointment", nothing breaks."""
    chosen = await learner.book("culemborg", reason="oefenen", phone=False)
    location = chosen.location
    booked = learner.appointment()

    menu = await learner.say("ik kan niet komen")
    assert text_of(menu[0]) == said(
        "utter_jouw_afspraak",
        wanneer=when(chosen.day),
        tijd=f"{chosen.starts_at:%H:%M}",
        plaats=location.town,
    )
    assert titles(menu[0])[:3] == [
        LABELS.labels["verzetten"],
        LABELS.labels["afzeggen"],
        LABELS.labels["blijft"],
    ]
    first_menu = menu[0]

    days = await learner.press(first_menu, f'{CHANGE}{{"keuze":"verzetten"}}')
    assert text_of(days[0]) == said("utter_ask_afspraak_dag")
    offered = [date.fromisoformat(value_of(p, "keuze")[1:]) for p in payloads(days[0])[:-2]]
    soon = datetime.now(TIMEZONE) + timedelta(minutes=10)
    new_day = next(d for d in offered if d != chosen.day and evening_before(d) > soon)
    times = await learner.press(days[0], f'{CHANGE}{{"keuze":"d{new_day.isoformat()}"}}')
    assert text_of(times[0]) == said("utter_ask_afspraak_tijd")
    time_button = payloads(times[0])[0]
    new_start = local_start(time_button)
    assert new_start.date() == new_day

    before = free_places(learner.harness, location, chosen.starts_at, new_start)
    moved = await learner.press(times[0], time_button, until=with_calendar)
    after = free_places(learner.harness, location, chosen.starts_at, new_start)
    assert after == [before[0] + 1, before[1] - 1], "the old place is freed, the new one taken"
    assert text_of(moved[0]) == said(
        "utter_afspraak_verzet",
        wanneer=when(new_day),
        tijd=f"{new_start:%H:%M}",
        naam=location.name,
        adres=f"{location.address}, {location.town}",
        nummer=booked.ref,
    )
    [document] = [m["document"] for m in moved if m["document"]]
    assert document["file_name"] == f"afspraak-{booked.ref}.ics"
    ics = unfolded(await learner.client.file_bytes(document["url"]))
    assert f"DTSTART:{ics_time(new_start)}\r\n" in ics
    assert ics_time(chosen.starts_at) not in ics
    now_booked = learner.appointment()
    assert (now_booked.id, now_booked.starts_at) == (booked.id, to_utc_naive(new_start))
    due = evening_before(new_day)
    assert said("utter_afspraak_herinnering", wanneer=when(due.date()), tijd="18:00") in texts(
        moved
    )
    assert reminders_of(learner.harness, booked.id) == [to_utc_naive(due)], "reminder moved"

    # Cancel from the booking's "📅 Mijn afspraak" button.
    second = await learner.tap(CHANGE)
    assert text_of(second[0]).startswith("Je hebt een afspraak.")
    assert f"{new_start:%H:%M}" in text_of(second[0])
    cancelled = await learner.press(second[0], f'{CHANGE}{{"keuze":"afzeggen"}}')
    assert text_of(cancelled[0]) == said("utter_afspraak_afgezegd")
    status = rows(learner.harness, "SELECT status FROM appointments WHERE id = :id", id=booked.id)
    assert [row.status for row in status] == ["cancelled"]
    assert learner.store.appointments.active(learner.chat_id, datetime.now(timezone.utc)) is None
    day_list = learner.store.appointments.on_day(new_day, TIMEZONE)
    assert booked.ref not in [entry.ref for entry in day_list]
    assert free_places(learner.harness, location, new_start) == [before[1]]

    # The same cancel button again (after the double-tap window), and the first menu's.
    await asyncio.sleep(DOUBLE_PRESS_SECONDS + 0.2)
    for menu_message in (second[0], first_menu):
        again = await learner.press(menu_message, f'{CHANGE}{{"keuze":"afzeggen"}}')
        assert texts(again) == [said("utter_geen_afspraak")]
        assert payloads(again[0])[0] == BOOK
    no_error_text(learner)


# --- 3. the coordinator's day list --------------------------------------------------------


async def test_coordinator_lists_the_day_without_telegram_ids(learner: Learner) -> None:
    """`taalmaatje afspraken --dag <day> --json` on the bot's database shows the booking:
    number, time, place and reason, and no Telegram id."""
    chosen = await learner.book("tiel", reason="brief", phone=True)
    appointment = learner.appointment()
    settings = learner.harness.settings
    env = {key: value for key, value in os.environ.items() if not key.startswith("TAALMAATJE_")}
    env.update(
        TAALMAATJE_VAR_DIR=str(Path(settings.database_url.removeprefix("sqlite:///")).parent),
        TAALMAATJE_SECRET="test-secret",
        DATABASE_URL=settings.database_url,
    )
    result = await asyncio.to_thread(
        subprocess.run,
        [str(TAALMAATJE), "afspraken", "--dag", chosen.day.isoformat(), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=PROJECT_ROOT,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert listed["day"] == chosen.day.isoformat()
    [entry] = [e for e in listed["appointments"] if e["ref"] == appointment.ref]
    assert entry == {
        "ref": appointment.ref,
        "location_id": "tiel",
        "location": chosen.location.name,
        "starts_at": chosen.starts_at.isoformat(),
        "reason": "brief",
        "phone": PHONE,
    }
    assert str(learner.chat_id) not in result.stdout
    assert "telegram" not in result.stdout.lower()


# --- 4. the last place, two learners at once ----------------------------------------------


async def test_two_learners_take_the_last_place_at_once(learner: Learner) -> None:
    """A slot with one place left; two learners press the last button at the same moment:
    one gets the confirmation, the other "net vol" and other times; the slot is full, not
    over-full."""
    location = ORGANISATION.locations["geldermalsen"]
    appointments = learner.store.appointments
    now = datetime.now(timezone.utc)
    soon = datetime.now(TIMEZONE) + timedelta(minutes=10)
    day = next(
        choice.day
        for choice in booking.free_days(location, appointments, now)
        if evening_before(choice.day) > soon
    )
    slot = booking.free_times(location, appointments, day, now)[0].starts_at
    [free] = free_places(learner.harness, location, slot)
    for _ in range(free - 1):  # others take all places but one
        taken = appointments.book(next(_extra_ids), location.id, slot, "oefenen", location.places)
        assert isinstance(taken, Booking)
    assert free_places(learner.harness, location, slot) == [1]

    first, second = learner, other_learner(learner)
    for one in (first, second):
        await one.to_reminder_question(location.id, phone=False, day=day, starts_at=slot)
    both = await asyncio.gather(first.tap(YES), second.tap(YES))

    full = said("utter_afspraak_net_vol")
    won = [replies for replies in both if full not in texts(replies)]
    lost = [replies for replies in both if full in texts(replies)]
    assert len(won) == 1 and len(lost) == 1, [texts(replies) for replies in both]
    assert confirmed(texts(won[0])[0])
    assert f"{slot:%H:%M}" in texts(won[0])[0]
    assert texts(lost[0])[0] == full
    alternatives = [p for m in lost[0] for p in payloads(m) if p.startswith(f'{BOOK}{{"tijd"')]
    assert alternatives, f"no other times offered: {texts(lost[0])}"
    assert all(local_start(p) != slot for p in alternatives)
    assert free_places(learner.harness, location, slot) == [0]
    in_slot = [e for e in appointments.on_day(day, TIMEZONE) if e.starts_at_local == slot]
    assert len(in_slot) == location.places

    # The one who lost takes the first other time and is booked after all.
    loser = first if lost[0] is both[0] else second
    again = await loser.tap(alternatives[0])
    assert confirmed(texts(again)[0])
    assert loser.appointment().starts_at == to_utc_naive(local_start(alternatives[0]))


# --- 5. odd input during the form ---------------------------------------------------------


@pytest.mark.parametrize("question", ["afspraak_plek", "afspraak_dag", "afspraak_reden"])
async def test_stop_ends_the_form_and_nothing_is_booked(learner: Learner, question: str) -> None:
    """ "stop" at a question of the form: the stop text, no form any more, nothing booked;
    a new start is clean (no leftover question takes the new words as its answer)."""
    await learner.open_form()
    if question != "afspraak_plek":
        await learner.choose_place("tiel")
    if question == "afspraak_reden":
        await learner.choose_day()
        await learner.choose_time()
    dialogue = learner.harness.bot.dialogue
    assert await dialogue.asked_for(str(learner.chat_id)) == question
    stopped = await learner.say("stop")
    assert texts(stopped) == [said("utter_gestopt")]
    assert await dialogue.asked_for(str(learner.chat_id)) is None
    assert learner.store.appointments.active(learner.chat_id, datetime.now(timezone.utc)) is None
    booked = "SELECT id FROM appointments WHERE telegram_id = :t"
    assert rows(learner.harness, booked, t=learner.chat_id) == []

    again = await learner.say("ik wil een afspraak maken")
    assert texts(again) == [said("utter_afspraak_uitleg"), said("utter_ask_afspraak_plek")]


async def test_photo_sticker_and_nog_eens_keep_the_form_going(learner: Learner) -> None:
    """A photo gets the channel's own text, a sticker a "tap a button", "nog eens" the
    question again; the form goes on from the repeated buttons."""
    await learner.open_form()
    photo = await learner.act("photo", {}, expect=1, settle=0.5)
    assert texts(photo) == [CHANNEL.texts["photo"]]
    sticker = await learner.act("sticker", {})  # the emulator's sticker: a 👍
    friendly = {said("utter_afspraak_kies_knop"), CHANNEL.texts["sticker"]}
    assert texts(sticker)[0] in friendly and texts(sticker)[-1] == said("utter_ask_afspraak_plek")
    await learner.choose_place("culemborg")

    question, days = learner.newest(f'{BOOK}{{"dag"')
    repeated = await learner.say("nog eens")
    assert texts(repeated) == [said("utter_ask_afspraak_dag")]
    assert payloads(repeated[0]) == payloads(question)
    assert repeated[0]["voice"]
    day = date.fromisoformat(value_of(days[0], "dag"))
    await learner.choose_day(day)
    assert await learner.harness.bot.dialogue.asked_for(str(learner.chat_id)) == "afspraak_tijd"
    no_error_text(learner)


async def test_contacts_count_only_when_asked_and_own(learner: Learner) -> None:
    """A number nobody asked for is thanked and not kept; another person's number is
    refused; "👎 Nee, liever niet" typed is a no; the booking has no phone."""
    unasked = "+31687650123"
    outside = await learner.share_phone(unasked, expect=1, settle=0.5)
    assert texts(outside) == [CHANNEL.texts["contact_unasked"]]
    await learner.open_form()
    await learner.choose_place("tiel")
    during = await learner.share_phone(unasked, expect=1, settle=0.5)
    assert texts(during) == [CHANNEL.texts["contact_unasked"]]
    assert await learner.harness.bot.dialogue.asked_for(str(learner.chat_id)) == "afspraak_dag"
    await learner.choose_day()
    await learner.choose_time()
    asked = await learner.tap(f'{BOOK}{{"reden":"brief"}}')
    assert texts(asked) == [said("utter_ask_afspraak_telefoon")]

    someone = "+31699887766"
    refused = await learner.share_contact_of(someone, owner_id=learner.chat_id + 1)
    assert texts(refused) == [CHANNEL.texts["contact_other"]]
    assert await learner.harness.bot.dialogue.asked_for(str(learner.chat_id)) == (
        "afspraak_telefoon"
    )

    declined = await learner.say(CHANNEL.buttons["phone_no"])
    assert texts(declined) == [
        said("utter_afspraak_zonder_telefoon"),
        said("utter_ask_afspraak_herinnering"),
    ]
    assert declined[0]["reply_markup"] == {"remove_keyboard": True}
    await learner.tap(NO)
    appointment = learner.appointment()
    assert appointment.phone is None
    assert reminders_of(learner.harness, appointment.id) == []
    for number in (unasked, someone):
        assert tables_holding(learner.harness, number.lstrip("+")) == [], number
    no_error_text(learner)


@pytest.mark.parametrize("question", ["afspraak_telefoon", "afspraak_herinnering"])
async def test_nog_eens_then_the_answer_at_a_yes_no_question(
    learner: Learner, question: str
) -> None:
    """ "🔁 Nog eens" at the phone or reminder question says it again; the answer after it
    (👎 Nee, liever niet; 👍 Ja) counts at once, like without the repeat."""
    chosen, _ = await learner.to_phone_question("culemborg", reason="oefenen")
    if question == "afspraak_telefoon":
        repeated = await learner.say(CHANNEL.buttons["again"])  # the keyboard's text button
        assert texts(repeated) == [said("utter_ask_afspraak_telefoon")]
        share = {"text": CHANNEL.buttons["phone_share"], "request_contact": True}
        assert repeated[0]["reply_markup"]["keyboard"][0] == [share], "the contact button again"
        answered = await learner.say(CHANNEL.buttons["phone_no"])
        assert texts(answered) == [
            said("utter_afspraak_zonder_telefoon"),
            said("utter_ask_afspraak_herinnering"),
        ]
    else:
        await learner.say(CHANNEL.buttons["phone_no"])
        ask, _ = learner.newest(YES)
        repeated = await learner.press(ask, "/herhalen")  # the replay button under it
        assert texts(repeated)[-1] == said("utter_ask_afspraak_herinnering")  # the last turn
        answered = await learner.tap(YES)
        assert confirmed(texts(answered)[0]), texts(answered)
        assert learner.appointment().starts_at == to_utc_naive(chosen.starts_at)
    no_error_text(learner)


async def test_malformed_buttons_get_a_simple_answer(learner: Learner) -> None:
    """Made-up callback data (a day that does not exist, odd move steps) gets a short known
    answer; the form and the appointment stay as they were."""
    await learner.open_form()
    bad_day = f'{BOOK}{{"dag":"9999-99-99"}}'
    menu, _ = learner.newest(f'{BOOK}{{"plek"')
    before_place = await learner.press(menu, bad_day)
    assert texts(before_place)[-1] == said("utter_ask_afspraak_plek")
    await learner.choose_place("tiel")
    question, _ = learner.newest(f'{BOOK}{{"dag"')
    answer = await learner.press(question, bad_day)
    assert texts(answer) == [said("utter_afspraak_kies_knop"), said("utter_ask_afspraak_dag")]
    assert await learner.harness.bot.dialogue.asked_for(str(learner.chat_id)) == "afspraak_dag"
    no_error_text(learner)


async def test_odd_move_steps_leave_the_appointment_alone(learner: Learner) -> None:
    """Callback data no button had, after a booking: a day or time that does not exist, a
    day long past, an unknown step. Each gets a short known answer; nothing changes."""
    await learner.book("culemborg", reason="intake", phone=False)
    booked = learner.appointment()
    message = learner.messages()[-1]
    known = {
        said("utter_ask_afspraak_dag"),
        said("utter_afspraak_voorbij"),
        said("utter_afspraak_kies_knop"),
        said("utter_niet_begrepen"),
    }
    for data in (
        f'{CHANGE}{{"keuze":"d9999-99-99"}}',
        f'{CHANGE}{{"keuze":"t2026-02-30_10:00"}}',
        f'{CHANGE}{{"keuze":"d2020-01-07"}}',
        f'{CHANGE}{{"keuze":"t2020-01-07_10:00"}}',
        f'{CHANGE}{{"keuze":"weg"}}',
        '/afspraak_annuleren{"keuze":9}',
    ):
        replies = await learner.press(message, data)
        first = text_of(replies[0])
        assert (
            first.startswith("Je hebt een afspraak.")
            or first in known
            or (first == CHANNEL.texts["old_button"])
        ), (data, texts(replies))
        assert learner.appointment() == booked, data
    no_error_text(learner)


# --- 6. "vergeet mij" ---------------------------------------------------------------------


async def test_forget_me_erases_the_appointment_and_frees_the_place(learner: Learner) -> None:
    """ "vergeet mij" + yes: no appointment, no reminder is left, and the place is free."""
    phone = "+31611122233"
    chosen = await learner.book("tiel", reason="oefenen", phone=True, number=phone)
    appointment = learner.appointment()
    assert appointment.phone == phone
    [before] = free_places(learner.harness, chosen.location, chosen.starts_at)

    ask = await learner.say("vergeet mij")
    assert texts(ask) == [said("utter_vraag_wissen")]
    erased = await learner.press(ask[0], YES)
    assert texts(erased) == [said("utter_gewist")]

    assert (
        rows(
            learner.harness, "SELECT id FROM appointments WHERE telegram_id = :t", t=learner.chat_id
        )
        == []
    )
    assert (
        rows(learner.harness, "SELECT id FROM reminders WHERE telegram_id = :t", t=learner.chat_id)
        == []
    )
    assert free_places(learner.harness, chosen.location, chosen.starts_at) == [before + 1]
    assert appointment.ref not in [
        e.ref for e in learner.store.appointments.on_day(chosen.day, TIMEZONE)
    ]
    assert tables_holding(learner.harness, phone.lstrip("+")) == []
