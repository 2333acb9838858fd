"""What an appointment dialogue can offer: free walk-in days and times, and why a day or time
the learner asked for cannot be booked (with something else to choose instead).

Plain Python over ``bot.taalhuis.hours`` and ``bot.store.appointments``, so the Rasa actions
and the Telegram layer only turn these answers into words and buttons.

The one-hour rule: a slot can be booked only when it starts at least ``MIN_NOTICE`` (1 hour)
after now. A learner needs time to get to the library (often by bus or on foot, sometimes with
children to bring somewhere first), and the desk should see a booking on its day list before
the person walks in, rather than be surprised by it. A slot that starts sooner counts as past.

Every day and time is local (Europe/Amsterdam), as in ``hours``. Moments are compared as UTC
instants, never by wall clock, and must be timezone-aware: a naive one raises ValueError.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from bot.store.appointments import Appointments
from bot.taalhuis.hours import walk_in_slots
from bot.taalhuis.organisation import TIMEZONE, Location

MIN_NOTICE = timedelta(hours=1)  # see the module docstring: time to get there, for the desk
SLOT_MINUTES = 30  # the walk-in slot length the checks use (hours.walk_in_slots' default)

PAST = "past"  # before today, or no slot left that starts an hour from now or later
CLOSED = "closed"  # a closing day: the reason is in location.closed[day]
FULL = "full"  # every place of every (remaining) slot is taken
NO_WALK_IN = "no_walk_in"  # the location has no walk-in hours on that weekday
UNKNOWN_TIME = "unknown_time"  # not the start of a walk-in slot (e.g. 10:10)


@dataclass(frozen=True)
class DayChoice:
    """A day with at least one free walk-in place; ``free`` counts the places in the slots
    that can still be booked (on today, only those an hour or more ahead)."""

    day: date
    free: int


@dataclass(frozen=True)
class TimeChoice:
    """A walk-in slot with a free place; ``starts_at`` is aware, Europe/Amsterdam."""

    starts_at: datetime
    free: int


@dataclass(frozen=True)
class Problem:
    """Why a day or time cannot be booked (``kind``: one of the constants above), and what
    to offer instead: free days, or free times on the same day. May be empty."""

    kind: str
    alternatives: list[DayChoice] | list[TimeChoice]


def free_days(
    location: Location,
    appointments: Appointments,
    now: datetime,
    days_ahead: int = 14,
    limit: int = 4,
    minutes: int = SLOT_MINUTES,
) -> list[DayChoice]:
    """The first ``limit`` days with a free walk-in slot at least an hour ahead, from today
    (local) through today + ``days_ahead``; closing days, days without walk-in and full days
    are skipped. One database query for the whole period."""
    earliest, today = _earliest(now), _local_today(now)
    per_day = {
        day: _bookable(location, day, earliest, minutes)
        for day in (today + timedelta(days=offset) for offset in range(max(days_ahead, 0) + 1))
    }
    free = _free(location, appointments, [s for slots in per_day.values() for s in slots])
    choices = []
    for day, slots in per_day.items():
        places = sum(free[slot] for slot in slots)
        if places > 0:
            choices.append(DayChoice(day, places))
            if len(choices) >= limit:
                break
    return choices


def free_times(
    location: Location,
    appointments: Appointments,
    day: date,
    now: datetime,
    limit: int = 6,
    minutes: int = SLOT_MINUTES,
) -> list[TimeChoice]:
    """The first ``limit`` walk-in slots on ``day`` with a free place that start at least an
    hour after ``now``; [] on closing days and days without walk-in."""
    slots = _bookable(location, day, _earliest(now), minutes)
    free = _free(location, appointments, slots)
    return [TimeChoice(slot, free[slot]) for slot in slots if free[slot] > 0][: max(limit, 0)]


def check_day(
    location: Location, appointments: Appointments, day: date, now: datetime
) -> Problem | None:
    """None when ``day`` has a free slot to book; else why not, with the next free days.

    "past": before today, or today with no slot left an hour ahead; "closed": a closing day
    (say ``location.closed[day]``); "no_walk_in": no walk-in hours that weekday; "full"."""
    earliest = _earliest(now)
    kind = _day_kind(location, day, now)
    if kind is None:
        slots = _bookable(location, day, earliest, SLOT_MINUTES)
        if not slots:
            kind = PAST
        elif not any(_free(location, appointments, slots).values()):
            kind = FULL
    if kind is None:
        return None
    return Problem(kind, free_days(location, appointments, now))


def check_time(
    location: Location, appointments: Appointments, starts_at: datetime, now: datetime
) -> Problem | None:
    """None when the slot starting at ``starts_at`` (aware, any zone) can be booked.

    Else "past" (less than an hour ahead), "closed" or "no_walk_in" (as ``check_day``),
    "unknown_time" (not the start of a walk-in slot) or "full". The alternatives
    are the free times of that day, or the next free days when that day has none."""
    moment = _as_utc(starts_at, "starts_at")
    earliest = _earliest(now)
    day = moment.astimezone(TIMEZONE).date()
    if moment < earliest:
        kind: str | None = PAST
    else:
        kind = _day_kind(location, day, now)
    if kind is None:
        slots = walk_in_slots(location, day, SLOT_MINUTES)
        if moment not in {_as_utc(slot) for slot in slots}:
            kind = UNKNOWN_TIME
        elif _free(location, appointments, [moment])[moment] == 0:
            kind = FULL
    if kind is None:
        return None
    # Later times on the same day first (also after "past" for a time earlier today).
    same_day = kind in (UNKNOWN_TIME, FULL) or (kind == PAST and day >= _local_today(now))
    times = free_times(location, appointments, day, now) if same_day else []
    return Problem(kind, times or free_days(location, appointments, now))


# --- helpers -----------------------------------------------------------------------------


def _as_utc(moment: datetime, name: str = "now") -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, e.g. datetime.now(TIMEZONE)")
    return moment.astimezone(timezone.utc)


def _earliest(now: datetime) -> datetime:
    """The first moment a slot may start (UTC): now plus the notice."""
    return _as_utc(now) + MIN_NOTICE


def _local_today(now: datetime) -> date:
    return _as_utc(now).astimezone(TIMEZONE).date()


def _day_kind(location: Location, day: date, now: datetime) -> str | None:
    """What rules the day out before any slot is looked at; None when nothing does."""
    if day < _local_today(now):
        return PAST
    if day in location.closed:
        return CLOSED
    if not location.walk_in.get(day.weekday()):
        return NO_WALK_IN
    return None


def _bookable(location: Location, day: date, earliest: datetime, minutes: int) -> list[datetime]:
    """The day's slot starts (local, aware) that are far enough ahead, compared in UTC."""
    return [slot for slot in walk_in_slots(location, day, minutes) if _as_utc(slot) >= earliest]


def _free(
    location: Location, appointments: Appointments, slots: list[datetime]
) -> dict[datetime, int]:
    """Places left per slot; no query when there are no slots."""
    if not slots:
        return {}
    return appointments.free_places(location.id, slots, location.places)
