"""The composition root: builds every service once, wires them, and closes them on shutdown.

Nothing else in the package creates engines, models or network clients.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from bot.settings import Settings
from bot.store.db import make_engine, make_sessionmaker, migrate
from bot.store.repositories import Analytics, Users, VoiceClips

logger = logging.getLogger(__name__)

EMULATOR_TOKEN = "123456:emulator-token-for-local-use-only"
# This process, as the owner of the inbox and outbox rows it holds under a lease.
PROCESS = f"{socket.gethostname()[:20]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
# Any fixed number: the PostgreSQL advisory lock under which one starting process at a time
# brings the schema up to date (two starting at once would both create the same tables).
SCHEMA_LOCK = 7_416_203


@contextlib.contextmanager
def _schema_lock(engine: Engine) -> Iterator[None]:
    """On PostgreSQL, one process at a time migrates and creates Rasa's tables."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.begin() as guard:  # released when this transaction ends
        guard.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
        yield


@dataclass
class Store:
    engine: Engine
    users: Users
    analytics: Analytics
    clips: VoiceClips
    practice: Any
    profiles: Any
    appointments: Any
    organisation: Any
    questions: Any
    vocabulary: Any
    inbox: Any
    outbox: Any
    buddies: Any
    coordinators: Any

    def close(self) -> None:
        self.engine.dispose()

    def action_deps(self) -> Any:
        from bot.actions import ActionDeps
        from bot.taalhuis.labels import load_labels

        return ActionDeps(
            self.users,
            self.analytics,
            self.practice,
            self.profiles,
            self.organisation,
            load_labels(),
            self.appointments,
            self.vocabulary,
            buddies=self.buddies,
        )


def open_store(settings: Settings) -> Store:
    """The database, migrated to the newest schema, and the content read once."""
    from bot.choices import load_vocabulary
    from bot.content.bank import load_bank
    from bot.practice.service import Practice
    from bot.practice.texts import load_practice_texts
    from bot.store.appointments import Appointments
    from bot.store.buddies import Buddies
    from bot.store.coordinators import Coordinators, login_key
    from bot.store.inbox import Inbox
    from bot.store.outbox import Outbox
    from bot.store.practice import PracticeStore
    from bot.store.questions import OpenQuestions
    from bot.taalhuis.organisation import load_organisation
    from bot.tone.profiles import load_profiles

    engine = make_engine(settings.database_url)
    with _schema_lock(engine):
        migrate(engine)
    sessions = make_sessionmaker(engine)
    analytics = Analytics(sessions, settings.secret_key.get())
    practice = Practice(load_bank(), PracticeStore(sessions, analytics), load_practice_texts())
    return Store(
        engine=engine,
        users=Users(sessions),
        analytics=analytics,
        clips=VoiceClips(sessions),
        practice=practice,
        profiles=load_profiles(),
        appointments=Appointments(sessions),
        organisation=load_organisation(),
        questions=OpenQuestions(sessions),
        vocabulary=load_vocabulary(),
        inbox=Inbox(sessions, PROCESS),
        outbox=Outbox(sessions, PROCESS),
        buddies=Buddies(sessions),
        coordinators=Coordinators(sessions, login_key(settings.secret_key.get())),
    )


def open_speech(settings: Settings, store: Store) -> Any:
    from bot.speech import SpeechService

    return SpeechService(settings.audio_dir, settings.tts_mode, store.clips)


def ensure_model(settings: Settings, progress: bool = True) -> Path:
    from bot.dialogue.training import train

    path, _ = train(
        settings.root, settings.models_dir, config=settings.config_path, progress=progress
    )
    return path


def _lock_store(settings: Settings) -> Any:
    from rasa.core.lock_store import InMemoryLockStore, RedisLockStore

    from bot.store.inbox import LEASE

    if not settings.redis_url:
        return InMemoryLockStore()

    class LeasedRedisLockStore(RedisLockStore):
        """Tickets live as long as an inbox lease, not Rasa's 60 s: a turn cut off by a
        process that died holds up its chat no longer than the takeover of its update."""

        def issue_ticket(self, conversation_id: str, lock_lifetime: float = 60) -> int:
            lifetime = min(lock_lifetime, LEASE.total_seconds())
            return super().issue_ticket(conversation_id, lifetime)

    url = make_url(settings.redis_url)
    return LeasedRedisLockStore(
        host=url.host or "localhost",
        port=url.port or 6379,
        db=int(url.database or 1),
        password=url.password,
        key_prefix="taalmaatje",
    )


def _action_endpoint(settings: Settings, store: Store) -> Any:
    if settings.action_endpoint_url:
        from rasa.utils.endpoints import EndpointConfig

        return EndpointConfig(url=settings.action_endpoint_url)
    from bot.actions import build_executor
    from bot.dialogue.inprocess import InProcessActionEndpoint

    return InProcessActionEndpoint(build_executor(store.action_deps()))


def open_dialogue(settings: Settings, store: Store, model: Path) -> Any:
    """Load the Rasa agent with the project's tracker store, lock store and actions."""
    from bot.dialogue import rasa_env

    rasa_env.prepare()
    from rasa.core.agent import Agent

    from bot.content import load_channel_texts
    from bot.dialogue.service import Dialogue
    from bot.dialogue.tracker_store import WindowedSQLTrackerStore
    from bot.telegram.replies import keyboard_choices

    with _schema_lock(store.engine):  # its tables are made on first use
        tracker_store = WindowedSQLTrackerStore(store.engine, store.analytics)
    agent = Agent.load(
        str(model),
        tracker_store=tracker_store,
        lock_store=_lock_store(settings),
        action_endpoint=_action_endpoint(settings, store),
    )
    tracker_store.domain = agent.domain
    return Dialogue(
        agent,
        tracker_store,
        store.users,
        store.analytics,
        store.practice,
        store.appointments,
        store.questions,
        store.vocabulary,
        keyboard_choices(load_channel_texts()),
    )


def progress_pictures(store: Store) -> Any:
    """The channel's picture maker: a learner's progress as a PNG, drawn off the event loop."""
    from bot.practice.picture import ProgressRow, render_progress

    texts = store.practice.texts.picture

    def draw(user_id: int) -> bytes:
        prefs = store.users.get(user_id)
        profile = store.profiles.get(prefs.profile if prefs and prefs.intake_done else None)
        progress = store.practice.progress(user_id, profile)
        rows = [ProgressRow(theme.name, stars, level) for theme, stars, level in progress.rows]
        return render_progress(rows, texts["title"], texts["level"])

    async def picture(user_id: int) -> bytes:
        return await asyncio.to_thread(draw, user_id)

    return picture


def calendar_files(store: Store, texts: Any) -> Any:
    """The channel's calendar maker: a learner's own appointment as an .ics file."""
    from datetime import timezone

    from bot.taalhuis.booking import SLOT_MINUTES
    from bot.taalhuis.ics import calendar_file

    def make(user_id: int, appointment_id: int) -> tuple[bytes, str] | None:
        info = store.appointments.booked(user_id, appointment_id)
        location = store.organisation.locations.get(info.location_id) if info else None
        if info is None or location is None:
            return None
        data = calendar_file(
            uid=f"afspraak-{info.id}@taalmaatje",
            starts_at=info.starts_at.replace(tzinfo=timezone.utc),
            minutes=SLOT_MINUTES,
            summary=texts.texts["calendar_summary"].format(plaats=location.town),
            location_text=f"{location.name}, {location.address}, {location.town}",
            description=texts.texts["calendar_description"].format(nummer=info.ref),
        )
        return data, f"afspraak-{info.ref}.ics"

    async def calendar(user_id: int, appointment_id: int) -> tuple[bytes, str] | None:
        return await asyncio.to_thread(make, user_id, appointment_id)

    return calendar


@dataclass
class Bot:
    """Everything a running bot holds, for one orderly shutdown."""

    store: Store
    speech: Any
    dialogue: Any
    application: Any
    emulator: Any = None
    delivery: Any = None
    poller: Any = None
    web: Any = None  # the aiohttp runner of the bot's web server
    base_url: str | None = None  # where the web server is reached
    pump: Any = None  # the outbox pump's task
    buddy: Any = None  # the buddies' side of the channel (tests set its clock)

    async def stop(self) -> None:
        if self.pump is not None:
            self.pump.cancel()
            with contextlib.suppress(BaseException):
                await self.pump
        with contextlib.suppress(Exception):
            if self.application.updater and self.application.updater.running:
                await self.application.updater.stop()
        if self.poller is not None:
            with contextlib.suppress(Exception):
                await self.poller.stop()
        if self.delivery is not None:
            with contextlib.suppress(Exception):
                await self.delivery.stop()
        with contextlib.suppress(Exception):
            if self.application.running:
                await self.application.stop()
        with contextlib.suppress(Exception):
            await self.application.shutdown()
        if self.web is not None:
            with contextlib.suppress(Exception):
                await self.web.cleanup()
        self.speech.close()
        self.store.close()


async def start_bot(
    settings: Settings,
    model: Path,
    *,
    with_emulator: bool | None = None,
    reminder_interval: float | None = None,
) -> Bot:
    """Open every service and start receiving (polling, or the webhook); the caller awaits
    ``Bot.stop``.

    ``reminder_interval`` (seconds) is how often due appointment reminders are sent; tests
    make it short.
    """
    from bot.dialogue import rasa_env

    rasa_env.prepare()
    from bot.buddy.texts import load_buddy_texts
    from bot.content import load_channel_texts
    from bot.store.retention import Retention
    from bot.taalhuis.organisation import TIMEZONE
    from bot.telegram.application import build_application, set_commands
    from bot.telegram.buddy import BuddyChannel, Limits
    from bot.telegram.coordinator_invitation import CoordinatorInvitations
    from bot.telegram.delivery import Delivery
    from bot.telegram.handlers import Channel
    from bot.telegram.housekeeping import schedule_retention, schedule_rollup
    from bot.telegram.outbox import OutboxSender
    from bot.telegram.polling import Leader, Poller
    from bot.telegram.reminders import DEFAULT_INTERVAL, ReminderJob, schedule_reminders
    from bot.telegram.replies import Replier

    with_emulator = settings.telegram_token is None if with_emulator is None else with_emulator
    store = await asyncio.to_thread(open_store, settings)
    speech = open_speech(settings, store)
    dialogue = await asyncio.to_thread(open_dialogue, settings, store, model)
    # The model's objects live as long as the process: keep the collector from rescanning them.
    gc.collect()
    gc.freeze()
    holder: dict[str, Any] = {"speech": speech}
    web_runner, web_url, emulator = await _start_web(settings, with_emulator, holder, store)
    base_url = f"{web_url}/bot" if emulator is not None else settings.telegram_base_url
    token = settings.telegram_token.get() if settings.telegram_token else EMULATOR_TOKEN
    texts = load_channel_texts()
    replier = Replier(speech, texts, progress_pictures(store), calendar_files(store, texts))
    sender = OutboxSender(store.outbox, replier, settings.quiet_hours, TIMEZONE)
    usernames: dict[str, str] = {}
    buddy = BuddyChannel(
        store.buddies, store.users, store.profiles, store.questions, store.vocabulary, replier,
        load_buddy_texts(), sender, practice=store.practice, analytics=store.analytics,
        username=lambda: settings.bot_username or usernames.get("bot", "taalmaatje_bot"),
        parse=dialogue.parse,
        limits=Limits(settings.buddy_prompts_a_day, settings.buddy_learners),
        quiet_hours=settings.quiet_hours, tz=TIMEZONE,
    )  # fmt: skip
    dialogue.on_erase = buddy.erased
    towns = {key: place.town for key, place in store.organisation.locations.items()}
    buddy.on_coordinator = CoordinatorInvitations(store.coordinators, towns).opened
    channel = Channel(dialogue, replier, store.users, store.profiles, buddy)
    channel.dashboard_link = _dashboard_links(store, settings.public_url or web_url)
    if settings.telegram_token and (settings.public_url or "").startswith("https://"):
        from bot.dashboard.app import PREFIX

        channel.dashboard_login_url = f"{settings.public_url.rstrip('/')}{PREFIX}telegram"
    application = build_application(
        token,
        channel,
        texts,
        base_url=base_url,
        overall_rate=settings.rate_limit_overall,
        group_rate_per_minute=settings.rate_limit_group_per_minute,
        updater=settings.delivery == "updater",
    )
    shared = (
        bool(settings.redis_url) or make_url(settings.database_url).get_backend_name() != "sqlite"
    )
    delivery = Delivery(
        application,
        store.inbox,
        channel.failure_of,
        channel.tell_failure,
        shared=shared,
        turns_at_once=settings.turns_at_once,
    )
    bot = Bot(store, speech, dialogue, application, emulator, delivery, web=web_runner,
              base_url=web_url, buddy=buddy)  # fmt: skip
    try:
        await application.initialize()
        usernames["bot"] = application.bot.username or "taalmaatje_bot"
        holder["bot_username"] = usernames["bot"]
        await set_commands(application, texts)
        await application.start()
        holder["delivery"] = delivery
        if settings.delivery == "updater":  # the benchmark's "before": nothing is kept
            bot.delivery = None
            await application.updater.start_polling(
                allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False, timeout=30
            )
        elif settings.webhook:
            await _set_webhook(application, settings, web_url, emulator is not None)
            await delivery.start(steal=not shared)
        else:
            await application.bot.delete_webhook(drop_pending_updates=False)
            leader = Leader(settings.redis_url, PROCESS) if settings.redis_url else None
            if leader is None:
                await delivery.start(steal=True)
            bot.poller = Poller(application.bot, delivery, ALLOWED_UPDATES, leader=leader)
            bot.poller.start()
        bot.pump = asyncio.create_task(sender.pump(application.bot), name="outbox-pump")
        reminders = ReminderJob(
            store.appointments, store.users, store.profiles, replier, store.organisation, sender
        )
        schedule_reminders(application, reminders, reminder_interval or DEFAULT_INTERVAL)
        schedule_retention(application, Retention(store.engine, settings.retention_days))
        schedule_rollup(application, store.analytics.stats)
    except BaseException:
        await bot.stop()
        raise
    return bot


def _dashboard_links(store: Store, base_url: str | None) -> Any:
    """/dashboard in the bot: a coordinator's login link; None for anyone else."""
    from bot.dashboard.app import PREFIX

    def link(telegram_id: int) -> str | None:
        if base_url is None or store.coordinators.get(telegram_id) is None:
            return None
        token = store.coordinators.new_link_token(telegram_id)
        return f"{base_url.rstrip('/')}{PREFIX}inloggen?code={token}"

    return link


def _dashboard_deps(settings: Settings, store: Store, speech: Any = None) -> Any:
    """What the dashboard's pages read and change, from the one store."""
    from bot.content import load_dashboard_texts
    from bot.dashboard.app import DashboardDeps
    from bot.store.db import make_sessionmaker

    places = {key: place.town for key, place in store.organisation.locations.items()}
    return DashboardDeps(
        store.coordinators, make_sessionmaker(store.engine), places, load_dashboard_texts(),
        secure=(settings.public_url or "").startswith("https://"),
        bot_token=settings.telegram_token.get() if settings.telegram_token else None,
        stats=store.analytics.stats, buddies=store.buddies, appointments=store.appointments,
        organisation=store.organisation, extra=_voice_page(settings, store, speech),
    )  # fmt: skip


def _voice_page(settings: Settings, store: Store, speech: Any) -> dict[str, Any]:
    """The voice page's dependencies; the speech service uses the own recordings."""
    if speech is None:
        return {}
    from bot.dashboard.pages.stem import VoiceDeps
    from bot.store.db import make_sessionmaker
    from bot.store.voices import VoiceOverrides

    voices = VoiceOverrides(make_sessionmaker(store.engine))
    speech.use_own_voices(voices.all())
    speech.on_own_file_id = voices.set_file_id
    return {"voice": VoiceDeps(speech, voices, settings.audio_dir, settings.root)}


async def _start_web(
    settings: Settings, with_emulator: bool, holder: dict[str, Any], store: Store
) -> tuple[Any, str | None, Any]:
    """The bot's web server: the dashboard always, the emulator (without a token) and the
    webhook endpoint (webhook mode). Returns its runner, its base URL and the emulator (or
    None). Without the emulator or a webhook, a port in use costs only the dashboard."""
    from aiohttp import web

    from bot.dashboard.app import PREFIX, add_dashboard
    from bot.telegram.webhook import add_webhook, webhook_path
    from bot.web import start_site

    if with_emulator:
        from bot.emulator.botapi import EMULATOR_KEY
        from bot.emulator.server import create_app

        app = create_app()
    else:
        app = web.Application()
    if settings.webhook and settings.webhook_url and settings.webhook_secret:
        path = webhook_path(settings.webhook_url)
        add_webhook(app, path, settings.webhook_secret.get(), lambda: holder.get("delivery"))
    deps = _dashboard_deps(settings, store, holder.get("speech"))
    deps.extra["invitations"] = lambda: (  # the bot's username for invitation links
        settings.bot_username or holder.get("bot_username") or "taalmaatje_bot"
    )
    add_dashboard(app, deps, settings.secret_key.get())
    try:
        runner, base_url = await start_site(app, settings.host, settings.port)
    except OSError as error:
        if with_emulator or settings.webhook:
            raise
        logger.warning(
            "Dashboard not served: %s:%s is not free (%s)",
            settings.host, settings.port, type(error).__name__,
        )  # fmt: skip
        return None, None, None
    if not with_emulator:
        logger.info("Web server on %s (dashboard at %s%s)", base_url, base_url, PREFIX)
        return runner, base_url, None
    from bot.emulator.server import Running

    logger.info("Telegram emulator and web chat on %s", base_url)
    return runner, base_url, Running(base_url, app[EMULATOR_KEY], runner)


async def _set_webhook(
    application: Any, settings: Settings, web_url: str | None, local: bool
) -> None:
    """setWebhook with the secret; against the emulator, at this server's own address."""
    from bot.telegram.webhook import webhook_path

    assert settings.webhook_url and settings.webhook_secret
    url = settings.webhook_url
    if local and web_url:
        url = web_url + webhook_path(url)
    await application.bot.set_webhook(
        url,
        secret_token=settings.webhook_secret.get(),
        allowed_updates=ALLOWED_UPDATES,
        drop_pending_updates=False,
    )
    logger.info("Webhook mode: Telegram delivers to %s", webhook_path(url))


async def serve(settings: Settings, model: Path) -> None:
    """Run until SIGINT or SIGTERM."""
    bot = await start_bot(settings, model)
    if bot.emulator is not None:
        print(f"Taalmaatje is ready. Open the web chat: {bot.emulator.base_url}/", flush=True)
    else:
        how = "taking updates by webhook" if settings.webhook else "polling the Bot API"
        print(f"Taalmaatje is ready and {how}.", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await bot.stop()


def run(settings: Settings) -> int:
    """``taalmaatje run``: train if the data changed, then serve."""
    from bot import logging_setup

    secrets = [settings.telegram_token.get()] if settings.telegram_token else []
    logging_setup.configure(secrets=secrets)
    # Importing Rasa drops the root logger to WARNING; the bot's own INFO lines (which process
    # polls, which stands by, what was taken over) must still reach the operator.
    logging.getLogger("bot").setLevel(logging.INFO)
    model = ensure_model(settings)
    asyncio.run(serve(settings, model))
    return 0
