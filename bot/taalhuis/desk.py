"""The desk's day: the appointments on one day per location, as the Taalhuis desk reads them.

``taalmaatje afspraken --dag`` (bot/cli.py) prints it and the dashboard's Afspraken page
(bot/dashboard/pages/afspraken.py) shows it; both get it from ``desk_day`` with the texts of
bot/content/coordinator.yml ("afspraken"), so the two cannot disagree. An entry has the
local time, the reason, the appointment number (the learner has it too) and the phone number
only when the learner shared it to be called back: never a name or a Telegram id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

import yaml

from bot.content import CONTENT_DIR
from bot.taalhuis.organisation import TIMEZONE, WEEKDAYS


@cache
def desk_texts() -> dict[str, Any]:
    """The desk's texts (bot/content/coordinator.yml, "afspraken"), read once."""
    data = yaml.safe_load((CONTENT_DIR / "coordinator.yml").read_text("utf-8"))
    return dict(data["afspraken"])


@dataclass(frozen=True)
class DeskEntry:
    ref: str  # the appointment number, also in the learner's confirmation
    location_id: str
    location: str  # the location's name
    starts_at: datetime  # local time (Amsterdam)
    reason: str  # one of APPOINTMENT_REASONS
    reason_text: str  # as the desk reads it
    phone: str | None  # only when the learner shared it

    @property
    def time(self) -> str:
        return f"{self.starts_at:%H:%M}"

    def as_json(self) -> dict[str, Any]:
        return {
            "ref": self.ref, "location_id": self.location_id, "location": self.location,
            "starts_at": self.starts_at.isoformat(), "reason": self.reason,
            **({"phone": self.phone} if self.phone else {}),
        }  # fmt: skip


@dataclass(frozen=True)
class DeskLocation:
    location_id: str
    name: str
    entries: tuple[DeskEntry, ...]


@dataclass(frozen=True)
class DeskDay:
    day: date
    entries: tuple[DeskEntry, ...]  # in start order, then location
    order: tuple[str, ...]  # the organisation's locations, in file order
    names: dict[str, str]  # location id -> name, for every location in ``order``

    @property
    def when(self) -> dict[str, str]:
        day = self.day
        return {"dag": WEEKDAYS[day.weekday()], "datum": f"{day.day}-{day.month}-{day.year}"}

    @property
    def title(self) -> str:
        return desk_texts()["title"].format(**self.when)

    def by_location(self, also: Iterable[str] = ()) -> list[DeskLocation]:
        """The locations with appointments (and ``also`` these, even without), in the data
        file's order, unknown ids last."""
        wanted = {e.location_id for e in self.entries} | set(also)
        last = len(self.order)
        ordered = sorted(
            wanted, key=lambda key: (self.order.index(key) if key in self.order else last, key)
        )
        return [
            DeskLocation(
                key, self.names.get(key) or _unknown(key),
                tuple(e for e in self.entries if e.location_id == key),
            )
            for key in ordered
        ]  # fmt: skip

    def as_json(self) -> dict[str, Any]:
        """``taalmaatje afspraken --dag DAY --json``."""
        return {"day": self.day.isoformat(), "appointments": [e.as_json() for e in self.entries]}

    def lines(self) -> list[str]:
        """``taalmaatje afspraken --dag DAY``: a title, then per location its lines."""
        texts = desk_texts()
        if not self.entries:
            return [texts["none"].format(**self.when)]
        lines = [self.title]
        for location in self.by_location():
            lines += ["", location.name]
            for entry in location.entries:
                line = texts["line"].format(tijd=entry.time, reden=entry.reason_text, ref=entry.ref)
                if entry.phone:
                    line += texts["phone"].format(telefoon=entry.phone)
                lines.append(line)
        return lines


def desk_day(
    appointments: Any, organisation: Any, day: date, places: Iterable[str] | None = None
) -> DeskDay:
    """The booked appointments on ``day`` (a local calendar day) in ``places``, or in every
    location (None: the CLI, an admin)."""
    texts = desk_texts()
    names = {key: location.name for key, location in organisation.locations.items()}
    found = appointments.on_day(day, TIMEZONE, None if places is None else list(places))
    entries = tuple(
        DeskEntry(
            e.ref, e.location_id, names.get(e.location_id) or _unknown(e.location_id),
            e.starts_at_local, e.reason, texts["reasons"].get(e.reason, e.reason), e.phone,
        )
        for e in found
    )  # fmt: skip
    return DeskDay(day, entries, tuple(organisation.locations), names)


def _unknown(location_id: str) -> str:
    return desk_texts()["unknown_location"].format(id=location_id)
