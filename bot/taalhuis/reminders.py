"""When to remind a learner of an appointment: a calendar rule in Amsterdam time.

The rule, chosen so that a reminder arrives when people read their phone and still have time
to act on it (arrange a babysitter, ask for a day off, cancel):

1. 18:00 local time the evening before the appointment;
2. when that moment has passed already (booked the evening before or on the day itself),
   09:00 on the day, provided it is still ahead and at least two hours before the start;
3. otherwise no reminder: the learner booked only a few hours ahead and has just seen the
   confirmation. A reminder is never sent at night or after the appointment.

Days are counted on the local calendar (zoneinfo), not as 24 hours back in UTC, so the
evening before a daylight-saving change is still 18:00 on the clock.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

TZ_NAME = "Europe/Amsterdam"
EVENING = time(18, 0)
MORNING = time(9, 0)
MORNING_LEAD = timedelta(hours=2)


def local_zone() -> ZoneInfo:
    return ZoneInfo(TZ_NAME)


def reminder_time(starts_at_local: datetime, now: datetime | None = None) -> datetime | None:
    """The moment to remind (aware, Europe/Amsterdam), or None when no reminder fits.

    ``starts_at_local`` may be aware (any zone) or naive (taken as Amsterdam time); ``now``
    defaults to the current time and, if naive, is taken as Amsterdam time too.
    """
    zone = local_zone()
    start = _in_zone(starts_at_local, zone)
    current = _in_zone(now, zone) if now is not None else datetime.now(zone)
    evening = datetime.combine(start.date() - timedelta(days=1), EVENING, tzinfo=zone)
    if current < evening:
        return evening
    morning = datetime.combine(start.date(), MORNING, tzinfo=zone)
    if current < morning and morning + MORNING_LEAD <= start:
        return morning
    return None


def _in_zone(moment: datetime, zone: ZoneInfo) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone)
    return moment.astimezone(zone)
