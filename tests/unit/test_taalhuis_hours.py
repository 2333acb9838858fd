"""Opening and walk-in hours: weekdays, several ranges, closing days, time zones, summer time."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.taalhuis.hours import LOOKAHEAD_DAYS, Status, next_openings, status, walk_in_slots
from bot.taalhuis.organisation import (
    TIMEZONE,
    WEEKDAYS,
    Location,
    Range,
    load_organisation,
    parse_range,
)

UTC = timezone.utc


def make_location(
    open: dict[str, list[str]],
    walk_in: dict[str, list[str]] | None = None,
    closed: dict[str, str] | None = None,
) -> Location:
    def days(table: dict[str, list[str]]) -> dict[int, tuple[Range, ...]]:
        return {
            WEEKDAYS.index(day): tuple(parse_range(r) for r in ranges)
            for day, ranges in table.items()
        }

    return Location(
        id="test",
        name="Taalhuis Test",
        address="Markt 1",
        town="Test",
        phone="0344 123 456",
        open=days(open),
        walk_in=days(walk_in or {}),
        places=3,
        closed={date.fromisoformat(day): reason for day, reason in (closed or {}).items()},
    )


# Monday to Friday; Monday has a lunch break; Wednesday closed. 2026-04-27 is Koningsdag.
OFFICE = make_location(
    open={
        "maandag": ["10:00-12:00", "13:00-17:00"],
        "dinsdag": ["10:00-17:00"],
        "donderdag": ["09:00-12:00"],
        "vrijdag": ["10:00-17:00"],
    },
    walk_in={"maandag": ["10:00-11:00", "13:30-15:00"], "dinsdag": ["14:00-15:45"]},
    closed={"2026-04-27": "Koningsdag"},
)
# Open on Sundays, for the summer-time changes (both fall on a Sunday).
SUNDAY = make_location(open={"vrijdag": ["10:00-17:00"], "zondag": ["10:00-14:00"]})


def local(text: str) -> datetime:
    """A wall-clock time in Amsterdam, e.g. local("2026-05-04 10:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=TIMEZONE)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- weekdays and several ranges ---------------------------------------------------------


def test_open_on_a_weekday_with_its_closing_time() -> None:
    assert status(OFFICE, local("2026-04-28 11:00")) == Status(
        True, local("2026-04-28 17:00"), None, None
    )


def test_a_weekday_without_hours_is_closed_until_the_next_open_day() -> None:
    # Wednesday: closed; Thursday opens at 09:00.
    assert status(OFFICE, local("2026-04-29 11:00")) == Status(
        False, None, local("2026-04-30 09:00"), None
    )


def test_several_ranges_a_day() -> None:
    monday = "2026-05-04"
    assert status(OFFICE, local(f"{monday} 11:00")).closes_at == local(f"{monday} 12:00")
    lunch = status(OFFICE, local(f"{monday} 12:30"))
    assert not lunch.open_now and lunch.next_open == local(f"{monday} 13:00")
    assert status(OFFICE, local(f"{monday} 14:00")).closes_at == local(f"{monday} 17:00")
    assert next_openings(OFFICE, local(f"{monday} 08:00"), count=3) == [
        (local(f"{monday} 10:00"), local(f"{monday} 12:00")),
        (local(f"{monday} 13:00"), local(f"{monday} 17:00")),
        (local("2026-05-05 10:00"), local("2026-05-05 17:00")),
    ]


@pytest.mark.parametrize(
    ("moment", "open_now"),
    [
        ("09:59:59", False),
        ("10:00", True),  # start inclusive
        ("11:59:59", True),
        ("12:00", False),  # end exclusive
        ("13:00", True),
        ("16:59:59.999999", True),
        ("17:00", False),
    ],
)
def test_boundaries_start_inclusive_end_exclusive(moment: str, open_now: bool) -> None:
    assert status(OFFICE, local(f"2026-05-04 {moment}")).open_now is open_now


def test_at_closing_time_the_next_opening_is_given() -> None:
    assert status(OFFICE, local("2026-05-04 12:00")).next_open == local("2026-05-04 13:00")
    assert status(OFFICE, local("2026-05-04 17:00")).next_open == local("2026-05-05 10:00")


# --- closing days and weekends -----------------------------------------------------------


def test_closing_day_status_gives_the_reason_and_skips_to_the_next_opening() -> None:
    assert status(OFFICE, local("2026-04-27 11:00")) == Status(
        False, None, local("2026-04-28 10:00"), "Koningsdag"
    )


def test_closing_day_reason_also_before_and_after_hours() -> None:
    assert status(OFFICE, local("2026-04-27 07:00")).closed_reason == "Koningsdag"
    assert status(OFFICE, local("2026-04-28 11:00")).closed_reason is None


def test_next_opening_across_a_weekend() -> None:
    friday_evening = local("2026-05-08 18:00")
    assert status(OFFICE, friday_evening).next_open == local("2026-05-11 10:00")


def test_next_opening_across_a_weekend_and_a_closing_day() -> None:
    friday_evening = local("2026-04-24 18:00")  # Monday 27 April is Koningsdag
    openings = next_openings(OFFICE, friday_evening, count=2)
    assert openings == [
        (local("2026-04-28 10:00"), local("2026-04-28 17:00")),
        (local("2026-04-30 09:00"), local("2026-04-30 12:00")),
    ]
    assert status(OFFICE, friday_evening).next_open == local("2026-04-28 10:00")


def test_next_openings_includes_the_range_going_on_now() -> None:
    now = local("2026-05-04 11:00")
    assert next_openings(OFFICE, now, count=1) == [
        (local("2026-05-04 10:00"), local("2026-05-04 12:00"))
    ]
    assert next_openings(OFFICE, now, count=0) == []


def test_lookahead_is_limited_to_60_days() -> None:
    now = local("2026-05-04 08:00")
    all_closed = {
        (now.date() + timedelta(days=n)).isoformat(): "Verbouwing"
        for n in range(LOOKAHEAD_DAYS + 1)
    }
    location = make_location(open={"maandag": ["10:00-12:00"]}, closed=all_closed)
    assert next_openings(location, now) == []
    assert status(location, now) == Status(False, None, None, "Verbouwing")
    never = make_location(open={})
    assert next_openings(never, now, count=5) == []
    assert status(never, now, walk_in=True).next_open is None
    # Exactly 60 days ahead still counts.
    later = local("2026-05-04 08:00") + timedelta(days=LOOKAHEAD_DAYS)
    almost = make_location(
        open={WEEKDAYS[later.weekday()]: ["10:00-12:00"]},
        closed={
            (now.date() + timedelta(days=n)).isoformat(): "Dicht" for n in range(LOOKAHEAD_DAYS)
        },
    )
    assert next_openings(almost, now) == [(later.replace(hour=10), later.replace(hour=12))]


# --- time zones and summer time ----------------------------------------------------------


def test_utc_input_is_converted_to_amsterdam() -> None:
    # 08:30 UTC on 4 May = 10:30 summer time in Amsterdam: open, until 12:00 local (10:00 UTC).
    result = status(OFFICE, utc("2026-05-04 08:30"))
    assert result.open_now
    assert result.closes_at == utc("2026-05-04 10:00")
    assert result.closes_at.tzinfo is TIMEZONE
    assert (result.closes_at.hour, result.closes_at.minute) == (12, 0)
    # 07:59 UTC = 09:59 local: closed, although 07:59 "looks" like neither.
    assert not status(OFFICE, utc("2026-05-04 07:59")).open_now


def test_any_time_zone_is_converted() -> None:
    new_york = datetime(2026, 5, 4, 5, 0, tzinfo=ZoneInfo("America/New_York"))  # 11:00 local
    assert status(OFFICE, new_york).open_now


def test_utc_late_evening_is_the_next_day_in_amsterdam() -> None:
    # 22:30 UTC on Sunday 26 April = 00:30 on Monday 27 April (Koningsdag) in Amsterdam.
    assert status(OFFICE, utc("2026-04-26 22:30")).closed_reason == "Koningsdag"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        status(OFFICE, datetime(2026, 5, 4, 11, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        next_openings(OFFICE, datetime(2026, 5, 4, 11, 0))


def test_summer_time_ends_2026_10_25_opening_stays_10_local() -> None:
    saturday = local("2026-10-24 12:00")
    assert saturday.utcoffset() == timedelta(hours=2)
    sunday_open = status(SUNDAY, saturday).next_open
    assert sunday_open == local("2026-10-25 10:00")
    assert sunday_open.utcoffset() == timedelta(hours=1)
    assert sunday_open == utc("2026-10-25 09:00")  # not 08:00: the clock went back
    # Friday before (summer time) and Sunday after (winter time) both open at 10:00 local.
    starts = [start for start, _ in next_openings(SUNDAY, local("2026-10-23 08:00"), count=3)]
    assert [(s.hour, s.minute) for s in starts] == [(10, 0), (10, 0), (10, 0)]
    assert [s.utcoffset() for s in starts] == [timedelta(hours=h) for h in (2, 1, 1)]
    assert [s.astimezone(UTC).hour for s in starts] == [8, 9, 9]


def test_summer_time_ends_closes_at_and_the_repeated_hour() -> None:
    # 02:30 happens twice that night (00:30 and 01:30 UTC): closed both times, opens 10:00.
    for moment in ("2026-10-25 00:30", "2026-10-25 01:30"):
        assert status(SUNDAY, utc(moment)) == Status(False, None, utc("2026-10-25 09:00"), None)
    result = status(SUNDAY, utc("2026-10-25 12:59"))  # 13:59 local
    assert result.open_now and result.closes_at == utc("2026-10-25 13:00")  # 14:00 local
    assert not status(SUNDAY, utc("2026-10-25 13:00")).open_now


def test_summer_time_starts_2027_03_28_opening_stays_10_local() -> None:
    saturday = local("2027-03-27 12:00")
    assert saturday.utcoffset() == timedelta(hours=1)
    sunday_open = status(SUNDAY, saturday).next_open
    assert sunday_open == local("2027-03-28 10:00")
    assert sunday_open.utcoffset() == timedelta(hours=2)
    assert sunday_open == utc("2027-03-28 08:00")
    # In the night, before the switch (01:30 CET), the answer is the same.
    assert status(SUNDAY, utc("2027-03-28 00:30")).next_open == utc("2027-03-28 08:00")
    result = status(SUNDAY, utc("2027-03-28 09:00"))  # 11:00 local
    assert result.open_now and result.closes_at == utc("2027-03-28 12:00")  # 14:00 local
    assert not status(SUNDAY, utc("2027-03-28 07:59")).open_now  # 09:59 local


# --- walk-in hours -----------------------------------------------------------------------


def test_walk_in_hours_differ_from_opening_hours() -> None:
    now = local("2026-05-04 11:30")  # Monday: library open, walk-in over until 13:30
    assert status(OFFICE, now).open_now
    walk_in = status(OFFICE, now, walk_in=True)
    assert walk_in == Status(False, None, local("2026-05-04 13:30"), None)
    assert status(OFFICE, local("2026-05-04 10:15"), walk_in=True).closes_at == local(
        "2026-05-04 11:00"
    )
    assert next_openings(OFFICE, now, count=2, walk_in=True) == [
        (local("2026-05-04 13:30"), local("2026-05-04 15:00")),
        (local("2026-05-05 14:00"), local("2026-05-05 15:45")),
    ]


def test_walk_in_skips_closing_days() -> None:
    friday = local("2026-04-24 18:00")
    assert status(OFFICE, friday, walk_in=True).next_open == local("2026-04-28 14:00")


def test_walk_in_slots() -> None:
    monday = date(2026, 5, 4)
    assert walk_in_slots(OFFICE, monday) == [
        local(f"2026-05-04 {t}") for t in ("10:00", "10:30", "13:30", "14:00", "14:30")
    ]
    # 14:00-15:45: a slot must end by 15:45, so 15:30 is not one.
    assert len(walk_in_slots(OFFICE, date(2026, 5, 5))) == 3
    assert len(walk_in_slots(OFFICE, date(2026, 5, 5), minutes=15)) == 7
    assert walk_in_slots(OFFICE, monday, minutes=60) == [
        local("2026-05-04 10:00"),
        local("2026-05-04 13:30"),
    ]
    assert walk_in_slots(OFFICE, date(2026, 5, 6)) == []  # no walk-in on Wednesday
    assert walk_in_slots(OFFICE, date(2026, 4, 27)) == []  # Koningsdag
    with pytest.raises(ValueError):
        walk_in_slots(OFFICE, monday, minutes=0)


def test_walk_in_slots_on_a_summer_time_day_are_local_times() -> None:
    location = make_location(open={"zondag": ["10:00-14:00"]}, walk_in={"zondag": ["10:00-11:00"]})
    slots = walk_in_slots(location, date(2026, 10, 25))
    assert [s.astimezone(UTC) for s in slots] == [utc("2026-10-25 09:00"), utc("2026-10-25 09:30")]


# --- the real data -----------------------------------------------------------------------


def test_real_data_is_closed_on_koningsdag_and_has_walk_in_slots() -> None:
    org = load_organisation()
    for location in org.locations.values():
        assert status(location, local("2026-04-27 11:00")).closed_reason == "Koningsdag"
        assert status(location, local("2027-04-27 11:00")).closed_reason == "Koningsdag"
        assert next_openings(location, local("2026-06-01 08:00"), count=3)
        week = [date(2026, 6, 1) + timedelta(days=n) for n in range(7)]
        slots = [slot for day in week for slot in walk_in_slots(location, day)]
        assert slots, location.id
        assert all(status(location, slot).open_now for slot in slots)
        assert all(status(location, slot, walk_in=True).open_now for slot in slots)
