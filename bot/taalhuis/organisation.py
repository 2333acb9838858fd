"""The Taalhuis's organisation data (``bot/content/taalhuis.yml``): loading and checking.

A coordinator, not a programmer, edits the file, so loading checks everything at once and
names each problem by file and line (``path:LINE: message``), like the content bank: first
the JSON Schema in ``taalhuis.schema.yml``, then what a schema cannot say (real dates, ranges
that end after they start and do not overlap, walk-in hours inside opening hours, unique ids).
Nothing is read at import time.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

# Generic file:line helpers of the content bank (paths into the data, ruamel line numbers).
from bot.content.bank import _dotted, _line, _problem, _shown, _yaml_error

TIMEZONE = ZoneInfo("Europe/Amsterdam")
DATA_PATH = Path(__file__).resolve().parent.parent / "content" / "taalhuis.yml"
SCHEMA_PATH = DATA_PATH.with_name("taalhuis.schema.yml")
WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")

# Typed place names: "culenborg" still finds Culemborg, as in bot/practice/matching.py.
MIN_RATIO = 0.75
MIN_MARGIN = 0.1

_Loc = tuple[str | int, ...]
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")
_NOISE = re.compile(r"[^\w\s]")


@dataclass(frozen=True)
class Range:
    """From ``start`` (inclusive) to ``end`` (exclusive), local time in Europe/Amsterdam."""

    start: time
    end: time

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class ClosingDay:
    day: date
    reason: str


@dataclass(frozen=True)
class Location:
    """One branch. ``open``/``walk_in`` map weekday (0 = Monday) to sorted ranges; a weekday
    that is missing is closed. ``closed`` holds the public holidays and the branch's own days."""

    id: str
    name: str
    address: str
    town: str
    phone: str
    open: dict[int, tuple[Range, ...]]
    walk_in: dict[int, tuple[Range, ...]]
    places: int
    closed: dict[date, str]

    def closing_days(self) -> list[ClosingDay]:
        """The closing days in date order."""
        return [ClosingDay(day, reason) for day, reason in sorted(self.closed.items())]


@dataclass(frozen=True)
class Course:
    id: str
    name: str
    provider: str
    audience: tuple[str, ...]  # profiles it fits: nt1, nt2, werk, doof
    topics: tuple[str, ...]  # from courses.TOPICS; may be empty (the sign-language course)
    cost: str
    signup: str


@dataclass(frozen=True)
class MembershipQuestion:
    id: str
    question: str
    # What a learner may type for yes or no besides "ja" and "nee" ("ik zit in de bijstand").
    yes_words: tuple[str, ...] = ()
    no_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Organisation:
    name: str
    phone: str
    example: bool  # the shipped example data: the bot should not present it as real
    locations: dict[str, Location]  # by id, in file order
    courses: tuple[Course, ...]
    membership_questions: tuple[MembershipQuestion, ...]
    bring: tuple[str, ...]
    free_text: str
    not_free_text: str
    sign_language_text: str
    signs: tuple[tuple[str, str], ...]  # (word, how to make the sign)

    def location(self, text: str) -> Location | None:
        """The location the learner means by id, name or town ("culemborg", "in Tiel",
        "Geldermalsem"); None when none or more than one fits.

        Words every name shares ("taalhuis") are dropped first: they tell no location apart,
        and "taalhuis" alone would otherwise be a near match for the shortest name."""
        shared = _shared_words([_normal(loc.name) for loc in self.locations.values()])
        typed = _without(_normal(text), shared)
        if not typed:
            return None
        words = typed.split()
        names = {
            loc.id: {_without(name, shared) for name in _names(loc)} - {""}
            for loc in self.locations.values()
        }
        exact = [key for key, found in names.items() if typed in found or found & set(words)]
        if exact:
            return self.locations[exact[0]] if len(exact) == 1 else None
        best: list[tuple[float, str]] = []
        for key, found in names.items():
            # The whole text against every name; single words against one-word names.
            pairs = [(typed, name) for name in found]
            pairs += [(word, name) for word in words for name in found if " " not in name]
            score = max(
                (difflib.SequenceMatcher(None, a, b).ratio() for a, b in pairs), default=0.0
            )
            best.append((score, key))
        best.sort(reverse=True)
        if not best or best[0][0] < MIN_RATIO:
            return None
        if len(best) > 1 and best[0][0] - best[1][0] < MIN_MARGIN:
            return None
        return self.locations[best[0][1]]

    def texts(self) -> list[str]:
        """Every learner-facing text, for the reading-level gate (A2)."""
        out = [self.name]
        for loc in self.locations.values():
            out += [loc.name, loc.address, loc.town, *loc.closed.values()]
        for course in self.courses:
            out += [course.name, course.provider, course.cost, course.signup]
        out += [q.question for q in self.membership_questions]
        out += [*self.bring, self.free_text, self.not_free_text, self.sign_language_text]
        for word, how in self.signs:
            out += [word, how]
        return list(dict.fromkeys(out))  # each text once, in order


def _normal(text: str) -> str:
    return " ".join(_NOISE.sub(" ", text.casefold()).split())


def _shared_words(names: list[str]) -> set[str]:
    """The words in every name (with two or more names): "taalhuis" in "Taalhuis Tiel"."""
    if len(names) < 2:
        return set()
    return set.intersection(*(set(name.split()) for name in names))


def _without(text: str, words: set[str]) -> str:
    return " ".join(word for word in text.split() if word not in words)


def _names(location: Location) -> set[str]:
    return {_normal(location.id.replace("_", " ")), _normal(location.name), _normal(location.town)}


class OrganisationError(Exception):
    """The Taalhuis data has problems; ``problems`` lists every one as ``file:LINE: message``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        super().__init__(
            f"{count} problem{'s' if count != 1 else ''} in the Taalhuis data:\n"
            + "\n".join(self.problems)
        )


def load_organisation(path: Path | None = None) -> Organisation:
    """Load and check the data (default: the shipped file); raises OrganisationError."""
    organisation, problems = _read(path or DATA_PATH)
    if problems or organisation is None:
        raise OrganisationError(problems)
    return organisation


def check_organisation(path: Path | None = None) -> list[str]:
    """The problems in the data file, [] when it is valid."""
    return _read(path or DATA_PATH)[1]


# --- reading -----------------------------------------------------------------------------


def _read(path: Path) -> tuple[Organisation | None, list[str]]:
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    shown = _shown(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = _safe_yaml().load(text)
    except MarkedYAMLError as exc:
        return None, [f"{shown}:{_yaml_error(exc)}"]
    except (YAMLError, OSError, UnicodeDecodeError) as exc:
        return None, [f"{shown}:1: cannot read: {exc}"]

    found = list(_schema_problems(data))
    if not found:  # the extra checks assume the shapes the schema guarantees
        found = list(_extra_problems(data))
    if not found:
        return _build(data), []
    try:
        tree = _line_yaml().load(text)  # the same data, with .lc line numbers
    except YAMLError:  # the safe loader accepted it, so this should not happen: line 1
        tree = None
    lines = [_line(tree, loc) for loc, _ in found]
    order = sorted(range(len(found)), key=lines.__getitem__)
    return None, [_problem(shown, lines[i], *found[i]) for i in order]


def _safe_yaml() -> Any:
    """A safe loader that reads dates as text: the schema and the checks below see what the
    coordinator typed (2026-02-30 is a problem on its line, not a crash), quoted or not."""
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import SafeConstructor

    class _TextDates(SafeConstructor):
        pass

    _TextDates.add_constructor(
        "tag:yaml.org,2002:timestamp", lambda self, node: self.construct_scalar(node)
    )
    yaml = YAML(typ="safe")
    yaml.Constructor = _TextDates
    return yaml


def _line_yaml() -> Any:
    """The slow round-trip loader, only for line numbers; dates as text here too, or an
    impossible date (2026-02-30) would crash it."""
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import RoundTripConstructor

    class _TextDates(RoundTripConstructor):
        pass

    _TextDates.add_constructor(
        "tag:yaml.org,2002:timestamp", lambda self, node: self.construct_scalar(node)
    )
    yaml = YAML(typ="rt", pure=True)
    yaml.Constructor = _TextDates
    return yaml


def _schema_problems(data: Any) -> Iterator[tuple[_Loc, str]]:
    for error in _validator().iter_errors(data):
        loc = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = error.schema.get("properties", {})
            for key in error.instance:
                if key not in known:
                    yield (*loc, key), f"unknown key {key!r}"
        elif error.validator == "pattern" and "description" in error.schema:
            yield loc, f"{error.instance!r} should be {error.schema['description']}"
        else:
            yield loc, error.message


@cache
def _validator() -> Any:
    import jsonschema
    from ruamel.yaml import YAML

    schema = YAML(typ="safe", pure=True).load(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


# --- checks beyond the schema ------------------------------------------------------------


def parse_range(text: str) -> Range:
    """ "10:00-12:30" -> Range; ValueError for impossible times or an empty range."""
    match = _RANGE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a time range HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    try:
        start, end = time(h1, m1), time(h2, m2)
    except ValueError:
        raise ValueError(f"{text!r} has an impossible time (hours 0-23)") from None
    if end <= start:
        raise ValueError(f"{text!r} ends before it starts")
    return Range(start, end)


def _extra_problems(data: dict[str, Any]) -> Iterator[tuple[_Loc, str]]:
    yield from _closing_problems(("feestdagen",), data.get("feestdagen", []))
    yield from _unique_ids(("locaties",), data["locaties"])
    yield from _unique_ids(("cursussen",), data["cursussen"])
    yield from _unique_ids(("lidmaatschap", "gratis_voor"), data["lidmaatschap"]["gratis_voor"])
    for index, entry in enumerate(data["locaties"]):
        here: _Loc = ("locaties", index)
        opening = yield from _day_problems((*here, "open"), entry["open"])
        walk_in = yield from _day_problems((*here, "inloop"), entry.get("inloop", {}))
        for day, ranges in walk_in.items():
            if day in opening.broken:
                continue  # its opening hours already have a problem; this would only echo it
            for position, walk in ranges:
                if not any(o.start <= walk.start and walk.end <= o.end for _, o in opening[day]):
                    hours = ", ".join(str(o) for _, o in opening[day]) or "closed"
                    yield (
                        (*here, "inloop", day, position),
                        f"walk-in {walk} is not within the opening hours of {day} ({hours})",
                    )
        yield from _closing_problems((*here, "dicht"), entry.get("dicht", []))


def _unique_ids(here: _Loc, entries: list[dict[str, Any]]) -> Iterator[tuple[_Loc, str]]:
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        if entry["id"] in seen:
            other = _dotted((*here, seen[entry["id"]]))
            yield (*here, index, "id"), f"id {entry['id']!r} is also used at {other}"
        else:
            seen[entry["id"]] = index


class _Ranges(dict):
    """Weekday name -> [(position in the file, Range)]; a missing day is closed: [].
    ``broken`` names the days with a range that did not parse."""

    def __init__(self) -> None:
        super().__init__()
        self.broken: set[str] = set()

    def __missing__(self, key: str) -> list[tuple[int, Range]]:
        return []


def _day_problems(here: _Loc, days: dict[str, list[str]]) -> Iterator[tuple[_Loc, str]]:
    """Each range parses; ranges of a day neither overlap nor touch (write one range then).
    Returns (via ``yield from``) the valid ranges per day, for the walk-in check."""
    valid = _Ranges()
    for day, texts in days.items():
        ranges: list[tuple[int, Range]] = []
        for position, text in enumerate(texts):
            try:
                ranges.append((position, parse_range(text)))
            except ValueError as exc:
                valid.broken.add(day)
                yield (*here, day, position), str(exc)
        ranges.sort(key=lambda pair: pair[1].start)
        for (_, before), (position, after) in pairwise(ranges):
            if after.start < before.end:
                yield (*here, day, position), f"{after} overlaps {before}"
            elif after.start == before.end:
                joined = Range(before.start, after.end)
                yield (*here, day, position), f"{before} and {after} touch: write {joined}"
        valid[day] = ranges
    return valid


def _closing_problems(here: _Loc, entries: list[dict[str, Any]]) -> Iterator[tuple[_Loc, str]]:
    seen: dict[date, int] = {}
    for index, entry in enumerate(entries):
        try:
            day = date.fromisoformat(entry["datum"])
        except ValueError:
            yield (*here, index, "datum"), f"{entry['datum']!r} is not a real date"
            continue
        if day in seen:
            other = _dotted((*here, seen[day]))
            yield (*here, index, "datum"), f"{day} is also listed at {other}"
        else:
            seen[day] = index


# --- building ----------------------------------------------------------------------------


def _clean(value: Any) -> str:
    """A plain str with single spaces (the loader may hand back str subclasses, folded lines)."""
    return " ".join(str(value).split())


def _days(days: dict[str, list[str]]) -> dict[int, tuple[Range, ...]]:
    return {
        WEEKDAYS.index(name): tuple(sorted((parse_range(t) for t in texts), key=lambda r: r.start))
        for name, texts in sorted(days.items(), key=lambda item: WEEKDAYS.index(item[0]))
    }


def _closed(entries: list[dict[str, Any]]) -> dict[date, str]:
    return {date.fromisoformat(e["datum"]): _clean(e["reden"]) for e in entries}


def _build(data: dict[str, Any]) -> Organisation:
    holidays = _closed(data.get("feestdagen", []))
    locations = {}
    for entry in data["locaties"]:
        closed = {**holidays, **_closed(entry.get("dicht", []))}  # the branch's reason wins
        locations[entry["id"]] = Location(
            id=entry["id"],
            name=_clean(entry["naam"]),
            address=_clean(entry["adres"]),
            town=_clean(entry["plaats"]),
            phone=_clean(entry["telefoon"]),
            open=_days(entry["open"]),
            walk_in=_days(entry.get("inloop", {})),
            places=int(entry["plekken"]),
            closed=dict(sorted(closed.items())),
        )
    membership = data["lidmaatschap"]
    sign_language = data["gebarentaal"]
    return Organisation(
        name=_clean(data["organisatie"]),
        phone=_clean(data["telefoon"]),
        example=bool(data["voorbeeld"]),
        locations=locations,
        courses=tuple(
            Course(
                id=c["id"],
                name=_clean(c["naam"]),
                provider=_clean(c["aanbieder"]),
                audience=tuple(c["voor"]),
                topics=tuple(c["leer"]),
                cost=_clean(c["kosten"]),
                signup=_clean(c["aanmelden"]),
            )
            for c in data["cursussen"]
        ),
        membership_questions=tuple(
            MembershipQuestion(
                q["id"],
                _clean(q["vraag"]),
                tuple(_clean(w) for w in q.get("ja_woorden") or ()),
                tuple(_clean(w) for w in q.get("nee_woorden") or ()),
            )
            for q in membership["gratis_voor"]
        ),
        bring=tuple(_clean(item) for item in membership["meenemen"]),
        free_text=_clean(membership["uitleg_gratis"]),
        not_free_text=_clean(membership["uitleg_niet_gratis"]),
        sign_language_text=_clean(sign_language["uitleg"]),
        signs=tuple((_clean(s["woord"]), _clean(s["uitleg"])) for s in sign_language["gebaren"]),
    )
