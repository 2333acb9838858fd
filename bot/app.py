"""The composition root: builds every service once, wires them, and closes them on shutdown.

Nothing else in the package creates engines, models or network clients.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine, make_url

from bot.settings import Settings
from bot.store.db import make_engine, make_sessionmaker, migrate
from bot.store.repositories import Analytics, Users, VoiceClips

logger = logging.getLogger(__name__)

EMULATOR_TOKEN = "123456:emulator-token-for-local-use-only"


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
        )


def open_store(settings: Settings) -> Store:
    """The database, migrated to the newest schema, and the content read once."""
    from bot.choices import load_vocabulary
    from bot.content.bank import load_bank
    from bot.practice.service import Practice
    from bot.practice.texts import load_practice_texts
    from bot.store.appointments import Appointments
    from bot.store.practice import PracticeStore
    from bot.store.questions import OpenQuestions
    from bot.taalhuis.organisation import load_organisation
    from bot.tone.profiles import load_profiles

    engine = make_engine(settings.database_url)
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

    if not settings.redis_url:
        return InMemoryLockStore()
    url = make_url(settings.redis_url)
    return RedisLockStore(
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

    async def stop(self) -> None:
        with contextlib.suppress(Exception):
            if self.application.updater and self.application.updater.running:
                await self.application.updater.stop()
        with contextlib.suppress(Exception):
            if self.application.running:
                await self.application.stop()
        with contextlib.suppress(Exception):
            await self.application.shutdown()
        if self.emulator is not None:
            await self.emulator.stop()
        self.speech.close()
        self.store.close()


async def start_bot(
    settings: Settings,
    model: Path,
    *,
    with_emulator: bool | None = None,
    reminder_interval: float | None = None,
) -> Bot:
    """Open every service and start polling; the caller awaits ``Bot.stop``.

    ``reminder_interval`` (seconds) is how often due appointment reminders are sent; tests
    make it short.
    """
    from bot.dialogue import rasa_env

    rasa_env.prepare()
    from bot.content import load_channel_texts
    from bot.telegram.application import build_application, set_commands
    from bot.telegram.handlers import Channel
    from bot.telegram.reminders import DEFAULT_INTERVAL, ReminderJob, schedule_reminders
    from bot.telegram.replies import Replier

    with_emulator = settings.telegram_token is None if with_emulator is None else with_emulator
    store = await asyncio.to_thread(open_store, settings)
    speech = open_speech(settings, store)
    dialogue = await asyncio.to_thread(open_dialogue, settings, store, model)
    # The model's objects live as long as the process: keep the collector from rescanning them.
    gc.collect()
    gc.freeze()
    emulator = None
    base_url = settings.telegram_base_url
    token = settings.telegram_token.get() if settings.telegram_token else EMULATOR_TOKEN
    if with_emulator:
        from bot.emulator.server import start as start_emulator

        emulator = await start_emulator(settings.host, settings.port)
        base_url = f"{emulator.base_url}/bot"
    texts = load_channel_texts()
    replier = Replier(speech, texts, progress_pictures(store), calendar_files(store, texts))
    channel = Channel(dialogue, replier, store.users, store.profiles)
    application = build_application(
        token,
        channel,
        texts,
        base_url=base_url,
        overall_rate=settings.rate_limit_overall,
        group_rate_per_minute=settings.rate_limit_group_per_minute,
    )
    bot = Bot(store, speech, dialogue, application, emulator)
    try:
        await application.initialize()
        await set_commands(application, texts)
        await application.start()
        await application.updater.start_polling(
            allowed_updates=["message", "edited_message", "callback_query"],
            drop_pending_updates=False,
            timeout=30,
        )
        reminders = ReminderJob(
            store.appointments, store.users, store.profiles, replier, store.organisation
        )
        schedule_reminders(application, reminders, reminder_interval or DEFAULT_INTERVAL)
    except BaseException:
        await bot.stop()
        raise
    return bot


async def serve(settings: Settings, model: Path) -> None:
    """Run until SIGINT or SIGTERM."""
    bot = await start_bot(settings, model)
    if bot.emulator is not None:
        print(f"Taalmaatje is ready. Open the web chat: {bot.emulator.base_url}/", flush=True)
    else:
        print("Taalmaatje is ready and polling the Bot API.", flush=True)
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
    model = ensure_model(settings)
    asyncio.run(serve(settings, model))
    return 0
