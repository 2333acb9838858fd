"""The weekly roll-ups behind the dashboard: Amsterdam weeks, a learner's place and profile,
only open weeks rolled up again, "vergeet mij" — on SQLite and on PostgreSQL."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from bot.store.db import make_engine, make_sessionmaker, migrate
from bot.store.models import CountWeek, ItemWeek, LearnerFacts, LearnerWeek, PracticeEvent
from bot.store.practice import ExerciseEvent, PracticeStore
from bot.store.repositories import Analytics
from bot.store.stats import week_bounds, week_of

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
LEARNER, OTHER = 501, 502


def pg_running() -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", 5432)) == 0


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[sessionmaker]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path}/stats.db")
        migrate(engine)
        yield make_sessionmaker(engine)
        engine.dispose()
        return
    if not pg_running():
        pytest.skip("PostgreSQL is not running on 127.0.0.1")
    schema = f"tm_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL, future=True)
    with admin.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(f"{PG_URL}?options=-csearch_path%3D{schema}")
    try:
        migrate(engine)
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def test_weeks_are_amsterdam_weeks() -> None:
    # Sunday 23:30 in Amsterdam (winter: UTC+1) is still that week; Monday 00:30 is the next.
    assert week_of(datetime(2026, 11, 29, 22, 30)) == date(2026, 11, 23)
    assert week_of(datetime(2026, 11, 29, 23, 30)) == date(2026, 11, 30)
    start, end = week_bounds(date(2026, 11, 30))
    assert (start, end) == (datetime(2026, 11, 29, 23, 0), datetime(2026, 12, 6, 23, 0))
    # Summer time: the week starts at 22:00 UTC.
    assert week_bounds(date(2026, 6, 1))[0] == datetime(2026, 5, 31, 22, 0)


def answer(store: PracticeStore, user: int, item: str, correct: bool) -> None:
    store.record(user, ExerciseEvent("shown", "vervoer", 1, "kiezen", item))
    store.record(user, ExerciseEvent("answered", "vervoer", 1, "kiezen", item, correct))


def test_a_learners_week_counts_messages_exercises_rounds_by_place_and_profile(
    sessions: sessionmaker,
) -> None:
    analytics = Analytics(sessions, "secret")
    practice = PracticeStore(sessions, analytics)
    analytics.record([(LEARNER, "groet", 0.9, "utter_groet"), (LEARNER, "nlu_fallback", 0.1, None),
                      (OTHER, "oefenen", 0.9, None)])  # fmt: skip
    analytics.set_profile(LEARNER, "nt2")
    analytics.record_taalhuis(LEARNER, "gemaakt", "culemborg", "intake")  # sets the place
    analytics.set_place(LEARNER, "tiel")  # a buddy's invitation wins
    analytics.record_taalhuis(LEARNER, "gemaakt", "geldermalsen", "intake")  # keeps Tiel
    for correct in (True, True, False):
        answer(practice, LEARNER, "vervoer-1-fiets", correct)
    practice.record_round(LEARNER, "vervoer", 2, +1)
    analytics.record_clarification(LEARNER, "bedoeling", "gevraagd")
    done = analytics.stats.refresh()
    assert done.weeks == 1

    with sessions() as session:
        rows = {r.user_key: r for r in session.scalars(sa.select(LearnerWeek)).all()}
        mine = rows[analytics.pseudonym(LEARNER)]
        assert (mine.place, mine.profile) == ("tiel", "nt2")
        assert (mine.messages, mine.not_understood, mine.exercises, mine.correct) == (2, 1, 3, 2)
        assert (mine.rounds, mine.levels_up, mine.levels_down) == (1, 1, 0)
        other = rows[analytics.pseudonym(OTHER)]
        assert (other.place, other.profile, other.messages) == ("", "", 1)
        [item] = session.scalars(sa.select(ItemWeek)).all()
        assert (item.place, item.item_key, item.answered, item.correct, item.learners) == (
            "tiel", "vervoer-1-fiets", 3, 2, 1,
        )  # fmt: skip
        counts = {(c.source, c.kind, c.detail, c.place): c.n
                  for c in session.execute(sa.select(CountWeek)).scalars()}  # fmt: skip
        assert counts[("taalhuis", "gemaakt", "intake", "tiel")] == 2
        assert counts[("bedoel", "bedoeling", "gevraagd", "tiel")] == 1
        # No Telegram id anywhere in the statistics.
        facts = session.execute(sa.select(LearnerFacts.__table__)).all()
        dump = repr(facts) + repr([tuple(r.__dict__.values()) for r in rows.values()])
        assert str(LEARNER) not in dump


def test_only_open_weeks_are_rolled_up_again_and_forget_me_erases_the_learner(
    sessions: sessionmaker,
) -> None:
    analytics = Analytics(sessions, "secret")
    now = datetime.utcnow()
    old = now - timedelta(days=35)
    with sessions.begin() as session:  # five weeks ago, as if the bot had been running
        session.execute(sa.insert(PracticeEvent), [
            {"user_key": analytics.pseudonym(LEARNER), "event": "answered", "theme": "vervoer",
             "level": 1, "kind": "kiezen", "item_key": "x", "correct": True, "replays": 0,
             "slower": 0, "created_at": old},
        ])  # fmt: skip
    analytics.record([(LEARNER, "groet", 0.9, None)])
    assert analytics.stats.refresh(now).weeks == 6  # the first time: every week
    assert analytics.stats.refresh(now).weeks == 2  # then the open week and the one before
    assert analytics.stats.refreshed_at() == now
    with sessions() as session:
        weeks = session.scalars(sa.select(LearnerWeek.week).order_by(LearnerWeek.week)).all()
    assert weeks == [week_of(old), week_of(now)]

    analytics.delete_for(LEARNER)
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(LearnerWeek)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(LearnerFacts)) == 0
