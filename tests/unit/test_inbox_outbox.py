"""The inbox and outbox stores on a real migrated SQLite database: what an operator and a
crashed process rely on (no second processing, take-over after a lease, no text kept)."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.settings import Settings
from bot.store.db import make_sessionmaker
from bot.store.inbox import LEASE, Inbox, chat_of, kind_of
from bot.store.outbox import Outbox
from bot.telegram.outbox import in_quiet_hours

NOW = datetime(2026, 12, 3, 12, 0)


def message(update_id: int, chat: int, words: str = "hallo") -> dict:
    return {
        "update_id": update_id,
        "message": {"message_id": 1, "date": 0, "chat": {"id": chat, "type": "private"},
                    "text": words},
    }  # fmt: skip


@pytest.fixture
def inbox(engine: Engine) -> Inbox:
    return Inbox(make_sessionmaker(engine), "one")


def raw_texts(engine: Engine) -> list[str | None]:
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(text("SELECT raw FROM inbox"))]


def test_an_update_id_is_taken_once_even_long_after_it_is_done(
    inbox: Inbox, engine: Engine
) -> None:
    first = inbox.add([message(1, 5), message(2, 6)], NOW)
    assert [row.update_id for row in first] == [1, 2]
    inbox.done(1, NOW)
    again = inbox.add([message(1, 5), message(2, 6), message(3, 5)], NOW)
    assert [row.update_id for row in again] == [3]
    assert inbox.add([{"no": "update_id"}], NOW) == []


def test_a_done_row_keeps_no_text(inbox: Inbox, engine: Engine) -> None:
    inbox.add([message(7, 5, "mijn nummer is 0612345678")], NOW)
    assert any("0612345678" in (raw or "") for raw in raw_texts(engine))
    inbox.done(7, NOW)
    assert raw_texts(engine) == [None]


def test_another_process_takes_over_after_the_lease(inbox: Inbox, engine: Engine) -> None:
    inbox.add([message(10, 5), message(11, 5)], NOW)
    other = Inbox(make_sessionmaker(engine), "two")
    assert other.take_waiting(now=NOW) == [], "still leased to the first process"
    later = NOW + LEASE + timedelta(seconds=1)
    taken = other.take_waiting(now=later)
    assert [row.update_id for row in taken] == [10, 11]
    assert taken[0].raw["message"]["text"] == "hallo" and taken[0].attempts == 2
    assert inbox.take_waiting(now=later) == [], "now leased to the second"


def test_at_start_the_only_process_takes_every_waiting_row(inbox: Inbox, engine: Engine) -> None:
    inbox.add([message(20, 5)], NOW)
    restarted = Inbox(make_sessionmaker(engine), "after-restart")
    assert [row.update_id for row in restarted.take_waiting(steal=True, now=NOW)] == [20]


def test_failures_go_to_quarantine_after_the_last_attempt(inbox: Inbox) -> None:
    inbox.add([message(30, 5)], NOW)
    assert inbox.failed(30, "ValueError", max_attempts=2) is False
    assert inbox.take_waiting(now=NOW)[0].attempts == 2
    assert inbox.failed(30, "ValueError", max_attempts=2) is True
    [listed] = inbox.listing("quarantine")
    assert (listed.update_id, listed.status, listed.error) == (30, "quarantine", "ValueError")
    assert inbox.take_waiting(steal=True, now=NOW) == [], "set aside: not tried again"


def test_the_order_of_a_chat_is_known_across_processes(inbox: Inbox) -> None:
    inbox.add([message(40, 5), message(41, 6), message(42, 5)], NOW)
    assert inbox.earlier_waiting(5, 42) == [40]
    inbox.done(40, NOW)
    assert inbox.earlier_waiting(5, 42) == []
    assert inbox.counts() == {"waiting": 2, "done": 1}


def test_kind_and_chat_of_raw_updates() -> None:
    press = {"update_id": 1, "callback_query": {"id": "x", "from": {"id": 9},
                                                "message": {"chat": {"id": 8}}}}  # fmt: skip
    assert (kind_of(press), chat_of(press)) == ("callback_query", 8)
    assert (kind_of({"update_id": 2, "poll": {}}), chat_of({"update_id": 2, "poll": {}})) == (
        "poll",
        None,
    )
    assert kind_of({"update_id": 3, "brand_new_kind": {}}) == "unknown"
    assert chat_of({"update_id": 4, "message": "not an object"}) is None


# --- outbox ------------------------------------------------------------------------------


@pytest.fixture
def outbox(engine: Engine) -> Outbox:
    return Outbox(make_sessionmaker(engine), "one")


def test_a_message_is_queued_once_and_claimed_by_one_worker(outbox: Outbox, engine: Engine) -> None:
    deadline = NOW + timedelta(hours=5)
    assert outbox.enqueue("reminder", 1, 5, deadline, NOW) is True
    assert outbox.enqueue("reminder", 1, 5, deadline, NOW) is False
    other = Outbox(make_sessionmaker(engine), "two")
    [claimed] = outbox.claim(NOW)
    assert other.claim(NOW) == []
    outbox.part_sent(claimed.id)
    assert other.claim(NOW + timedelta(minutes=2))[0].parts_sent == 1, "goes on where it stopped"


def test_a_transient_failure_waits_and_a_late_one_fails(outbox: Outbox) -> None:
    outbox.enqueue("reminder", 2, 5, NOW + timedelta(minutes=10), NOW)
    [claimed] = outbox.claim(NOW)
    assert outbox.later(claimed.id, "NetworkError", NOW + timedelta(minutes=1), claimed.deadline)
    assert outbox.claim(NOW) == []
    [again] = outbox.claim(NOW + timedelta(minutes=1))
    assert not outbox.later(again.id, "TimedOut", NOW + timedelta(hours=1), again.deadline)
    assert outbox.counts() == {"failed": 1}


@pytest.mark.parametrize(
    ("hour", "minute", "quiet"),
    [(20, 59, False), (21, 0, True), (23, 30, True), (0, 0, True), (7, 59, True), (8, 0, False)],
)
def test_quiet_hours_cross_midnight_in_amsterdam(hour: int, minute: int, quiet: bool) -> None:
    amsterdam = ZoneInfo("Europe/Amsterdam")
    moment = datetime(2026, 12, 3, hour, minute, tzinfo=amsterdam).astimezone(timezone.utc)
    assert in_quiet_hours(moment, (time(21), time(8)), amsterdam) is quiet


def test_quiet_hours_and_webhook_settings() -> None:
    env = {"TAALMAATJE_SECRET": "x", "TAALMAATJE_QUIET_HOURS": "22:30-07:00"}
    assert Settings.from_env(env).quiet_hours == (time(22, 30), time(7))
    with pytest.raises(ValueError, match="QUIET_HOURS"):
        Settings.from_env({**env, "TAALMAATJE_QUIET_HOURS": "late"})
    with pytest.raises(ValueError, match="WEBHOOK_SECRET"):
        Settings.from_env({**env, "TELEGRAM_WEBHOOK_URL": "https://example.org/hook"})
    hooked = Settings.from_env(
        {**env, "TELEGRAM_WEBHOOK_URL": "https://x/h", "TELEGRAM_WEBHOOK_SECRET": "s"}
    )
    assert hooked.webhook and "s" not in repr(hooked.webhook_secret)


def test_a_row_the_database_refuses_is_set_aside_and_its_batch_goes_on(
    inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import DataError

    import bot.store.inbox as module

    dumped = module._dumped

    def refusing(raw: dict) -> str:
        if raw["update_id"] == 51:
            raise DataError("INSERT", {}, ValueError("value too long"))
        return dumped(raw)

    monkeypatch.setattr(module, "_dumped", refusing)
    added = inbox.add_safely([message(50, 5), message(51, 5), message(52, 6)])
    assert [row.update_id for row in added] == [50, 52]
    [listed] = inbox.listing("quarantine")
    assert (listed.update_id, listed.error) == (51, "ValueError")
    assert inbox.add_safely([message(51, 5)]) == [], "and it is not taken again"
