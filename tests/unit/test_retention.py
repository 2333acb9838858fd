"""Retention with a fixed clock, over a real migrated database and Rasa's real events table.

One scenario (``fill``) covers every rule: an idle conversation, two active ones with ended
sessions (old and young) and a current session with old events, a young conversation, the
inbox, the outbox, questions on screen and the statistics. It runs on SQLite always and on
PostgreSQL where one runs on 127.0.0.1.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.dialogue.tracker_store import WindowedSQLTrackerStore
from bot.settings import PROJECT_ROOT
from bot.store.db import make_engine, migrate
from bot.store.models import (
    AnalyticsEvent,
    BuddyMessage,
    ClarificationEvent,
    InboxUpdate,
    OpenQuestion,
    OutboxMessage,
    PracticeEvent,
    TaalhuisEvent,
    User,
)
from bot.store.retention import Retention
from bot.telegram.housekeeping import RetentionJob, schedule_retention

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
DAYS = 30
MINUTE = 1 / (24 * 60)  # in days
PG_URL = os.environ.get("TAALMAATJE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
TAALMAATJE = Path(sys.executable).with_name("taalmaatje")

# sender: [(type_name, age in days)], in the order Rasa writes them.
CONVERSATIONS: dict[str, list[tuple[str, float]]] = {
    # Newest event a minute before the cutoff: the whole conversation goes.
    "idle": [
        ("action", 90),
        ("session_started", 90),
        ("user", 90),
        ("bot", 90),
        ("session_started", 40),
        ("user", 40),
        ("bot", DAYS + MINUTE),
    ],
    # An ended session older than the cutoff (goes); a current session that began before
    # the cutoff and is still going (stays, old events too).
    "active": [
        ("action", 80),
        ("session_started", 80),
        ("user", 80),
        ("bot", 80),
        ("action", 45),
        ("session_started", 45),
        ("user", 45),
        ("bot", 44),
        ("user", 0.1),
        ("bot", 0.1),
    ],
    # Three sessions: the oldest goes; one that ended a minute inside the cutoff stays.
    "returning": [
        ("session_started", 50),
        ("user", 50),
        ("session_started", DAYS - MINUTE),
        ("user", DAYS - MINUTE),
        ("bot", 20),
        ("session_started", 0.2),
        ("user", 0.2),
    ],
    # Everything within the period: untouched.
    "young": [("session_started", 10), ("user", 10), ("bot", 9), ("user", 1)],
}
GONE = {  # (sender, age) of the events the purge deletes
    *(("idle", age) for _, age in CONVERSATIONS["idle"]),
    ("active", 80),
    ("returning", 50),
}
EXPECTED = {
    "tracker_idle": 7,
    "tracker_ended": 6,
    "inbox_done": 1,
    "inbox_quarantine": 1,
    "outbox": 2,
    "open_questions": 1,
    "buddy_messages": 3,
}
STATISTICS = (AnalyticsEvent, PracticeEvent, TaalhuisEvent, ClarificationEvent, User)


def ago(days: float, now: datetime = NOW) -> datetime:
    """Naive UTC, as the store's DateTime columns hold it."""
    return (now - timedelta(days=days)).replace(tzinfo=None)


def event_row(sender: str, kind: str, age: float, now: datetime) -> dict[str, Any]:
    timestamp = (now - timedelta(days=age)).timestamp()
    data: dict[str, Any] = {"event": kind, "timestamp": timestamp}
    if kind in ("user", "bot"):
        data["text"] = "Hoe laat is het taalhuis open?"
    return {
        "sender_id": sender,
        "type_name": kind,
        "timestamp": timestamp,
        "intent_name": "openingstijden" if kind == "user" else None,
        "action_name": "action_session_start" if kind == "action" else None,
        "data": json.dumps(data),
    }


def fill(engine: Engine, now: datetime = NOW) -> WindowedSQLTrackerStore:
    """The scenario's rows; the tracker store makes Rasa's table as the bot does."""
    store = WindowedSQLTrackerStore(engine)
    events = store.SQLEvent.__table__
    rows = [
        event_row(sender, kind, age, now)
        for sender, timeline in CONVERSATIONS.items()
        for kind, age in timeline
    ]
    old, young = ago(40, now), ago(10, now)
    with engine.begin() as connection:
        connection.execute(events.insert(), rows)
        connection.execute(
            sa.insert(InboxUpdate),
            [
                inbox(1, "done", received=old, done=old),  # goes
                inbox(2, "done", received=young, done=young),
                inbox(3, "quarantine", received=old, raw="{}"),  # goes
                inbox(4, "quarantine", received=young, raw="{}"),
                inbox(5, "waiting", received=ago(90, now), raw="{}"),  # never purged
            ],
        )
        connection.execute(
            sa.insert(OutboxMessage),
            [
                outbox(1, "sent", created=old, sent=old),  # goes
                outbox(2, "failed", created=old),  # goes
                outbox(3, "sent", created=young, sent=young),
                outbox(4, "pending", created=ago(90, now)),  # still has work
            ],
        )
        connection.execute(
            sa.insert(OpenQuestion),
            [
                {"telegram_id": 1, "question": "{}", "updated_at": old},  # goes
                {"telegram_id": 2, "question": "{}", "updated_at": ago(1, now)},
            ],
        )
        connection.execute(
            sa.insert(BuddyMessage),
            [  # a buddy's prompt and a learner's answer: delivered plus 14 days
                buddy_message("beantwoord", created=ago(20, now), sent=ago(15, now)),  # goes
                buddy_message("verstuurd", created=ago(14.5, now), sent=ago(14.5, now)),  # goes
                buddy_message("verstuurd", created=ago(20, now), sent=ago(13, now)),
                buddy_message("wacht", created=ago(20, now)),  # never delivered: goes
                buddy_message("wacht", created=ago(1, now)),  # on its way
            ],
        )
        long_ago = ago(400, now)
        connection.execute(
            sa.insert(AnalyticsEvent),
            [{"user_key": "k1", "intent": "groet", "created_at": long_ago}],
        )
        connection.execute(
            sa.insert(PracticeEvent),
            [
                {
                    "user_key": "k1",
                    "event": "answered",
                    "theme": "winkel",
                    "level": 1,
                    "kind": "keuze",
                    "item_key": "w1",
                    "created_at": long_ago,
                }
            ],
        )
        connection.execute(
            sa.insert(TaalhuisEvent), [{"user_key": "k1", "event": "info", "created_at": long_ago}]
        )
        connection.execute(
            sa.insert(ClarificationEvent),
            [{"user_key": "k1", "kind": "ja_nee", "outcome": "gekozen", "created_at": long_ago}],
        )
        connection.execute(sa.insert(User), [{"telegram_id": 1, "created_at": long_ago}])
    return store


def buddy_message(status: str, created: datetime, sent: datetime | None = None) -> dict[str, Any]:
    return {
        "kind": "vraag", "sender_id": 1, "recipient_id": 2, "status": status,
        "body": '{"tekst":"Wat eet je graag?"}', "created_at": created, "sent_at": sent,
    }  # fmt: skip


def inbox(
    update_id: int, status: str, received: datetime, done: datetime | None = None, raw: Any = None
) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "chat_id": 7,
        "kind": "message",
        "raw": raw,
        "status": status,
        "attempts": 1,
        "received_at": received,
        "done_at": done,
    }


def outbox(ref: int, status: str, created: datetime, sent: datetime | None = None) -> dict:
    return {
        "kind": "reminder",
        "ref": ref,
        "chat_id": 7,
        "status": status,
        "deadline": created + timedelta(days=1),
        "created_at": created,
        "sent_at": sent,
    }


def remaining_events(engine: Engine, now: datetime = NOW) -> set[tuple[str, float]]:
    """(sender, age in days rounded to a minute) of every stored tracker event."""
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT sender_id, timestamp FROM events")).all()
    return {
        (sender, round((now.timestamp() - timestamp) / 86400 / MINUTE) * MINUTE)
        for sender, timestamp in rows
    }


def scenario_ages() -> set[tuple[str, float]]:
    return {
        (sender, round(age / MINUTE) * MINUTE)
        for sender, timeline in CONVERSATIONS.items()
        for _, age in timeline
    }


def table_counts(engine: Engine) -> dict[str, int]:
    tables = ["events", *(model.__tablename__ for model in STATISTICS)]
    tables += ["inbox", "outbox", "open_questions", "buddy_messages"]
    with engine.connect() as connection:
        return {
            table: connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in tables
        }


def windows(engine: Engine, store: WindowedSQLTrackerStore) -> dict[str, list[int]]:
    """The event ids the bot loads for its next turn, per active conversation."""
    with engine.connect() as connection:
        return {
            sender: [row.id for row in store._window_rows(connection, sender)]
            for sender in ("active", "returning", "young")
        }


def purge_scenario(engine: Engine) -> None:
    """The main test, on any database: dry run, real run, then a second (empty) run."""
    store = fill(engine)
    before, window_before = table_counts(engine), windows(engine, store)
    retention = Retention(engine, DAYS)

    dry = retention.purge(NOW, dry_run=True)
    assert dry == EXPECTED
    assert table_counts(engine) == before  # a dry run deletes nothing

    assert retention.purge(NOW) == dry
    assert remaining_events(engine) == scenario_ages() - {
        (sender, round(age / MINUTE) * MINUTE) for sender, age in GONE
    }
    # The current sessions are whole: the next turn loads exactly what it loaded before.
    assert windows(engine, store) == window_before
    after = table_counts(engine)
    for model in STATISTICS:  # statistics (no texts) and the learners' own rows stay
        assert after[model.__tablename__] == before[model.__tablename__] == 1
    with engine.connect() as connection:
        assert connection.execute(sa.select(InboxUpdate.update_id)).scalars().all() == [2, 4, 5]
        assert sorted(connection.execute(sa.select(OutboxMessage.ref)).scalars()) == [3, 4]
        assert connection.execute(sa.select(OpenQuestion.telegram_id)).scalars().all() == [2]

    assert retention.purge(NOW) == dict.fromkeys(EXPECTED, 0)  # idempotent


def test_purge_with_a_fixed_clock(engine: Engine) -> None:
    purge_scenario(engine)


def test_purge_on_postgresql() -> None:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        if sock.connect_ex(("127.0.0.1", 5432)) != 0:
            pytest.skip("PostgreSQL is not running on 127.0.0.1")
    schema = f"tm_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL, future=True)
    with admin.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(f"{PG_URL}?options=-csearch_path%3D{schema}")
    try:
        assert engine.dialect.name == "postgresql"
        migrate(engine)
        purge_scenario(engine)
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def test_the_period_is_counted_from_now(engine: Engine) -> None:
    """A period later every conversation is idle, the young one too; a naive ``now`` is UTC."""
    fill(engine)
    later = (NOW + timedelta(days=DAYS)).replace(tzinfo=None)
    counts = Retention(engine, DAYS).purge(later)
    assert counts["tracker_idle"] == sum(len(timeline) for timeline in CONVERSATIONS.values())
    assert remaining_events(engine) == set()


def test_a_database_the_bot_never_ran_on_has_nothing_to_purge(engine: Engine) -> None:
    """Rasa's events table is made by the tracker store, so it may not exist yet."""
    assert Retention(engine, DAYS).purge(NOW, dry_run=True) == dict.fromkeys(EXPECTED, 0)
    assert Retention(engine, DAYS).purge(NOW) == dict.fromkeys(EXPECTED, 0)


def test_fewer_than_one_day_is_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Retention(engine, 0)


def test_the_log_line_holds_counts_only(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    fill(engine)
    with caplog.at_level(logging.INFO, logger="bot.store.retention"):
        Retention(engine, DAYS).purge(NOW)
    [record] = caplog.records
    assert record.getMessage() == (  # counts only: no texts, no ids of learners
        "Retention (30 days) deleted: tracker_idle=7, tracker_ended=6, inbox_done=1, "
        "inbox_quarantine=1, outbox=2, open_questions=1, buddy_messages=3"
    )


# --- the daily job -------------------------------------------------------------------


async def test_the_job_purges_off_the_loop(engine: Engine) -> None:
    fill(engine)
    assert await RetentionJob(Retention(engine, DAYS)).run(NOW) == EXPECTED


async def test_a_failing_purge_is_logged_by_type_and_never_raises(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Broken:
        def purge(self, now: datetime, dry_run: bool = False) -> dict[str, int]:
            raise RuntimeError("Hoe laat is het taalhuis open?")

    with caplog.at_level(logging.WARNING, logger="bot.telegram.housekeeping"):
        assert await RetentionJob(Broken()).run(NOW) is None  # type: ignore[arg-type]
    [record] = caplog.records
    assert record.getMessage() == "The retention purge failed: RuntimeError"


def test_schedule_retention_runs_daily(engine: Engine) -> None:
    from telegram.ext import ApplicationBuilder

    application = ApplicationBuilder().token("123456:test").build()
    job = schedule_retention(application, Retention(engine, DAYS))
    assert job.name == "retention"
    assert isinstance(job.callback, RetentionJob)
    assert job.job.trigger.interval == timedelta(days=1)


# --- the command line ----------------------------------------------------------------


def test_cli_privacy_purge_dry_run_json(tmp_path: Path) -> None:
    """``taalmaatje privacy purge --dry-run --json`` as an operator runs it, on the real clock;
    then the real purge with its text summary."""
    database = tmp_path / "var" / "taalmaatje.db"
    engine = make_engine(f"sqlite:///{database}")
    migrate(engine)
    fill(engine, now=datetime.now(timezone.utc))
    before = table_counts(engine)
    env = {key: value for key, value in os.environ.items() if not key.startswith("TAALMAATJE_")}
    env.update(
        TAALMAATJE_VAR_DIR=str(tmp_path / "var"),
        TAALMAATJE_SECRET="test-secret",
        DATABASE_URL=f"sqlite:///{database}",
    )

    def taalmaatje(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(TAALMAATJE), "privacy", "purge", *args],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=PROJECT_ROOT,
            env=env,
        )

    started = time.time()
    result = taalmaatje("--dry-run", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {"dry_run", "cutoff", "deleted"}
    assert report["dry_run"] is True
    assert report["deleted"] == EXPECTED
    cutoff = datetime.fromisoformat(report["cutoff"]).timestamp()
    assert started - 30 * 86400 <= cutoff <= time.time() - 30 * 86400
    assert table_counts(engine) == before

    result = taalmaatje()
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Retention: 30 days, cutoff ")
    assert "Deleted:" in result.stdout and "quarantined updates (inbox): 1" in result.stdout
    assert table_counts(engine)["events"] == before["events"] - 13
    engine.dispose()
