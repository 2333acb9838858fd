"""Appointments, slot capacity and reminders on a real SQLite file; the calendar file and
the reminder rule.

The scenarios below take a sessionmaker so tests/e2e/test_appointments_postgres.py runs the
very same ones on PostgreSQL.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.store.appointments import (
    AlreadyBooked,
    Appointments,
    Booking,
    DayEntry,
    Full,
    appointment_ref,
)
from bot.store.db import make_engine, make_sessionmaker
from bot.store.models import Appointment, AppointmentSlot, Reminder
from bot.taalhuis.ics import calendar_file
from bot.taalhuis.reminders import reminder_time

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2030, 1, 1, 12, 0)  # naive UTC, before every slot below
MONDAY = datetime(2030, 1, 7, 9, 0)  # a slot start, naive UTC (10:00 in Amsterdam)
LOC = "centrum"

_learners = itertools.count(500_000)


def learner() -> int:
    return next(_learners)


def run_together(count: int, work: Callable[[int], object]) -> list[object]:
    """Run work(i) in count threads released at the same moment by a barrier."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = work(index)
        except BaseException as error:  # reported in the test thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def slot_state(sessions: sessionmaker, starts_at: datetime) -> tuple[int, int]:
    """(the slot's counter, the booked appointments in it): they must always agree."""
    with sessions() as session:
        counter = session.scalar(
            select(AppointmentSlot.booked).where(
                AppointmentSlot.location_id == LOC, AppointmentSlot.starts_at == starts_at
            )
        )
        rows = session.scalar(
            select(func.count(Appointment.id)).where(
                Appointment.location_id == LOC,
                Appointment.starts_at == starts_at,
                Appointment.status == "booked",
            )
        )
    return int(counter or 0), int(rows or 0)


# --- scenarios, shared with the PostgreSQL tests ----------------------------------------


def race_for_the_last_place(sessions: sessionmaker, rounds: int = 20) -> None:
    store = Appointments(sessions)
    for round_ in range(rounds):
        slot = MONDAY + timedelta(days=round_, hours=1)
        assert isinstance(store.book(learner(), LOC, slot, "intake", 2, now=NOW), Booking)
        racers = [learner(), learner()]
        results = run_together(
            2, lambda i, s=slot, r=racers: store.book(r[i], LOC, s, "oefenen", 2, now=NOW)
        )
        kinds = sorted(type(result).__name__ for result in results)
        assert kinds == ["Booking", "Full"], (round_, results)
        assert slot_state(sessions, slot) == (2, 2)
        assert store.free_places(LOC, [slot], 2) == {slot: 0}


def ten_bookers_never_exceed_capacity(sessions: sessionmaker, rounds: int = 5) -> None:
    store = Appointments(sessions)
    for round_ in range(rounds):
        slot = MONDAY + timedelta(days=40 + round_)
        people = [learner() for _ in range(10)]
        results = run_together(
            10, lambda i, s=slot, p=people: store.book(p[i], LOC, s, "brief", 3, now=NOW)
        )
        assert sum(isinstance(result, Booking) for result in results) == 3
        assert sum(isinstance(result, Full) for result in results) == 7
        assert slot_state(sessions, slot) == (3, 3)


def a_double_tap_books_once(sessions: sessionmaker, rounds: int = 10) -> None:
    """The same learner asking for two slots at once gets one; the other sees it."""
    store = Appointments(sessions)
    for round_ in range(rounds):
        person = learner()
        slots = [MONDAY + timedelta(days=80 + round_, hours=h) for h in (0, 1)]
        results = run_together(
            2, lambda i, s=slots, p=person: store.book(p, LOC, s[i], "intake", 5, now=NOW)
        )
        booked = [r for r in results if isinstance(r, Booking)]
        already = [r for r in results if isinstance(r, AlreadyBooked)]
        assert len(booked) == 1 and len(already) == 1, results
        assert already[0].existing == booked[0].appointment
        assert sum(slot_state(sessions, slot)[0] for slot in slots) == 1


def moves_and_cancels_free_places(sessions: sessionmaker) -> None:
    store = Appointments(sessions)
    first, second = MONDAY + timedelta(days=120), MONDAY + timedelta(days=121)
    anna, bram, cas = learner(), learner(), learner()
    booking = store.book(anna, LOC, first, "intake", 1, remind=True, now=NOW)
    assert isinstance(booking, Booking) and booking.reminder_due_at is not None
    assert isinstance(store.book(bram, LOC, first, "intake", 1, now=NOW), Full)
    assert isinstance(store.book(bram, LOC, second, "intake", 1, now=NOW), Booking)
    # the second slot is full: anna cannot move there, and nothing changed
    assert isinstance(store.move(anna, booking.appointment.id, second, 1, now=NOW), Full)
    assert store.active(anna, NOW) == booking.appointment
    assert slot_state(sessions, first) == (1, 1) and slot_state(sessions, second) == (1, 1)
    # bram cancels: his place is free, anna moves into it, and her old place frees up
    bram_id = store.active(bram, NOW).id
    assert store.cancel(bram, bram_id) is True
    assert store.cancel(bram, bram_id) is False  # a second tap changes nothing
    assert store.free_places(LOC, [first, second], 1) == {first: 0, second: 1}
    moved = store.move(anna, booking.appointment.id, second, 1, now=NOW)
    assert isinstance(moved, Booking)
    assert moved.appointment.starts_at == second and moved.appointment.id == booking.appointment.id
    assert moved.reminder_due_at is not None and moved.reminder_due_at > booking.reminder_due_at
    assert store.free_places(LOC, [first, second], 1) == {first: 1, second: 0}
    assert isinstance(store.book(cas, LOC, first, "brief", 1, now=NOW), Booking)
    # someone else's appointment cannot be moved or cancelled
    assert store.move(cas, booking.appointment.id, first, 1, now=NOW) is None
    assert store.cancel(cas, booking.appointment.id) is False
    # cancelling deletes the unsent reminder
    assert store.cancel(anna, booking.appointment.id) is True
    assert store.active(anna, NOW) is None
    with sessions() as session:
        assert (
            session.scalar(select(func.count(Reminder.id)).where(Reminder.telegram_id == anna)) == 0
        )
    assert store.free_places(LOC, [first, second], 1) == {first: 0, second: 1}
    assert slot_state(sessions, first) == (1, 1) and slot_state(sessions, second) == (0, 0)


def swapping_learners_do_not_deadlock(sessions: sessionmaker, rounds: int = 10) -> None:
    """Two learners moving into each other's slot at once: both fail (full) or one wins,
    never an error, and the counters stay right."""
    store = Appointments(sessions)
    for round_ in range(rounds):
        x = MONDAY + timedelta(days=200 + round_)
        y = x + timedelta(hours=2)
        a, b = learner(), learner()
        ids = [
            store.book(a, LOC, x, "oefenen", 2, now=NOW),
            store.book(b, LOC, y, "oefenen", 2, now=NOW),
        ]
        assert all(isinstance(result, Booking) for result in ids)
        plan = [(a, ids[0].appointment.id, y), (b, ids[1].appointment.id, x)]
        results = run_together(
            2, lambda i, p=plan: store.move(p[i][0], p[i][1], p[i][2], 2, now=NOW)
        )
        assert all(isinstance(result, Booking) for result in results), results
        assert slot_state(sessions, x) == (1, 1) and slot_state(sessions, y) == (1, 1)


def a_reminder_is_claimed_once(sessions: sessionmaker, rounds: int = 20) -> None:
    store = Appointments(sessions)
    for round_ in range(rounds):
        slot = MONDAY + timedelta(days=300 + round_)
        booking = store.book(learner(), LOC, slot, "intake", 4, remind=True, remind_at=NOW, now=NOW)
        assert isinstance(booking, Booking)
        (due,) = [r for r in store.due_reminders(NOW) if r.appointment_id == booking.appointment.id]
        claims = run_together(2, lambda _i, d=due: store.mark_sent(d.id, NOW))
        assert sorted(claims) == [False, True]
        assert due.id not in {r.id for r in store.due_reminders(NOW)}


def reminders_survive_a_restart(sessions: sessionmaker, reopen: Callable[[], sessionmaker]) -> None:
    store = Appointments(sessions)
    slot = MONDAY + timedelta(days=400)
    sent_one, pending = learner(), learner()
    for person in (sent_one, pending):
        result = store.book(person, LOC, slot, "oefenen", 5, remind=True, remind_at=NOW, now=NOW)
        assert isinstance(result, Booking)
    later_one = store.book(
        learner(), LOC, slot, "oefenen", 5, remind=True, remind_at=NOW + timedelta(days=1), now=NOW
    )
    assert isinstance(later_one, Booking)
    mine = {sent_one, pending, later_one.appointment.telegram_id}
    due = [r for r in store.due_reminders(NOW) if r.telegram_id in mine]
    assert {r.telegram_id for r in due} == {sent_one, pending}
    assert store.mark_sent(next(r.id for r in due if r.telegram_id == sent_one), NOW)

    restarted = Appointments(reopen())  # a new engine on the same database
    due = [r for r in restarted.due_reminders(NOW) if r.telegram_id in mine]
    assert [r.telegram_id for r in due] == [pending]
    assert due[0].starts_at == slot and due[0].location_id == LOC and due[0].reason == "oefenen"
    assert restarted.mark_sent(due[0].id, NOW) is True
    assert not [r for r in restarted.due_reminders(NOW) if r.telegram_id in mine]
    tomorrow = NOW + timedelta(days=1)
    assert [r.telegram_id for r in restarted.due_reminders(tomorrow) if r.telegram_id in mine] == [
        later_one.appointment.telegram_id
    ]
    # after the appointment has passed, its reminder is no longer due
    assert not [r for r in restarted.due_reminders(slot) if r.telegram_id in mine]


def erase_removes_everything_and_frees_the_place(sessions: sessionmaker) -> None:
    store = Appointments(sessions)
    slot, old = MONDAY + timedelta(days=500), MONDAY - timedelta(days=30)
    person, other = learner(), learner()
    assert isinstance(
        store.book(person, LOC, old, "intake", 1, now=old - timedelta(days=1)), Booking
    )
    assert isinstance(
        store.book(person, LOC, slot, "brief", 1, phone="0612345678", remind=True, now=NOW),
        Booking,
    )
    assert isinstance(
        store.book(other, LOC, slot + timedelta(hours=1), "brief", 1, remind=True, now=NOW), Booking
    )
    assert store.erase(person) == 2
    assert store.active(person, NOW) is None
    with sessions() as session:
        for model in (Appointment, Reminder):
            assert (
                session.scalar(select(func.count(model.id)).where(model.telegram_id == person)) == 0
            )
            assert (
                session.scalar(select(func.count(model.id)).where(model.telegram_id == other)) == 1
            )
    assert store.free_places(LOC, [slot], 1) == {slot: 1}
    assert store.erase(person) == 0


# --- SQLite ----------------------------------------------------------------------------


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker:
    return make_sessionmaker(engine)


@pytest.fixture
def store(sessions: sessionmaker) -> Appointments:
    return Appointments(sessions)


def test_two_learners_racing_for_the_last_place(sessions: sessionmaker) -> None:
    race_for_the_last_place(sessions)


def test_ten_bookers_never_exceed_the_capacity(sessions: sessionmaker) -> None:
    ten_bookers_never_exceed_capacity(sessions)


def test_a_double_tap_books_once(sessions: sessionmaker) -> None:
    a_double_tap_books_once(sessions)


def test_move_and_cancel_free_places(sessions: sessionmaker) -> None:
    moves_and_cancels_free_places(sessions)


def test_swapping_learners(sessions: sessionmaker) -> None:
    swapping_learners_do_not_deadlock(sessions)


def test_a_reminder_claimed_by_two_workers_is_sent_once(sessions: sessionmaker) -> None:
    a_reminder_is_claimed_once(sessions)


def test_reminders_after_a_restart(engine: Engine, sessions: sessionmaker) -> None:
    engines: list[Engine] = []

    def reopen() -> sessionmaker:
        engines.append(make_engine(str(engine.url)))
        return make_sessionmaker(engines[-1])

    try:
        reminders_survive_a_restart(sessions, reopen)
    finally:
        for other in engines:
            other.dispose()


def test_erase(sessions: sessionmaker) -> None:
    erase_removes_everything_and_frees_the_place(sessions)


def test_book_returns_the_stored_appointment(store: Appointments) -> None:
    person = learner()
    aware = datetime(2030, 1, 7, 10, 0, tzinfo=AMS)  # the same moment as MONDAY
    booking = store.book(person, LOC, aware, "intake", 3, phone="0612345678", now=NOW)
    assert isinstance(booking, Booking)
    assert booking.reminder_due_at is None  # not asked for
    info = booking.appointment
    assert (info.telegram_id, info.location_id, info.starts_at, info.reason, info.phone) == (
        person, LOC, MONDAY, "intake", "0612345678",
    )  # fmt: skip
    assert info.status == "booked" and info.ref == appointment_ref(info.id)
    assert store.active(person, NOW) == info
    assert store.active(person, MONDAY) is None  # no longer upcoming
    again = store.book(person, LOC, MONDAY + timedelta(days=1), "brief", 3, now=NOW)
    assert again == AlreadyBooked(info)
    # once the appointment has passed, a new one may be booked
    assert isinstance(
        store.book(person, LOC, MONDAY + timedelta(days=1), "brief", 3, now=MONDAY), Booking
    )
    with pytest.raises(ValueError):
        store.book(learner(), LOC, MONDAY, "koffie", 3, now=NOW)
    assert store.free_places(LOC, [aware, MONDAY + timedelta(hours=1)], 3) == {
        aware: 2,
        MONDAY + timedelta(hours=1): 3,
    }
    assert store.free_places(LOC, [], 3) == {}


def test_the_reminder_follows_the_rule(store: Appointments) -> None:
    monday_10 = datetime(2030, 1, 7, 10, 0, tzinfo=AMS)
    booking = store.book(learner(), LOC, monday_10, "oefenen", 3, remind=True, now=NOW)
    assert isinstance(booking, Booking)
    assert booking.reminder_due_at == datetime(2030, 1, 6, 17, 0)  # 18:00 Amsterdam, in UTC
    # booked at 20:00 the evening before a 10:00 appointment: no reminder is left to send
    late = datetime(2030, 1, 6, 19, 0)
    tuesday_10 = datetime(2030, 1, 8, 10, 0, tzinfo=AMS)
    booking = store.book(learner(), LOC, tuesday_10, "oefenen", 3, remind=True, now=late)
    assert isinstance(booking, Booking) and booking.reminder_due_at == datetime(2030, 1, 7, 17, 0)
    booking = store.book(learner(), LOC, monday_10, "oefenen", 3, remind=True, now=late)
    assert isinstance(booking, Booking) and booking.reminder_due_at is None
    due = store.due_reminders(MONDAY - timedelta(minutes=1))
    assert booking.appointment.id not in {r.appointment_id for r in due}


def test_the_coordinators_day_list(store: Appointments) -> None:
    # 2026-10-25 is 25 hours long in Amsterdam: 00:00 local is 22:00 UTC the day before
    early = datetime(2026, 10, 24, 22, 30)  # 00:30 local on the 25th
    late = datetime(2026, 10, 25, 22, 30)  # 23:30 local on the 25th
    outside = datetime(2026, 10, 25, 23, 30)  # 00:30 local on the 26th
    now = datetime(2026, 10, 1)
    refs = {}
    for when, reason, phone in (
        (late, "brief", None),
        (early, "intake", "0612345678"),
        (outside, "oefenen", None),
    ):
        booking = store.book(learner(), LOC, when, reason, 3, phone=phone, now=now)
        assert isinstance(booking, Booking)
        refs[when] = booking.appointment.ref
    cancelled = store.book(learner(), "noord", early, "brief", 3, now=now)
    assert store.cancel(cancelled.appointment.telegram_id, cancelled.appointment.id)
    day = store.on_day(date(2026, 10, 25), AMS)
    assert day == [
        DayEntry(
            refs[early], LOC, datetime(2026, 10, 25, 0, 30, tzinfo=AMS), "intake", "0612345678"
        ),
        DayEntry(refs[late], LOC, datetime(2026, 10, 25, 23, 30, tzinfo=AMS), "brief", None),
    ]
    assert [entry.starts_at_local.hour for entry in day] == [0, 23]
    assert [entry.ref for entry in store.on_day(date(2026, 10, 26), AMS)] == [refs[outside]]


# --- the reminder rule -----------------------------------------------------------------


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=AMS)


@pytest.mark.parametrize(
    ("start", "expected_utc"),
    [
        # the evening before the clocks go back (25 October 2026) is still summer time
        (at(2026, 10, 25, 14, 0), datetime(2026, 10, 24, 16, 0, tzinfo=timezone.utc)),
        # the evening of the change itself is winter time
        (at(2026, 10, 26, 10, 0), datetime(2026, 10, 25, 17, 0, tzinfo=timezone.utc)),
        # spring forward on 28 March 2027
        (at(2027, 3, 28, 10, 0), datetime(2027, 3, 27, 17, 0, tzinfo=timezone.utc)),
        (at(2027, 3, 29, 9, 0), datetime(2027, 3, 28, 16, 0, tzinfo=timezone.utc)),
    ],
)
def test_the_evening_before_across_daylight_saving(start: datetime, expected_utc: datetime) -> None:
    remind = reminder_time(start, now=at(2026, 9, 1, 12, 0))
    assert remind == expected_utc
    assert remind is not None and remind.astimezone(AMS).hour == 18
    assert remind.astimezone(AMS).date() == start.date() - timedelta(days=1)


def test_the_reminder_time_when_booked_late() -> None:
    # booked after 18:00 the evening before: 09:00 on the day, if the start is late enough
    assert reminder_time(at(2027, 3, 28, 14, 0), now=at(2027, 3, 27, 19, 0)) == at(
        2027, 3, 28, 9, 0
    )
    assert reminder_time(
        at(2027, 3, 28, 14, 0), now=at(2027, 3, 27, 19, 0)
    ).utcoffset() == timedelta(hours=2)
    assert reminder_time(at(2027, 3, 28, 10, 30), now=at(2027, 3, 27, 19, 0)) is None
    # booked on the day itself, or just before the reminder would go
    assert reminder_time(at(2026, 10, 25, 15, 0), now=at(2026, 10, 25, 10, 0)) is None
    assert reminder_time(at(2026, 10, 25, 15, 0), now=at(2026, 10, 24, 17, 59)) == at(
        2026, 10, 24, 18, 0
    )
    # naive input is Amsterdam time; a start given in UTC is converted first
    assert reminder_time(datetime(2026, 10, 26, 10, 0), now=datetime(2026, 10, 1)) == at(
        2026, 10, 25, 18, 0
    )
    utc_start = datetime(2026, 10, 25, 23, 30, tzinfo=timezone.utc)  # 00:30 on the 26th
    assert reminder_time(utc_start, now=at(2026, 10, 1, 0, 0)) == at(2026, 10, 25, 18, 0)


def test_a_reminder_is_never_at_night_in_the_past_or_after_the_start() -> None:
    base = at(2026, 10, 20, 0, 0)
    for start_step in range(0, 24 * 4 * 7, 7):  # starts every 105 minutes over a week
        start = (base.astimezone(timezone.utc) + timedelta(minutes=15 * start_step)).astimezone(AMS)
        for hours_ahead in (1, 3, 8, 15, 20, 26, 40, 72):
            now = (start.astimezone(timezone.utc) - timedelta(hours=hours_ahead)).astimezone(AMS)
            remind = reminder_time(start, now=now)
            if remind is None:
                assert hours_ahead <= 40
                continue
            assert now < remind < start
            assert remind.astimezone(AMS).hour in (9, 18) and remind.minute == 0


# --- the calendar file -----------------------------------------------------------------


def parse_ics(data: bytes) -> list[tuple[str, dict[str, str], str]]:
    """A strict little reader: CRLF only, physical lines of at most 75 octets, unfolding."""
    assert data.endswith(b"\r\n")
    physical = data[:-2].split(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in physical)
    assert all(len(line) <= 75 for line in physical), [len(line) for line in physical]
    logical: list[bytes] = []
    for line in physical:
        if line.startswith(b" "):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    result = []
    for raw in logical:
        line = raw.decode("utf-8")  # folding never split a character
        head, value = line.split(":", 1)
        name, *params = head.split(";")
        result.append((name, dict(p.split("=", 1) for p in params), value))
    return result


def unescape(value: str) -> str:
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            nxt = next(chars)
            out.append("\n" if nxt in "nN" else nxt)
        else:
            assert char not in ",;", value  # must have been escaped
            out.append(char)
    return "".join(out)


def test_the_calendar_file_is_valid_icalendar() -> None:
    start = at(2026, 10, 26, 10, 0)  # the Monday after the clocks went back: 09:00 UTC
    location = "Taalhuis Centrum, Kerkstraat 1; 2e étage\\achter"
    description = "Neem je pas mee.\nAfspraak 0042, bel 030-1234567 als je niet kunt. " * 3
    summary = "Afspraak bij het Taalhuis 📅 — intake met een heel lange titel voor het vouwen"
    data = calendar_file(
        "0042@taalmaatje", start, 45, summary, location, description, stamp=datetime(2026, 10, 1)
    )
    lines = parse_ics(data)
    names = [name for name, _params, _value in lines]
    assert names[0] == "BEGIN" and lines[0][2] == "VCALENDAR" and lines[-1][2] == "VCALENDAR"
    assert names.count("BEGIN") == names.count("END") == 3  # calendar, event, alarm
    props = {name: value for name, _params, value in lines if name not in ("BEGIN", "END")}
    assert props["VERSION"] == "2.0" and props["PRODID"]
    assert props["UID"] == "0042@taalmaatje"
    assert props["DTSTAMP"] == "20261001T000000Z"
    assert props["DTSTART"] == "20261026T090000Z" and props["DTEND"] == "20261026T094500Z"
    round_trip = datetime.strptime(props["DTSTART"], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    assert round_trip == start
    assert unescape(props["LOCATION"]) == location
    assert unescape(props["SUMMARY"]) == summary
    event = [(name, value) for name, _params, value in lines]
    description_value = next(v for n, v in event if n == "DESCRIPTION")
    assert unescape(description_value) == description
    assert ("TRIGGER", "-P1D") in event and ("ACTION", "DISPLAY") in event
    assert any(len(line) == 75 for line in data.split(b"\r\n"))  # folding was exercised
    assert b"VALARM" not in calendar_file("x", start, 30, "a", "b", "c", alarm=False)


def test_the_calendar_file_refuses_a_naive_start() -> None:
    with pytest.raises(ValueError):
        calendar_file("x", datetime(2026, 10, 26, 10), 30, "a", "b", "c")
