"""Opening and walk-in hours: is a location open now, when does it open next, which slots.

Hours in the data are wall-clock times in Europe/Amsterdam, so every answer is worked out
in that zone: a 10:00 opening stays 10:00 local across a daylight-saving change, while its
UTC time moves. Inputs must be timezone-aware (a naive datetime would be a silent guess);
any zone is accepted and converted. Ranges include their start and exclude their end: at
17:00 a location open "10:00-17:00" is closed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from itertools import islice

from bot.taalhuis.organisation import TIMEZONE, Location, Range

LOOKAHEAD_DAYS = 60  # further ahead than this, "when is it open?" has no useful answer


@dataclass(frozen=True)
class Status:
    """The answer to "is it open?". ``next_open`` is set only when closed now;
    ``closed_reason`` is set when today is a closing day (e.g. "Koningsdag")."""

    open_now: bool
    closes_at: datetime | None
    next_open: datetime | None
    closed_reason: str | None


def status(location: Location, now: datetime, walk_in: bool = False) -> Status:
    """Open now (and until when), or when it opens next; walk_in asks about the walk-in hours."""
    now = _utc(now)
    reason = location.closed.get(now.astimezone(TIMEZONE).date())
    first = next(_openings(location, now, walk_in), None)
    if first is not None and first[0] <= now:
        return Status(True, first[1], None, reason)
    return Status(False, None, first[0] if first else None, reason)


def next_openings(
    location: Location, now: datetime, count: int = 3, walk_in: bool = False
) -> list[tuple[datetime, datetime]]:
    """The next ``count`` (start, end) ranges, closing days skipped, at most 60 days ahead.

    A range that is going on now comes first, with its real start (before ``now``)."""
    return list(islice(_openings(location, _utc(now), walk_in), max(count, 0)))


def walk_in_slots(location: Location, day: date, minutes: int = 30) -> list[datetime]:
    """Start times of the walk-in slots of ``minutes`` on ``day`` (local); [] on closing days.

    A slot must fit before the range ends: "14:00-15:45" gives 14:00, 14:30 and 15:00."""
    if minutes <= 0:
        raise ValueError("minutes must be positive")
    step = timedelta(minutes=minutes)
    slots = []
    for hours in _ranges(location, day, walk_in=True):
        start, end = _at(day, hours.start), _at(day, hours.end)
        while start + step <= end:
            slots.append(start)
            start += step
    return slots


def _utc(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware, e.g. datetime.now(TIMEZONE)")
    return now.astimezone(timezone.utc)


def _at(day: date, moment: time) -> datetime:
    """``day`` at a local wall-clock time; zoneinfo picks the right UTC offset for the date."""
    return datetime.combine(day, moment, tzinfo=TIMEZONE)


def _ranges(location: Location, day: date, walk_in: bool) -> tuple[Range, ...]:
    if day in location.closed:
        return ()
    table = location.walk_in if walk_in else location.open
    return table.get(day.weekday(), ())


def _openings(
    location: Location, now: datetime, walk_in: bool
) -> Iterator[tuple[datetime, datetime]]:
    """The ranges that have not ended at ``now`` (UTC), in order, for up to 60 days.

    Compared in UTC on purpose: datetimes that share a tzinfo compare by wall clock,
    which is wrong in the hour that repeats when summer time ends."""
    today = now.astimezone(TIMEZONE).date()
    for offset in range(LOOKAHEAD_DAYS + 1):
        day = today + timedelta(days=offset)
        for hours in _ranges(location, day, walk_in):
            start, end = _at(day, hours.start), _at(day, hours.end)
            if end > now:
                yield start, end
