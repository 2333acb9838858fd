"""The choices of the appointment dialogue, on the real Taalhuis data and a real SQLite file:
free days and times, the one-hour rule, closing days, full slots, summer time."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timezone

import pytest
from sqlalchemy.engine import Engine

from bot.store.appointments import Appointments, Booking
from bot.store.db import make_sessionmaker
from bot.taalhuis.booking import (
    CLOSED,
    FULL,
    NO_WALK_IN,
    PAST,
    UNKNOWN_TIME,
    DayChoice,
    Problem,
    TimeChoice,
    check_day,
    check_time,
    free_days,
    free_times,
)
from bot.taalhuis.hours import walk_in_slots
from bot.taalhuis.organisation import TIMEZONE, Location, load_organisation

UTC = timezone.utc
# Walk-in in the shipped data: Tiel on Tuesday 10:00-12:00 and Thursday 14:00-16:00,
# 18:00-19:30 (3 places); Culemborg on Wednesday 10:00-12:00 and Friday 13:30-15:30 (2 places).
ORGANISATION = load_organisation()
TIEL = ORGANISATION.locations["tiel"]
CULEMBORG = ORGANISATION.locations["culemborg"]
# Monday before Christmas 2026: Friday 25 December (Kerst) and 1 January are holidays.
MONDAY = "2026-12-21 09:00"

_learners = itertools.count(700_000)


def local(text: str) -> datetime:
    """A wall-clock time in Amsterdam, e.g. local("2026-12-22 10:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=TIMEZONE)


def day(text: str) -> date:
    return date.fromisoformat(text)


@pytest.fixture
def store(engine: Engine) -> Appointments:
    return Appointments(make_sessionmaker(engine))


def fill(store: Appointments, location: Location, *slots: datetime) -> None:
    """Book every place of each slot, one learner per place."""
    for slot in slots:
        for _ in range(location.places):
            result = store.book(
                next(_learners), location.id, slot, "intake", location.places, now=local(MONDAY)
            )
            assert isinstance(result, Booking), result


# --- free days ---------------------------------------------------------------------------


def test_free_days_skip_closing_days_and_days_without_walk_in(store: Appointments) -> None:
    days = free_days(CULEMBORG, store, local(MONDAY), days_ahead=21)
    # Not Friday 25 December (Kerst) nor Friday 1 January (Nieuwjaarsdag); only Wed and Fri.
    assert days == [
        DayChoice(day("2026-12-23"), 8),
        DayChoice(day("2026-12-30"), 8),
        DayChoice(day("2027-01-06"), 8),
        DayChoice(day("2027-01-08"), 8),
    ]
    assert all(choice.day.weekday() in CULEMBORG.walk_in for choice in days)


def test_free_days_respect_limit_and_days_ahead(store: Appointments) -> None:
    assert [c.day for c in free_days(CULEMBORG, store, local(MONDAY), limit=2)] == [
        day("2026-12-23"),
        day("2026-12-30"),
    ]
    # Today plus 10 days ends on 31 December: Wednesday 23 and 30 only.
    assert len(free_days(CULEMBORG, store, local(MONDAY), days_ahead=10)) == 2
    # The default looks two weeks ahead: today through Monday 4 January.
    assert len(free_days(CULEMBORG, store, local(MONDAY))) == 2
    assert free_days(CULEMBORG, store, local(MONDAY), days_ahead=1) == []


def test_today_counts_only_slots_an_hour_ahead(store: Appointments) -> None:
    # Wednesday 10:30: 10:00-11:00 are too soon, 11:30 (2 places) is exactly an hour ahead.
    assert free_days(CULEMBORG, store, local("2026-12-23 10:30"))[0] == DayChoice(
        day("2026-12-23"), 2
    )
    # From 11:00 on, not even 11:30 is an hour ahead: today is not offered.
    assert free_days(CULEMBORG, store, local("2026-12-23 11:00"))[0].day == day("2026-12-30")


def test_today_is_the_local_day_not_the_utc_day(store: Appointments) -> None:
    just_after_midnight = datetime(2026, 12, 22, 23, 30, tzinfo=UTC)  # 00:30 on the 23rd
    assert free_days(CULEMBORG, store, just_after_midnight)[0] == DayChoice(day("2026-12-23"), 8)


def test_a_full_day_disappears_and_check_day_says_full(store: Appointments) -> None:
    fill(store, CULEMBORG, *walk_in_slots(CULEMBORG, day("2026-12-23")))
    later = free_days(CULEMBORG, store, local(MONDAY), days_ahead=28)
    assert [c.day for c in later] == [
        day("2026-12-30"),
        day("2027-01-06"),
        day("2027-01-08"),
        day("2027-01-13"),
    ]
    # Within the default two weeks (until Monday 4 January) only Wednesday 30 December is left.
    days = free_days(CULEMBORG, store, local(MONDAY))
    assert days == [DayChoice(day("2026-12-30"), 8)]
    assert check_day(CULEMBORG, store, day("2026-12-23"), local(MONDAY)) == Problem(FULL, days)
    assert free_times(CULEMBORG, store, day("2026-12-23"), local(MONDAY)) == []


def test_a_partly_booked_day_counts_the_places_left(store: Appointments) -> None:
    fill(store, CULEMBORG, local("2026-12-23 10:00"))
    store.book(
        next(_learners), "culemborg", local("2026-12-23 10:30"), "brief", 2, now=local(MONDAY)
    )
    assert free_days(CULEMBORG, store, local(MONDAY))[0] == DayChoice(day("2026-12-23"), 5)


# --- check_day ---------------------------------------------------------------------------


def test_check_day_accepts_a_free_day(store: Appointments) -> None:
    assert check_day(CULEMBORG, store, day("2026-12-23"), local(MONDAY)) is None


def test_check_day_closing_day_has_its_reason(store: Appointments) -> None:
    problem = check_day(CULEMBORG, store, day("2026-12-25"), local(MONDAY))
    assert problem == Problem(CLOSED, free_days(CULEMBORG, store, local(MONDAY)))
    assert CULEMBORG.closed[day("2026-12-25")] == "Eerste Kerstdag"


def test_check_day_weekday_without_walk_in(store: Appointments) -> None:
    problem = check_day(CULEMBORG, store, day("2026-12-22"), local(MONDAY))  # a Tuesday
    assert problem is not None and problem.kind == NO_WALK_IN
    assert problem.alternatives[0] == DayChoice(day("2026-12-23"), 8)


def test_check_day_in_the_past(store: Appointments) -> None:
    problem = check_day(CULEMBORG, store, day("2026-12-18"), local(MONDAY))
    assert problem is not None and problem.kind == PAST
    # Today after its last bookable slot is past too, not full.
    late = check_day(CULEMBORG, store, day("2026-12-23"), local("2026-12-23 11:15"))
    assert late == Problem(PAST, free_days(CULEMBORG, store, local("2026-12-23 11:15")))


# --- free times --------------------------------------------------------------------------


def test_free_times_of_a_day(store: Appointments) -> None:
    assert free_times(TIEL, store, day("2026-12-22"), local(MONDAY)) == [
        TimeChoice(local("2026-12-22 10:00"), 3),
        TimeChoice(local("2026-12-22 10:30"), 3),
        TimeChoice(local("2026-12-22 11:00"), 3),
        TimeChoice(local("2026-12-22 11:30"), 3),
    ]
    thursday = free_times(TIEL, store, day("2026-12-24"), local(MONDAY), limit=6)
    assert [f"{c.starts_at:%H:%M}" for c in thursday] == [
        "14:00", "14:30", "15:00", "15:30", "18:00", "18:30",
    ]  # fmt: skip


def test_free_times_leave_out_past_and_full_slots(store: Appointments) -> None:
    fill(store, TIEL, local("2026-12-22 11:30"))
    # 10:00 is exactly an hour ahead (allowed); nothing before it is offered.
    times = free_times(TIEL, store, day("2026-12-22"), local("2026-12-22 09:00"))
    assert [f"{c.starts_at:%H:%M}" for c in times] == ["10:00", "10:30", "11:00"]
    # At 10:15 only 11:30 would be an hour ahead, and it is full.
    assert free_times(TIEL, store, day("2026-12-22"), local("2026-12-22 10:15")) == []
    assert free_times(TIEL, store, day("2026-12-25"), local(MONDAY)) == []  # closing day


def test_free_times_count_places_left(store: Appointments) -> None:
    slot = local("2026-12-22 10:30")
    store.book(next(_learners), "tiel", slot, "oefenen", 3, now=local(MONDAY))
    times = free_times(TIEL, store, day("2026-12-22"), local(MONDAY), limit=2)
    assert times == [TimeChoice(local("2026-12-22 10:00"), 3), TimeChoice(slot, 2)]


# --- check_time --------------------------------------------------------------------------


def test_check_time_accepts_a_free_slot_in_any_zone(store: Appointments) -> None:
    assert check_time(TIEL, store, local("2026-12-22 10:30"), local(MONDAY)) is None
    utc_start = datetime(2026, 12, 22, 9, 30, tzinfo=UTC)  # 10:30 in Amsterdam (winter)
    assert check_time(TIEL, store, utc_start, local(MONDAY)) is None


def test_check_time_past_offers_later_times_that_day(store: Appointments) -> None:
    now = local("2026-12-22 10:15")
    problem = check_time(TIEL, store, local("2026-12-22 11:00"), now)  # 45 minutes ahead
    assert problem == Problem(PAST, [TimeChoice(local("2026-12-22 11:30"), 3)])
    yesterday = check_time(TIEL, store, local("2026-12-17 14:00"), now)
    assert yesterday == Problem(PAST, free_days(TIEL, store, now))


def test_check_time_not_a_slot_start(store: Appointments) -> None:
    problem = check_time(TIEL, store, local("2026-12-22 10:10"), local(MONDAY))
    assert problem == Problem(
        UNKNOWN_TIME, free_times(TIEL, store, day("2026-12-22"), local(MONDAY))
    )
    assert check_time(TIEL, store, local("2026-12-22 12:00"), local(MONDAY)).kind == UNKNOWN_TIME


def test_check_time_full_slot_offers_the_other_times(store: Appointments) -> None:
    fill(store, TIEL, local("2026-12-22 10:30"))
    problem = check_time(TIEL, store, local("2026-12-22 10:30"), local(MONDAY))
    assert problem == Problem(
        FULL,
        [
            TimeChoice(local("2026-12-22 10:00"), 3),
            TimeChoice(local("2026-12-22 11:00"), 3),
            TimeChoice(local("2026-12-22 11:30"), 3),
        ],
    )


def test_check_time_full_day_offers_other_days(store: Appointments) -> None:
    fill(store, CULEMBORG, *walk_in_slots(CULEMBORG, day("2026-12-23")))
    problem = check_time(CULEMBORG, store, local("2026-12-23 11:00"), local(MONDAY))
    assert problem is not None and problem.kind == FULL
    assert problem.alternatives == free_days(CULEMBORG, store, local(MONDAY))
    assert problem.alternatives[0] == DayChoice(day("2026-12-30"), 8)


def test_check_time_on_a_closing_day_or_without_walk_in(store: Appointments) -> None:
    closed = check_time(CULEMBORG, store, local("2026-12-25 14:00"), local(MONDAY))
    assert closed == Problem(CLOSED, free_days(CULEMBORG, store, local(MONDAY)))
    tuesday = check_time(CULEMBORG, store, local("2026-12-22 14:00"), local(MONDAY))
    assert tuesday is not None and tuesday.kind == NO_WALK_IN


# --- summer time and naive datetimes ----------------------------------------------------


def test_summer_time_ends_walk_in_stays_at_local_times(store: Appointments) -> None:
    # No location has walk-in on the switch Sundays (2026-10-25, 2027-03-28 is also Easter).
    assert check_day(TIEL, store, day("2026-10-25"), local("2026-10-24 12:00")).kind == NO_WALK_IN
    assert check_day(TIEL, store, day("2027-03-28"), local("2027-03-27 12:00")).kind == CLOSED
    now = local("2026-10-24 12:00")  # Saturday, still summer time
    assert [c.day for c in free_days(TIEL, store, now, limit=2)] == [
        day("2026-10-27"),
        day("2026-10-29"),
    ]
    before = free_times(TIEL, store, day("2026-10-20"), local("2026-10-19 12:00"), limit=2)
    after = free_times(TIEL, store, day("2026-10-27"), now, limit=2)
    assert [f"{c.starts_at:%H:%M}" for c in after] == ["10:00", "10:30"]
    assert [c.starts_at.astimezone(UTC).hour for c in before] == [8, 8]  # UTC+2
    assert [c.starts_at.astimezone(UTC).hour for c in after] == [9, 9]  # UTC+1
    # 10:00 local after the switch is 09:00 UTC: that instant is the slot, 08:00 UTC is not.
    assert check_time(TIEL, store, datetime(2026, 10, 27, 9, tzinfo=UTC), now) is None
    wrong = check_time(TIEL, store, datetime(2026, 10, 27, 8, tzinfo=UTC), now)
    assert wrong is not None and wrong.kind == UNKNOWN_TIME


def test_summer_time_starts_bookings_round_trip(store: Appointments) -> None:
    now = local("2027-03-27 12:00")  # Saturday before the switch (and Easter)
    slot = local("2027-03-30 10:00")  # Tuesday after: 08:00 UTC
    fill(store, TIEL, slot)
    assert [c.starts_at for c in free_times(TIEL, store, day("2027-03-30"), now)] == [
        local("2027-03-30 10:30"),
        local("2027-03-30 11:00"),
        local("2027-03-30 11:30"),
    ]
    assert check_time(TIEL, store, slot, now).kind == FULL


def test_naive_datetimes_are_refused(store: Appointments) -> None:
    naive = datetime(2026, 12, 21, 9, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        free_days(TIEL, store, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        free_times(TIEL, store, day("2026-12-22"), naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        check_day(TIEL, store, day("2026-12-22"), naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        check_time(TIEL, store, datetime(2026, 12, 22, 10, 0), local(MONDAY))
