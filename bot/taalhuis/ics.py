"""A calendar file (RFC 5545 iCalendar) for one appointment, to send as a Telegram document.

Written by hand: one event is a dozen lines, and the rules that matter (CRLF, folding at 75
octets without splitting a UTF-8 character, TEXT escaping, UTC times) fit in this module,
so no extra dependency. Times are in UTC ("Z"): every calendar app shows them in the phone's
own zone, and no VTIMEZONE block is needed.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

PRODID = "-//Taalmaatje//Taalhuis afspraak//NL"
MAX_OCTETS = 75


def calendar_file(
    uid: str,
    starts_at: datetime,
    minutes: int,
    summary: str,
    location_text: str,
    description: str,
    *,
    alarm: bool = True,
    stamp: datetime | None = None,
) -> bytes:
    """The .ics bytes (UTF-8) of one event; ``starts_at`` must be timezone-aware.

    ``alarm`` adds a display alarm the day before (phones that honour it remind the learner
    even without the bot). ``stamp`` is the DTSTAMP (now by default).
    """
    if starts_at.tzinfo is None or starts_at.utcoffset() is None:
        raise ValueError("starts_at must be timezone-aware")
    if minutes <= 0:
        raise ValueError("minutes must be positive")
    start = starts_at.astimezone(timezone.utc)
    end = start + timedelta(minutes=minutes)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{_single_line(uid)}",
        f"DTSTAMP:{_utc(stamp or datetime.now(timezone.utc))}",
        f"DTSTART:{_utc(start)}",
        f"DTEND:{_utc(end)}",
        f"SUMMARY:{escape_text(summary)}",
        f"LOCATION:{escape_text(location_text)}",
        f"DESCRIPTION:{escape_text(description)}",
    ]
    if alarm:
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{escape_text(summary)}",
            "TRIGGER:-P1D",
            "END:VALARM",
        ]
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines).encode("utf-8")


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newlines escaped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\n", "\\n")


def fold(line: str) -> str:
    """Split a content line into pieces of at most 75 octets (3.1), never inside a character.

    Continuation lines start with one space, which counts toward their 75 octets.
    """
    pieces: list[str] = []
    current = ""
    size = 0
    limit = MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append(current)
            current, size, limit = "", 0, MAX_OCTETS - 1
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:  # the project's naive datetimes are UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _single_line(value: str) -> str:
    """UID is not TEXT (no escaping); keep it on one line and free of control characters."""
    return "".join(char for char in value if char.isprintable())
