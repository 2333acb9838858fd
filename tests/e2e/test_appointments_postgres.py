"""The appointment store on PostgreSQL: the same scenarios as on SQLite, where concurrent
transactions really run side by side. Skipped only where no PostgreSQL runs on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.store.db import make_engine, make_sessionmaker, migrate
from tests.unit import test_appointments as scenarios

PG_URL = os.environ.get("TAALMAATJE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def reachable(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def open_pg() -> Iterator[Callable[[], Engine]]:
    """Engines on a throwaway schema of this test's own (a second call is a "restart")."""
    if not reachable(5432):
        pytest.skip("PostgreSQL is not running on 127.0.0.1")
    schema = f"tm_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL, future=True)
    with admin.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    engines: list[Engine] = []

    def open_() -> Engine:
        engine = make_engine(url)
        migrate(engine)
        engines.append(engine)
        return engine

    try:
        yield open_
    finally:
        for engine in engines:
            engine.dispose()
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def sessions(open_pg: Callable[[], Engine]) -> sessionmaker:
    engine = open_pg()
    assert engine.dialect.name == "postgresql"
    return make_sessionmaker(engine)


def test_two_learners_racing_for_the_last_place(sessions: sessionmaker) -> None:
    scenarios.race_for_the_last_place(sessions)


def test_ten_bookers_never_exceed_the_capacity(sessions: sessionmaker) -> None:
    scenarios.ten_bookers_never_exceed_capacity(sessions)


def test_a_double_tap_books_once(sessions: sessionmaker) -> None:
    scenarios.a_double_tap_books_once(sessions)


def test_move_and_cancel_free_places(sessions: sessionmaker) -> None:
    scenarios.moves_and_cancels_free_places(sessions)


def test_swapping_learners_do_not_deadlock(sessions: sessionmaker) -> None:
    scenarios.swapping_learners_do_not_deadlock(sessions)


def test_a_reminder_claimed_by_two_workers_is_sent_once(sessions: sessionmaker) -> None:
    scenarios.a_reminder_is_claimed_once(sessions)


def test_reminders_after_a_restart(open_pg: Callable[[], Engine], sessions: sessionmaker) -> None:
    scenarios.reminders_survive_a_restart(sessions, lambda: make_sessionmaker(open_pg()))


def test_erase(sessions: sessionmaker) -> None:
    scenarios.erase_removes_everything_and_frees_the_place(sessions)


def test_the_migrations_match_the_models_on_postgresql(open_pg: Callable[[], Engine]) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from bot.store.models import Base

    with open_pg().connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
