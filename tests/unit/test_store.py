"""The store on a real SQLite file: migrations, pragmas, and each repository's promises."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Engine

from bot.store.db import make_engine, make_sessionmaker, migrate
from bot.store.models import AnalyticsEvent, Base, User
from bot.store.repositories import Analytics, UserPrefs, Users, VoiceClips

LEARNER = 123_456_789
OTHER = 987_654_321


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    # A folder that does not exist yet: make_engine must create it.
    return f"sqlite:///{tmp_path / 'var' / 'taalmaatje.db'}"


@pytest.fixture
def open_engine(db_url: str) -> Iterator[Callable[[], Engine]]:
    """Open (and migrate) the same database file again, as a restarted bot does."""
    engines: list[Engine] = []

    def open_() -> Engine:
        engine = make_engine(db_url)
        migrate(engine)
        engines.append(engine)
        return engine

    yield open_
    for engine in engines:
        engine.dispose()


@pytest.fixture
def engine(open_engine: Callable[[], Engine]) -> Engine:
    return open_engine()


@pytest.fixture
def users(engine: Engine) -> Users:
    return Users(make_sessionmaker(engine))


@pytest.fixture
def analytics(engine: Engine) -> Analytics:
    return Analytics(make_sessionmaker(engine), "test-secret")


def user_rows(engine: Engine) -> list[tuple[int, bool, bool]]:
    with engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                select(User.telegram_id, User.voice_on, User.privacy_seen).order_by(
                    User.telegram_id
                )
            )
        ]


# --- migrations and engine -------------------------------------------------------------


def test_migrate_creates_every_table_in_a_new_folder(db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine)
        assert (tmp_path / "var" / "taalmaatje.db").is_file()
        tables = set(inspect(engine).get_table_names())
        assert {
            "users", "voice_clips", "analytics_events", "alembic_version",
            "practice_state", "practice_items", "practice_themes", "practice_events",
            "appointments", "appointment_slots", "reminders", "taalhuis_events",
            "open_questions", "clarification_events", "inbox", "outbox", "learner_facts",
            "learner_weeks", "item_weeks", "count_weeks", "voice_overrides",
        } <= tables  # fmt: skip
        indexes = {ix["name"] for ix in inspect(engine).get_indexes("analytics_events")}
        assert indexes == {"ix_analytics_user_key", "ix_analytics_created_at"}
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT version_num FROM alembic_version")) == "0009"
    finally:
        engine.dispose()


def test_migrate_twice_keeps_the_data(engine: Engine, users: Users) -> None:
    users.set_flags(LEARNER, voice_on=False)
    migrate(engine)  # every start runs it again
    migrate(engine)
    assert user_rows(engine) == [(LEARNER, False, False)]
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM alembic_version")) == 1


def test_migrations_match_the_models(engine: Engine) -> None:
    """A model changed without a migration would break the first start after an upgrade."""
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_file_database_runs_in_wal_mode_with_a_busy_timeout(engine: Engine) -> None:
    with engine.connect() as connection:
        assert connection.scalar(text("PRAGMA journal_mode")) == "wal"
        assert connection.scalar(text("PRAGMA busy_timeout")) == 5000
        assert connection.scalar(text("PRAGMA foreign_keys")) == 1


# --- users ------------------------------------------------------------------------------


def test_first_contact_gets_the_defaults(users: Users) -> None:
    assert users.get(LEARNER) is None
    assert users.get_or_create(LEARNER) == UserPrefs(
        telegram_id=LEARNER,
        role="learner",
        profile="nt1",
        voice_on=True,
        privacy_seen=False,
        intake_done=False,
    )


def test_get_or_create_twice_stores_one_learner(users: Users, engine: Engine) -> None:
    first = users.get_or_create(LEARNER)
    second = users.get_or_create(LEARNER)
    assert first == second
    assert user_rows(engine) == [(LEARNER, True, False)]


def test_flags_survive_a_restart(open_engine: Callable[[], Engine]) -> None:
    before = Users(make_sessionmaker(open_engine()))
    before.set_flags(LEARNER, voice_on=False, privacy_seen=True, profile="nt2")

    after = Users(make_sessionmaker(open_engine()))
    prefs = after.get(LEARNER)
    assert prefs is not None
    assert (prefs.voice_on, prefs.privacy_seen, prefs.profile) == (False, True, "nt2")


def test_set_flags_changes_only_that_learner(users: Users, engine: Engine) -> None:
    users.get_or_create(OTHER)
    users.set_flags(LEARNER, voice_on=False)
    assert user_rows(engine) == [(LEARNER, False, False), (OTHER, True, False)]


def test_delete_removes_only_that_learner(users: Users, engine: Engine) -> None:
    users.get_or_create(LEARNER)
    users.get_or_create(OTHER)
    assert users.delete(LEARNER) is True
    assert users.get(LEARNER) is None
    assert user_rows(engine) == [(OTHER, True, False)]
    assert users.delete(LEARNER) is False  # nothing left to erase


def test_concurrent_first_contacts_store_one_learner(users: Users, engine: Engine) -> None:
    """Several updates of one new learner at once (a double tap): one row, no errors."""
    threads_count, rounds = 12, 15
    results: list[UserPrefs] = []
    errors: list[BaseException] = []

    def contact(barrier: threading.Barrier, telegram_id: int) -> None:
        try:
            barrier.wait(timeout=10)
            results.append(users.get_or_create(telegram_id))
        except BaseException as error:  # any failure is asserted on below
            errors.append(error)

    for telegram_id in range(LEARNER, LEARNER + rounds):
        barrier = threading.Barrier(threads_count)
        threads = [
            threading.Thread(target=contact, args=(barrier, telegram_id))
            for _ in range(threads_count)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert errors == []
    assert len(results) == threads_count * rounds
    assert set(results) == {
        UserPrefs(telegram_id, "learner", "nt1", True, False, False)
        for telegram_id in range(LEARNER, LEARNER + rounds)
    }
    assert user_rows(engine) == [
        (telegram_id, True, False) for telegram_id in range(LEARNER, LEARNER + rounds)
    ]


# --- analytics ---------------------------------------------------------------------------


def test_pseudonym_is_stable_and_hides_the_id(analytics: Analytics, engine: Engine) -> None:
    key = analytics.pseudonym(LEARNER)
    assert key == analytics.pseudonym(str(LEARNER))  # Rasa's sender_id is a string
    assert key == Analytics(make_sessionmaker(engine), "test-secret").pseudonym(LEARNER)
    assert len(key) == 32
    int(key, 16)  # hexadecimal
    assert str(LEARNER) not in key
    assert key != analytics.pseudonym(OTHER)


def test_pseudonym_differs_per_secret(analytics: Analytics, engine: Engine) -> None:
    other_install = Analytics(make_sessionmaker(engine), "another-secret")
    assert other_install.pseudonym(LEARNER) != analytics.pseudonym(LEARNER)


def test_recorded_rows_hold_no_telegram_id(analytics: Analytics, engine: Engine) -> None:
    analytics.record([(LEARNER, "groet", 0.9, "action_welkom")])
    with engine.connect() as connection:
        row = connection.execute(select(AnalyticsEvent)).one()
    assert row.user_key == analytics.pseudonym(LEARNER)
    assert (row.intent, row.confidence, row.action) == ("groet", 0.9, "action_welkom")
    assert str(LEARNER) not in " ".join(str(value) for value in row)


def test_count_turns_per_learner_and_in_total(analytics: Analytics) -> None:
    assert analytics.count_turns(LEARNER) == 0
    analytics.record([(LEARNER, "groet", 0.9, "action_welkom"), (LEARNER, "hulp", 0.8, None)])
    analytics.record([(OTHER, "afscheid", 0.7, "utter_afscheid")])
    assert analytics.count_turns(LEARNER) == 2
    assert analytics.count_turns(str(LEARNER)) == 2
    assert analytics.count_turns(OTHER) == 1
    assert analytics.count_turns() == 3


def test_delete_for_removes_only_that_learners_rows(analytics: Analytics, engine: Engine) -> None:
    analytics.record([(LEARNER, "groet", 0.9, None)] * 3 + [(OTHER, "groet", 0.9, None)] * 2)
    assert analytics.delete_for(LEARNER) == 3
    assert analytics.count_turns(LEARNER) == 0
    assert analytics.count_turns(OTHER) == 2
    with engine.connect() as connection:
        keys = connection.scalars(select(AnalyticsEvent.user_key)).all()
    assert keys == [analytics.pseudonym(OTHER)] * 2
    assert analytics.delete_for(LEARNER) == 0


def test_insert_rows_is_part_of_the_callers_transaction(
    analytics: Analytics, engine: Engine
) -> None:
    """The tracker store writes events and analytics together: a rollback drops both."""
    with engine.connect() as connection:
        transaction = connection.begin()
        analytics.insert_rows(connection, [(LEARNER, "groet", 0.9, None)])
        transaction.rollback()
    assert analytics.count_turns() == 0
    with engine.begin() as connection:
        analytics.insert_rows(connection, [(LEARNER, "groet", 0.9, None)])
        analytics.insert_rows(connection, [])  # a turn without a learner message
    assert analytics.count_turns(LEARNER) == 1
    with engine.connect() as connection:
        row = connection.execute(select(AnalyticsEvent)).one()
    assert row.user_key == analytics.pseudonym(LEARNER)
    assert row.created_at is not None


# --- voice clips -------------------------------------------------------------------------


def test_voice_clip_index_keeps_file_ids_and_renders(engine: Engine) -> None:
    clips = VoiceClips(make_sessionmaker(engine))
    assert clips.get("a" * 64) is None
    clips.put("a" * 64, "espeak", "audio/a.ogg", 1.5)
    clips.put("b" * 64, "gtts", "audio/b.ogg", 2.0)
    clips.set_file_id("a" * 64, "file-a")
    clips.set_file_id("b" * 64, "file-b")
    clip = clips.get("a" * 64)
    assert clip is not None
    assert (clip.engine, clip.path, clip.duration, clip.telegram_file_id) == (
        "espeak",
        "audio/a.ogg",
        1.5,
        "file-a",
    )

    clips.put("a" * 64, "gtts", "audio/a2.ogg", 1.7)  # rendered again
    clip = clips.get("a" * 64)
    assert clip is not None
    assert (clip.engine, clip.path, clip.duration) == ("gtts", "audio/a2.ogg", 1.7)

    clips.set_file_id("a" * 64, "file-a2")  # refused by another bot token, uploaded again
    assert clips.get("a" * 64).telegram_file_id == "file-a2"
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(text("voice_clips"))) == 2
