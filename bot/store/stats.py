"""The dashboard's statistics: a pseudonymous learner dimension and weekly roll-ups.

The raw events (one row per message, exercise, Taalhuis question, "Bedoel je?", buddy
event) grow to millions a year; the pages never read them. ``refresh`` rolls them up per
week (Monday, Amsterdam time) with one ``INSERT ... SELECT ... GROUP BY`` per table and
week, on SQLite and PostgreSQL alike: the first time every week, afterwards only the open
week and the one before it. The pages then group a few ten thousand roll-up rows.

``learner_facts`` holds what a learner's rows are grouped by (place, profile, the week they
started), keyed by the same pseudonym as the events: no Telegram id. A learner's place is
the place of their buddy's invitation, else of their first appointment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import (
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from bot.store.models import (
    AnalyticsEvent,
    BuddyEvent,
    ClarificationEvent,
    CountWeek,
    ItemWeek,
    LearnerFacts,
    LearnerWeek,
    PracticeEvent,
    RollupState,
    TaalhuisEvent,
    utcnow,
)
from bot.taalhuis.organisation import TIMEZONE

NOT_UNDERSTOOD = "nlu_fallback"
# practice_events rows that are not exercises (bot/practice/service.py).
ROUND_DONE, LEVEL_UP, LEVEL_DOWN = "ronde", "omhoog", "omlaag"
STATE = "weeks"
EPOCH = date(2000, 1, 3)  # a Monday


def week_of(moment: datetime) -> date:
    """The Monday (Amsterdam time) of the week a UTC moment (naive or aware) falls in."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    local = aware.astimezone(TIMEZONE).date()
    return local - timedelta(days=local.weekday())


def week_number(week: date) -> int:
    """Weeks since a Monday long ago: the funnel's "came back in week 2" is plain integer
    arithmetic on this, the same on SQLite and PostgreSQL."""
    return (week - EPOCH).days // 7


def week_bounds(week: date) -> tuple[datetime, datetime]:
    """[start, end) of a week in naive UTC, as the events store their times."""

    def utc(day: date) -> datetime:
        local = datetime.combine(day, time(0), tzinfo=TIMEZONE)
        return local.astimezone(timezone.utc).replace(tzinfo=None)

    return utc(week), utc(week + timedelta(days=7))


@dataclass(frozen=True)
class Refreshed:
    weeks: int  # how many weeks were rolled up again
    seconds: float


class Stats:
    """Writes the learner dimension as the bot goes; rolls the events up for the pages."""

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    # --- the learner dimension (called by the bot) ---------------------------------------

    def started(
        self, user_key: str, now: datetime | None = None, session: Session | None = None
    ) -> None:
        """The learner's first contact (later calls change nothing)."""
        values = _new_facts(user_key, now or utcnow())
        if session is not None:
            _insert_missing(session, values)
            return
        with self._sessions.begin() as own:
            _insert_missing(own, values)

    def set_profile(self, user_key: str, profile: str, now: datetime | None = None) -> None:
        now = now or utcnow()
        with self._sessions.begin() as session:
            _insert_missing(session, _new_facts(user_key, now))
            session.execute(
                update(LearnerFacts)
                .where(LearnerFacts.user_key == user_key)
                .values(
                    profile=profile,
                    profile_at=func.coalesce(LearnerFacts.profile_at, now),
                )
            )

    def set_place(self, user_key: str, place: str | None, override: bool = False) -> None:
        """A buddy's invitation sets the place (``override``); an appointment only when
        none is known yet."""
        if not place:
            return
        now = utcnow()
        with self._sessions.begin() as session:
            _insert_missing(session, _new_facts(user_key, now))
            query = update(LearnerFacts).where(LearnerFacts.user_key == user_key)
            if not override:
                query = query.where(LearnerFacts.place == "")
            session.execute(query.values(place=place))

    def erase(self, user_key: str) -> None:
        """ "Vergeet mij": the learner's dimension and weekly rows (the place totals that are
        no longer linked to anyone stay)."""
        with self._sessions.begin() as session:
            session.execute(delete(LearnerFacts).where(LearnerFacts.user_key == user_key))
            session.execute(delete(LearnerWeek).where(LearnerWeek.user_key == user_key))

    # --- roll-ups ---------------------------------------------------------------------------

    def refresh(self, now: datetime | None = None, everything: bool = False) -> Refreshed:
        """Roll the events up: every week the first time (or ``everything``), else the
        week still open at the last refresh and those after it."""
        started = datetime.now()
        now = now or utcnow()
        current = week_of(now)
        with self._sessions() as session:
            state = session.get(RollupState, STATE)
            first = None if everything or state is None else state.week
            if first is None:
                oldest = session.scalar(select(func.min(AnalyticsEvent.created_at)))
                oldest_practice = session.scalar(select(func.min(PracticeEvent.created_at)))
                candidates = [m for m in (oldest, oldest_practice) if m is not None]
                first = week_of(min(candidates)) if candidates else current
        weeks = []
        week = min(first, current)
        while week <= current:
            weeks.append(week)
            week += timedelta(days=7)
        for week in weeks:
            with self._sessions.begin() as session:
                _roll_up_week(session, week)
        with self._sessions.begin() as session:
            previous = current - timedelta(days=7)  # events may still land in it at midnight
            if session.get(RollupState, STATE) is None:
                session.add(RollupState(name=STATE, week=previous, refreshed_at=now))
            else:
                session.execute(
                    update(RollupState)
                    .where(RollupState.name == STATE)
                    .values(week=previous, refreshed_at=now)
                )
        return Refreshed(len(weeks), (datetime.now() - started).total_seconds())

    def refreshed_at(self) -> datetime | None:
        with self._sessions() as session:
            state = session.get(RollupState, STATE)
            return state.refreshed_at if state else None


def _new_facts(user_key: str, now: datetime) -> dict[str, Any]:
    week = week_of(now)
    return {"user_key": user_key, "place": "", "profile": "", "started_at": now,
            "started_week": week, "started_week_no": week_number(week)}  # fmt: skip


def _insert_missing(session: Session, values: dict[str, Any]) -> None:
    """Insert the facts row unless it exists (portable: no dialect-specific upsert)."""
    exists = session.scalar(
        select(LearnerFacts.user_key).where(LearnerFacts.user_key == values["user_key"])
    )
    if exists is None:
        session.execute(insert(LearnerFacts).values(**values))


def _roll_up_week(session: Session, week: date) -> None:
    """Replace one week's roll-up rows with sums over that week's events."""
    start, end = week_bounds(week)
    for table in (LearnerWeek, ItemWeek, CountWeek):
        session.execute(delete(table).where(table.week == week))

    def during(column: Any) -> Any:
        return and_(column >= start, column < end)

    zero = literal(0)
    a, p = AnalyticsEvent, PracticeEvent
    is_round = p.event == ROUND_DONE
    messages = (
        select(
            a.user_key.label("user_key"),
            func.count().label("messages"),
            func.sum(case((a.intent == NOT_UNDERSTOOD, 1), else_=0)).label("not_understood"),
            zero.label("exercises"),
            zero.label("correct"),
            zero.label("rounds"),
            zero.label("levels_up"),
            zero.label("levels_down"),
        )
        .where(during(a.created_at))
        .group_by(a.user_key)
    )
    practice = (
        select(
            p.user_key,
            zero,
            zero,
            func.sum(case((p.event == "answered", 1), else_=0)),
            func.sum(case((and_(p.event == "answered", p.correct.is_(True)), 1), else_=0)),
            func.sum(case((is_round, 1), else_=0)),
            func.sum(case((p.event == LEVEL_UP, 1), else_=0)),
            func.sum(case((p.event == LEVEL_DOWN, 1), else_=0)),
        )
        .where(during(p.created_at), p.event != "shown")
        .group_by(p.user_key)
    )
    both = union_all(messages, practice).subquery()
    f = LearnerFacts
    counts = [func.sum(both.c[name]) for name in LEARNER_COUNTS]
    rows = (
        select(
            literal(week),
            literal(week_number(week)),
            both.c.user_key,
            func.coalesce(f.place, ""),
            func.coalesce(f.profile, ""),
            *counts,
        )
        .select_from(both.outerjoin(f, f.user_key == both.c.user_key))
        .group_by(both.c.user_key, f.place, f.profile)
    )
    session.execute(
        insert(LearnerWeek).from_select(
            ["week", "week_no", "user_key", "place", "profile", *LEARNER_COUNTS], rows
        )
    )

    place, profile = func.coalesce(f.place, ""), func.coalesce(f.profile, "")
    items = (
        select(
            literal(week),
            place,
            profile,
            p.theme,
            p.level,
            p.item_key,
            func.count(),
            func.sum(case((p.correct.is_(True), 1), else_=0)),
            func.count(func.distinct(p.user_key)),
        )
        .select_from(p.__table__.outerjoin(f, f.user_key == p.user_key))
        .where(during(p.created_at), p.event == "answered")
        .group_by(place, profile, p.theme, p.level, p.item_key)
    )
    session.execute(
        insert(ItemWeek).from_select(
            [
                "week",
                "place",
                "profile",
                "theme",
                "level",
                "item_key",
                "answered",
                "correct",
                "learners",
            ],
            items,
        )
    )

    t, c, b = TaalhuisEvent, ClarificationEvent, BuddyEvent
    detail, buddy_place = func.coalesce(t.detail, ""), func.coalesce(b.place, "")
    taalhuis = (
        select(literal(week), place, profile, literal("taalhuis"), t.event, detail, func.count())
        .select_from(t.__table__.outerjoin(f, f.user_key == t.user_key))
        .where(during(t.created_at))
        .group_by(place, profile, t.event, detail)
    )
    asked = (
        select(literal(week), place, profile, literal("bedoel"), c.kind, c.outcome, func.count())
        .select_from(c.__table__.outerjoin(f, f.user_key == c.user_key))
        .where(during(c.created_at))
        .group_by(place, profile, c.kind, c.outcome)
    )
    buddies = (
        select(
            literal(week),
            buddy_place,
            literal(""),
            literal("maatje"),
            b.kind,
            literal(""),
            func.count(),
        )
        .where(during(b.created_at))
        .group_by(buddy_place, b.kind)
    )
    columns = ["week", "place", "profile", "source", "kind", "detail", "n"]
    for query in (taalhuis, asked, buddies):
        session.execute(insert(CountWeek).from_select(columns, query))


LEARNER_COUNTS = (
    "messages",
    "not_understood",
    "exercises",
    "correct",
    "rounds",
    "levels_up",
    "levels_down",
)


def weeks_back(current: date, count: int) -> list[date]:
    """The last ``count`` Mondays up to and including ``current``'s, oldest first."""
    return [current - timedelta(days=7 * back) for back in range(count - 1, -1, -1)]


def places_filter(column: Any, places: Iterable[str] | None) -> Any:
    """All places (None, for an admin) or only these."""
    return literal(True) if places is None else column.in_(list(places))
