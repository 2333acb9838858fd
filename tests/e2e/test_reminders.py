"""Appointment reminders go out once: not twice with two workers, not again after a restart,
and a reminder that fell due while the bot was down is sent when it is back."""

from __future__ import annotations

import asyncio
import time as clock
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from telegram.error import Forbidden, NetworkError

from bot.content import load_channel_texts
from bot.emulator.client import EmulatorClient, text_of
from bot.settings import Settings
from bot.store.appointments import Appointments, Booking
from bot.store.db import make_engine, make_sessionmaker, migrate
from bot.store.outbox import Outbox
from bot.taalhuis.organisation import TIMEZONE, load_organisation
from bot.telegram.outbox import OutboxSender
from bot.telegram.reminders import ReminderJob
from bot.telegram.replies import Replier
from tests.conftest import make_settings

pytestmark = pytest.mark.asyncio

INTERVAL = 2.0  # seconds between reminder runs in these tests (60 in production)
LEARNER, OTHER = 7301, 7302


def tomorrow_at(hour: int) -> datetime:
    today = datetime.now(TIMEZONE).date()
    return datetime.combine(today + timedelta(days=1), time(hour), tzinfo=TIMEZONE)


def book(settings: Settings, telegram_id: int, starts_at: datetime, remind_at: datetime) -> None:
    """Book through the store, as the booking action would, on the bot's database."""
    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
        result = Appointments(make_sessionmaker(engine)).book(
            telegram_id, "tiel", starts_at, "intake", 4, remind=True, remind_at=remind_at
        )
        assert isinstance(result, Booking) and result.reminder_due_at is not None
    finally:
        engine.dispose()


def expected_text(starts_at: datetime) -> str:
    texts = load_channel_texts().texts
    tiel = load_organisation().locations["tiel"]
    return (
        texts["reminder_day_before"].format(tijd=f"{starts_at:%H:%M}")
        + "\n"
        + texts["reminder_place"].format(naam=tiel.name, adres=tiel.address, plaats=tiel.town)
    )


async def reminders_in(client: EmulatorClient, chat_id: int) -> list[str]:
    await client.sync(chat_id)
    return [text_of(m) for m in client.view(chat_id).bot_messages() if "afspraak" in text_of(m)]


async def wait_for_reminder(client: EmulatorClient, chat_id: int, timeout: float = 30) -> None:
    deadline = clock.monotonic() + timeout
    while not await reminders_in(client, chat_id):
        assert clock.monotonic() < deadline, f"chat {chat_id}: no reminder"
        await client.sync(chat_id, wait=1.0)


async def test_a_reminder_is_sent_once_and_not_again_after_a_restart(
    tmp_path: Path, model_path: Path
) -> None:
    from bot.app import start_bot

    settings = make_settings(tmp_path)  # one database for both runs
    first = tomorrow_at(10)
    book(settings, LEARNER, first, remind_at=datetime.now(timezone.utc) - timedelta(minutes=5))

    bot = await start_bot(settings, model_path, with_emulator=True, reminder_interval=INTERVAL)
    try:
        async with EmulatorClient(bot.emulator.base_url) as client:
            # The bot cannot open a chat on Telegram: the learner has written before.
            await client.post(f"/api/chats/{LEARNER}/sticker", {})
            await wait_for_reminder(client, LEARNER)
            await asyncio.sleep(3 * INTERVAL)  # several more runs: no second reminder
            assert await reminders_in(client, LEARNER) == [expected_text(first)]
            [spoken] = [m for m in client.view(LEARNER).bot_messages() if "afspraak" in text_of(m)]
            assert spoken["voice"], "spoken, as the learner's settings say (sound on)"
    finally:
        await bot.stop()

    # While the bot is down, another learner's reminder falls due.
    second = tomorrow_at(14)
    book(settings, OTHER, second, remind_at=datetime.now(timezone.utc) + timedelta(seconds=1))
    await asyncio.sleep(1.5)

    bot = await start_bot(settings, model_path, with_emulator=True, reminder_interval=INTERVAL)
    try:
        async with EmulatorClient(bot.emulator.base_url) as client:
            for chat_id in (LEARNER, OTHER):
                await client.post(f"/api/chats/{chat_id}/sticker", {})
            await wait_for_reminder(client, OTHER)
            await asyncio.sleep(3 * INTERVAL)
            assert await reminders_in(client, OTHER) == [expected_text(second)]
            assert await reminders_in(client, LEARNER) == [], "sent again after the restart"
    finally:
        await bot.stop()


# --- the job on its own: two workers, failing sends, quiet hours, the wording -------------


class FakeBot:
    """Records what would be sent; ``fail_for`` chats raise like a blocked bot would, and
    ``flaky`` makes the first that many sends fail like a network error."""

    def __init__(self, fail_for: frozenset[int] = frozenset(), flaky: int = 0) -> None:
        self.sent: list[tuple[int, str]] = []
        self.fail_for = fail_for
        self.flaky = flaky

    async def send_message(self, chat_id: int, text: str, **kw: Any) -> None:
        await asyncio.sleep(0.01)  # let the other worker interleave
        if chat_id in self.fail_for:
            raise Forbidden("Forbidden: bot was blocked by the user")
        if self.flaky:
            self.flaky -= 1
            raise NetworkError("Bad Gateway")
        self.sent.append((chat_id, text))


@pytest.fixture
def appointments(engine: Any) -> Appointments:
    return Appointments(make_sessionmaker(engine))


@pytest.fixture
def outbox(engine: Any) -> Outbox:
    return Outbox(make_sessionmaker(engine), "test-worker")


NO_QUIET = (time(0), time(0))


def make_job(appointments: Any, outbox: Outbox, quiet: tuple[time, time] = NO_QUIET) -> ReminderJob:
    class NoUsers:
        def get(self, telegram_id: int) -> None:
            return None

    replier = Replier(None, load_channel_texts())  # no speech: plain text messages
    sender = OutboxSender(outbox, replier, quiet, TIMEZONE)
    return ReminderJob(appointments, NoUsers(), None, replier, load_organisation(), sender)


def book_due(appointments: Appointments, *chats: int, hour: int = 10) -> None:
    past = datetime.now(timezone.utc) - timedelta(minutes=1)
    for telegram_id in chats:
        appointments.book(
            telegram_id, "tiel", tomorrow_at(hour), "oefenen", 4, remind=True, remind_at=past
        )
        hour += 1


async def test_two_workers_send_each_reminder_once(appointments: Appointments, engine: Any) -> None:
    book_due(appointments, 1, 2, 3)
    bot = FakeBot()
    jobs = [make_job(appointments, Outbox(make_sessionmaker(engine), name)) for name in "ab"]
    counts = await asyncio.gather(*(job.run(bot) for job in jobs))
    assert sum(counts) == 3
    assert sorted(chat for chat, _ in bot.sent) == [1, 2, 3]
    assert await jobs[0].run(bot) == 0


async def test_a_blocked_learner_is_marked_failed_and_the_others_still_go(
    appointments: Appointments, outbox: Outbox, caplog: pytest.LogCaptureFixture
) -> None:
    book_due(appointments, 11, 12)
    bot = FakeBot(fail_for=frozenset({11}))
    job = make_job(appointments, outbox)
    assert await job.run(bot) == 1
    assert [chat for chat, _ in bot.sent] == [12]
    logged = caplog.text
    assert "Forbidden" in logged and "blocked" not in logged and "afspraak" not in logged
    assert await job.run(bot) == 0  # a permanent failure is not tried again
    assert outbox.counts() == {"sent": 1, "failed": 1}


async def test_a_network_failure_is_tried_again_until_it_is_sent_once(
    appointments: Appointments, outbox: Outbox
) -> None:
    book_due(appointments, 21)
    bot = FakeBot(flaky=2)
    job = make_job(appointments, outbox)
    now = datetime.now(timezone.utc)
    assert await job.run(bot, now) == 0  # a 502: tried again later, not dropped
    assert await job.run(bot, now) == 0, "not before its back-off"
    assert await job.run(bot, now + timedelta(seconds=6)) == 0  # second failure
    assert await job.run(bot, now + timedelta(seconds=20)) == 1
    assert await job.run(bot, now + timedelta(minutes=30)) == 0
    assert [chat for chat, _ in bot.sent] == [21]


async def test_nothing_goes_out_in_quiet_hours_and_it_waits_for_the_morning(
    appointments: Appointments, outbox: Outbox
) -> None:
    book_due(appointments, 31)
    bot = FakeBot()
    job = make_job(appointments, outbox, quiet=(time(21), time(8)))
    tomorrow = datetime.now(TIMEZONE).date() + timedelta(days=1)
    for night in (time(0, 30), time(7, 59)):
        assert await job.run(bot, datetime.combine(tomorrow, night, tzinfo=TIMEZONE)) == 0
    assert bot.sent == [] and outbox.counts() == {"pending": 1}
    morning = datetime.combine(tomorrow, time(8, 0), tzinfo=TIMEZONE)
    assert await job.run(bot, morning) == 1 and len(bot.sent) == 1


async def test_a_crash_between_sending_and_marking_sends_again_never_loses(
    appointments: Appointments, engine: Any
) -> None:
    """The first worker sends and dies before it marks the row: after the lease, the
    second sends it again (one duplicate at worst)."""
    book_due(appointments, 41)
    first = Outbox(make_sessionmaker(engine), "first")
    now = datetime.now(timezone.utc)
    for reminder in appointments.due_reminders(now):
        first.enqueue("reminder", reminder.id, reminder.telegram_id, tomorrow_at(23), now)
    [claimed] = first.claim(now.replace(tzinfo=None))
    bot = FakeBot()
    await bot.send_message(claimed.chat_id, "the reminder")  # ... and the process is killed
    second = make_job(appointments, Outbox(make_sessionmaker(engine), "second"))
    assert await second.run(bot, now) == 0, "leased to the dead worker"
    assert await second.run(bot, now + timedelta(seconds=61)) == 1
    assert [chat for chat, _ in bot.sent] == [41, 41]


async def test_a_cancelled_appointment_gets_no_reminder(
    appointments: Appointments, outbox: Outbox
) -> None:
    book_due(appointments, 51)
    now = datetime.now(timezone.utc)
    for reminder in appointments.due_reminders(now):
        outbox.enqueue("reminder", reminder.id, reminder.telegram_id, tomorrow_at(23), now)
    appointments.erase(51)
    bot = FakeBot()
    assert await make_job(appointments, outbox).run(bot) == 0
    assert bot.sent == []


async def test_a_broken_store_does_not_crash_the_job(
    outbox: Outbox, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken:
        def due_reminders(self, now: datetime) -> list[Any]:
            raise OSError("disk gone: secret details")

    assert await make_job(Broken(), outbox).run(FakeBot()) == 0
    assert "OSError" in caplog.text and "secret" not in caplog.text


def test_the_wording_says_today_tomorrow_or_the_day_in_local_time(
    appointments: Appointments, outbox: Outbox
) -> None:
    job = make_job(appointments, outbox)
    start = datetime(2030, 3, 4, 9, 0)  # naive UTC: 10:00 in Amsterdam (winter)
    texts = load_channel_texts().texts
    on = {day: datetime.combine(date(2030, 3, day), time(8), tzinfo=TIMEZONE) for day in (1, 3, 4)}
    assert job.message("tiel", start, on[4]).splitlines()[0] == texts["reminder_today"].format(
        tijd="10:00"
    )
    assert job.message("tiel", start, on[3]).splitlines()[0].startswith("Morgen om 10:00 uur")
    later = job.message("tiel", start, on[1])
    assert later.splitlines()[0] == texts["reminder_later"].format(dag="maandag 4-3", tijd="10:00")
    assert later.splitlines()[1] == "Dat is bij Taalhuis Tiel, Stationsstraat 12 in Tiel."
    assert job.message("weg", start, on[3]).count("\n") == 0  # an unknown place: when only


def test_the_reminder_texts_pass_the_reading_gate() -> None:
    from bot.tone import check

    texts = load_channel_texts().texts
    keys = ["reminder_day_before", "reminder_today", "reminder_later", "reminder_place"]
    for key in keys:
        assert check(texts[key], "A2").ok, key
    filled = expected_text(tomorrow_at(10))
    assert check(filled, "A2").ok, filled
