"""``taalmaatje demo-data``: a synthetic year of use, for trying and timing the dashboard.

2,000 learners in the three places (unevenly: Tiel is the largest), all four profiles and
some who never chose one, about two million events: messages (a few not understood),
practice rounds with items of their own difficulty, Taalhuis questions, appointments (past
and in the coming two weeks, some with a phone number), "Bedoel je ...?", buddies and
invitations. Learners start throughout the year; many stop after a week or two, some stay
for months, as in real use.

Written with bulk inserts in chunks, on SQLite and PostgreSQL alike; the weekly roll-ups
are made at the end. It refuses a database that holds learners: demo data must never mix
with real people's.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.store.buddies import code_hash
from bot.store.models import (
    BUDDY_EVENT_KINDS,
    AnalyticsEvent,
    Appointment,
    AppointmentSlot,
    BuddyEvent,
    ClarificationEvent,
    Invitation,
    LearnerFacts,
    Pairing,
    PersonRole,
    PracticeEvent,
    TaalhuisEvent,
    User,
    utcnow,
)
from bot.store.stats import Stats, week_number, week_of

PLACES = (("tiel", 0.5), ("culemborg", 0.3), ("geldermalsen", 0.2))
PROFILES = (("nt1", 0.3), ("nt2", 0.35), ("werk", 0.2), ("doof", 0.07), ("", 0.08))
INTENTS = (
    ("groet", 10),
    ("oefenen", 14),
    ("bevestigen", 14),
    ("ontkennen", 5),
    ("herhalen", 8),
    ("langzamer", 4),
    ("openingstijden", 5),
    ("taalhuis_info", 4),
    ("afspraak_maken", 3),
    ("bedanken", 6),
    ("afscheid", 5),
    ("hulp", 3),
    ("voortgang", 2),
    ("cursus_zoeken", 2),
    ("lidmaatschap", 1),
    ("nlu_fallback", 4),
)
TOPICS = (
    ("openingstijden", 5),
    ("taalhuis", 4),
    ("cursus_lezen", 2),
    ("cursus_schrijven", 1),
    ("cursus_rekenen", 1),
    ("lidmaatschap", 2),
    ("gebarentaal", 1),
)
KINDS = ("kiezen", "luisteren", "plaatje", "zin")
NAMES = ("Anna", "Bram", "Carla", "Daan", "Eva", "Frank", "Gina", "Hasan", "Ilse", "Joris")
CHUNK = 20_000
LEARNER_TABLES = (User, AnalyticsEvent, PracticeEvent, LearnerFacts)


class NotEmpty(Exception):
    """The database holds learners already."""


@dataclass(frozen=True)
class Made:
    learners: int
    events: int
    appointments: int
    seconds: float
    rollup_seconds: float


def _pick(rng: random.Random, weighted: tuple[tuple[Any, float], ...]) -> Any:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


class _Writer:
    """Collects rows per table and writes them in chunks."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.rows: dict[Any, list[dict[str, Any]]] = {}
        self.written: dict[str, int] = {}

    def add(self, model: Any, row: dict[str, Any]) -> None:
        pending = self.rows.setdefault(model, [])
        pending.append(row)
        if len(pending) >= CHUNK:
            self.flush(model)

    def flush(self, model: Any = None) -> None:
        for table in [model] if model is not None else list(self.rows):
            pending = self.rows.get(table) or []
            if pending:
                with self.engine.begin() as connection:
                    connection.execute(table.__table__.insert(), pending)
                name = table.__tablename__
                self.written[name] = self.written.get(name, 0) + len(pending)
                self.rows[table] = []


def _daytime(rng: random.Random, week_start: datetime) -> datetime:
    """A moment in the week, mostly on weekdays between 8 and 21 (UTC, naive)."""
    day = rng.choices(range(7), [5, 5, 5, 5, 4, 2, 2])[0]
    return week_start + timedelta(days=day, hours=rng.uniform(7, 20))


def make_demo_year(
    engine: Engine,
    pseudonym: Callable[[int], str],
    *,
    learners: int = 2000,
    weeks: int = 52,
    seed: int = 12,
    progress: Callable[[str], None] = lambda _: None,
) -> Made:
    """Fill the (migrated, empty) database; ``pseudonym`` as the bot's Analytics makes it."""
    with engine.connect() as connection:
        for model in LEARNER_TABLES:
            if connection.scalar(select(func.count()).select_from(model.__table__)):
                raise NotEmpty(model.__tablename__)
    from bot.content.bank import load_bank

    started = time.perf_counter()
    rng = random.Random(seed)
    bank = load_bank()
    items = [
        (theme.id, level, item.key)
        for theme in bank.themes.values()
        for level, found in theme.items.items()
        for item in found
    ]
    hardness = {key: rng.betavariate(2, 5) for _, _, key in items}  # share wrong, per item
    now = utcnow()
    first_week = now - timedelta(weeks=weeks)
    out = _Writer(engine)
    appointments = 0
    booked: dict[tuple[str, datetime], int] = {}
    progress(f"Deelnemers en gebeurtenissen maken ({learners} deelnemers, {weeks} weken) ...")
    for number in range(learners):
        telegram_id = 10_000_000 + number
        key = pseudonym(telegram_id)
        place, profile = _pick(rng, PLACES), _pick(rng, PROFILES)
        start = first_week + timedelta(days=rng.uniform(0, weeks * 7 - 1))
        stay = rng.choices(
            [rng.randint(1, 2), rng.randint(3, 16), rng.randint(17, 52)], [0.2, 0.35, 0.45]
        )[0]
        out.add(
            User,
            {
                "telegram_id": telegram_id,
                "role": "learner",
                "profile": profile or "nt1",
                "voice_on": profile != "doof",
                "reminders_opt_in": rng.random() < 0.4,
                "privacy_seen": True,
                "intake_done": bool(profile),
                "created_at": start,
            },
        )
        out.add(
            LearnerFacts,
            {
                "user_key": key,
                "place": place,
                "profile": profile,
                "started_at": start,
                "started_week": week_of(start),
                "started_week_no": week_number(week_of(start)),
                "profile_at": start + timedelta(minutes=3) if profile else None,
            },
        )
        level = rng.choice((1, 1, 2, 2, 3))
        for week in range(stay):
            week_start = start + timedelta(weeks=week)
            if week_start >= now:
                break
            if week and rng.random() < 0.15:  # a quiet week now and then
                continue
            for _ in range(rng.randint(20, 80)):
                intent = _pick(rng, INTENTS)
                out.add(
                    AnalyticsEvent,
                    {
                        "user_key": key,
                        "intent": intent,
                        "confidence": rng.uniform(0.2, 0.5)
                        if intent == "nlu_fallback"
                        else rng.uniform(0.7, 1.0),
                        "action": None,
                        "created_at": _daytime(rng, week_start),
                    },
                )
            for _ in range(rng.choices((0, 1, 2, 3, 4, 5, 6), (1, 2, 3, 3, 2, 1, 1))[0]):
                theme = rng.choice(list(bank.themes.values()))
                when = _daytime(rng, week_start)
                pool = theme.items[level]
                right = 0
                for step in range(5):
                    item = rng.choice(pool).key
                    ok = rng.random() > hardness[item]
                    right += ok
                    moment = when + timedelta(seconds=20 * step)
                    base = {
                        "user_key": key,
                        "theme": theme.id,
                        "level": level,
                        "kind": rng.choice(KINDS),
                        "item_key": item,
                        "replays": 0,
                        "slower": 0,
                    }
                    out.add(
                        PracticeEvent,
                        {**base, "event": "shown", "correct": None, "created_at": moment},
                    )
                    out.add(
                        PracticeEvent,
                        {
                            **base,
                            "event": "answered",
                            "correct": ok,
                            "replays": rng.random() < 0.2,
                            "created_at": moment + timedelta(seconds=8),
                        },
                    )
                end = when + timedelta(seconds=110)
                change = (
                    1
                    if right == 5 and level < 3 and rng.random() < 0.3
                    else (-1 if right <= 2 and level > 1 and rng.random() < 0.3 else 0)
                )
                level += change
                round_row = {
                    "user_key": key,
                    "theme": theme.id,
                    "level": level,
                    "kind": "ronde",
                    "item_key": "",
                    "correct": None,
                    "replays": 0,
                    "slower": 0,
                    "created_at": end,
                }
                out.add(PracticeEvent, {**round_row, "event": "ronde"})
                if change:
                    out.add(
                        PracticeEvent, {**round_row, "event": "omhoog" if change > 0 else "omlaag"}
                    )
            if rng.random() < 0.3:
                out.add(
                    TaalhuisEvent,
                    {
                        "user_key": key,
                        "event": "info",
                        "location_id": place,
                        "detail": _pick(rng, TOPICS),
                        "created_at": _daytime(rng, week_start),
                    },
                )
            if rng.random() < 0.15:
                outcome = rng.choice(("gekozen", "gekozen", "iets_anders", "verder"))
                when = _daytime(rng, week_start)
                for kind_outcome in ("gevraagd", outcome):
                    out.add(
                        ClarificationEvent,
                        {
                            "user_key": key,
                            "kind": rng.choice(("bedoeling", "ja_nee")),
                            "outcome": kind_outcome,
                            "created_at": when,
                        },
                    )
        if rng.random() < 0.35:
            appointments += _appointment(rng, out, booked, telegram_id, key, place, start, now)
    for (location, starts_at), count in booked.items():
        out.add(AppointmentSlot, {"location_id": location, "starts_at": starts_at, "booked": count})
    out.flush()
    progress("Taalmaatjes en uitnodigingen maken ...")
    _buddies(rng, out, learners, first_week, now)
    out.flush()
    progress("Weekcijfers maken ...")
    rolled = Stats(_sessions(engine)).refresh(now, everything=True)
    events = sum(
        out.written.get(t, 0)
        for t in (
            "analytics_events",
            "practice_events",
            "taalhuis_events",
            "clarification_events",
            "buddy_events",
        )
    )
    return Made(learners, events, appointments, time.perf_counter() - started, rolled.seconds)


def _sessions(engine: Engine) -> Any:
    from bot.store.db import make_sessionmaker

    return make_sessionmaker(engine)


def _slot(rng: random.Random, day: datetime) -> datetime:
    """A weekday slot between 9 and 16 local (8–15 UTC, near enough for demo data)."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day.replace(hour=rng.randint(8, 15), minute=rng.choice((0, 30)), second=0, microsecond=0)


def _appointment(
    rng: random.Random,
    out: _Writer,
    booked: dict[tuple[str, datetime], int],
    telegram_id: int,
    key: str,
    place: str,
    start: datetime,
    now: datetime,
) -> int:
    """One appointment (some in the coming two weeks), with its Taalhuis events."""
    if rng.random() < 0.1:
        when = _slot(rng, now + timedelta(days=rng.randint(0, 14)))
    else:
        when = _slot(rng, start + timedelta(days=rng.randint(1, 20)))
        if when >= now:
            when = _slot(rng, now + timedelta(days=rng.randint(1, 14)))
    if booked.get((place, when), 0) >= 4:
        out.add(
            TaalhuisEvent,
            {
                "user_key": key,
                "event": "vol",
                "location_id": place,
                "detail": "intake",
                "created_at": min(start, now),
            },
        )
        return 0
    reason = rng.choice(("intake", "intake", "oefenen", "brief"))
    cancelled = rng.random() < 0.12
    made_at = min(when - timedelta(days=1), now)
    out.add(
        Appointment,
        {
            "telegram_id": telegram_id,
            "location_id": place,
            "starts_at": when,
            "reason": reason,
            "phone": f"06-{rng.randint(10_000_000, 99_999_999)}" if rng.random() < 0.4 else None,
            "status": "cancelled" if cancelled else "booked",
            "created_at": made_at,
            "updated_at": made_at,
        },
    )
    out.add(
        TaalhuisEvent,
        {
            "user_key": key,
            "event": "gemaakt",
            "location_id": place,
            "detail": reason,
            "created_at": made_at,
        },
    )
    if cancelled:
        out.add(
            TaalhuisEvent,
            {
                "user_key": key,
                "event": "afgezegd",
                "location_id": place,
                "detail": reason,
                "created_at": made_at,
            },
        )
    elif rng.random() < 0.1:
        out.add(
            TaalhuisEvent,
            {
                "user_key": key,
                "event": "verzet",
                "location_id": place,
                "detail": reason,
                "created_at": made_at,
            },
        )
    if not cancelled:
        booked[(place, when)] = booked.get((place, when), 0) + 1
    return 1


def _buddies(
    rng: random.Random, out: _Writer, learners: int, first: datetime, now: datetime
) -> None:
    """A few hundred buddies and pairings, their events, and invitations."""
    for number in range(learners // 6):
        buddy_id = 20_000_000 + number
        place = _pick(rng, PLACES)
        out.add(
            PersonRole,
            {
                "telegram_id": buddy_id,
                "role": "buddy",
                "place": place,
                "name": rng.choice(NAMES),
                "created_at": first,
            },
        )
        started = first + timedelta(days=rng.uniform(0, (now - first).days))
        active = rng.random() < 0.6
        out.add(
            Pairing,
            {
                "buddy_id": buddy_id,
                "learner_id": 10_000_000 + rng.randrange(learners),
                "place": place,
                "status": "active" if active else "ended",
                "practice_ok": True,
                "progress_ok": rng.random() < 0.5,
                "started_at": started,
                "ended_at": None if active else now,
            },
        )
        out.add(BuddyEvent, {"kind": "koppeling_begin", "place": place, "created_at": started})
        for _ in range(rng.randint(0, 40)):
            when = started + timedelta(days=rng.uniform(0, max((now - started).days, 1)))
            out.add(BuddyEvent, {"kind": "vraag_verstuurd", "place": place, "created_at": when})
            if rng.random() < 0.7:
                out.add(
                    BuddyEvent,
                    {
                        "kind": "antwoord",
                        "place": place,
                        "created_at": when,
                        "seconds": rng.uniform(30, 86_400),
                    },
                )
            if rng.random() < 0.1:
                kind = rng.choice(BUDDY_EVENT_KINDS[4:])
                out.add(BuddyEvent, {"kind": kind, "place": place, "created_at": when})
    for number in range(60):
        made = first + timedelta(days=rng.uniform(0, (now - first).days))
        used = rng.random() < 0.6
        out.add(
            Invitation,
            {
                "code_hash": code_hash(f"DEMO{number:04d}{rng.random()}"),
                "kind": rng.choice(("maatje", "leerling")),
                "place": _pick(rng, PLACES),
                "created_at": made,
                "expires_at": made + timedelta(days=30),
                "used_at": made + timedelta(days=2) if used else None,
                "used_by": None,
            },
        )
