"""Shared fixtures: the real trained model, and a real bot serving the local emulator.

The bot is started once per test session (loading Rasa takes seconds); tests keep apart by
using their own chat ids.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine

from bot.dialogue import rasa_env
from bot.settings import PROJECT_ROOT, Settings
from bot.store.db import make_engine, make_sessionmaker, migrate

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("no_proxy", "127.0.0.1,localhost")
# Before any test module imports Rasa: quiet, offline, fast model loads, asyncio's policy.
rasa_env.prepare()

_chat_ids = itertools.count(10_001)


@pytest.fixture
def chat_id() -> int:
    """A chat id no other test uses."""
    return next(_chat_ids)


def make_settings(base: Path, **overrides: object) -> Settings:
    env = {
        "TAALMAATJE_VAR_DIR": str(base / "var"),
        "TAALMAATJE_AUDIO_DIR": str(base / "audio"),
        "TAALMAATJE_TTS": "espeak",
        "TAALMAATJE_SECRET": "test-secret",
        "TAALMAATJE_PORT": "0",
        # No quiet hours: CI may run at night (Amsterdam time), when the bot sends nothing on
        # its own. The tests of quiet hours set them themselves.
        "TAALMAATJE_QUIET_HOURS": "00:00-00:00",
    }
    settings = Settings.from_env(env, root=PROJECT_ROOT)
    settings = replace(settings, database_url=f"sqlite:///{base / 'var' / 'test.db'}")
    return replace(settings, **overrides) if overrides else settings


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite database file of the test's own."""
    engine = make_engine(f"sqlite:///{tmp_path / 'taalmaatje.db'}")
    migrate(engine)
    yield engine
    engine.dispose()


def make_action_deps(engine: Engine, seed: int = 7) -> object:
    """The actions' dependencies over a test database: real store, real content bank."""
    import random

    from bot.actions import ActionDeps
    from bot.choices import load_vocabulary
    from bot.content.bank import load_bank
    from bot.practice.service import Practice
    from bot.practice.texts import load_practice_texts
    from bot.store.practice import PracticeStore
    from bot.store.repositories import Analytics, Users
    from bot.tone.profiles import load_profiles

    sessions = make_sessionmaker(engine)
    analytics = Analytics(sessions, "test-secret")
    practice = Practice(
        load_bank(), PracticeStore(sessions, analytics), load_practice_texts(), random.Random(seed)
    )
    from bot.store.appointments import Appointments
    from bot.taalhuis.labels import load_labels
    from bot.taalhuis.organisation import load_organisation

    return ActionDeps(
        Users(sessions),
        analytics,
        practice,
        load_profiles(),
        load_organisation(),
        load_labels(),
        Appointments(sessions),
        load_vocabulary(),
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The project's model, trained once if the training data changed."""
    from bot.app import ensure_model

    return ensure_model(make_settings(PROJECT_ROOT), progress=False)


@dataclass
class Harness:
    settings: Settings
    bot: object
    base_url: str


@pytest_asyncio.fixture(scope="session")
async def harness(
    tmp_path_factory: pytest.TempPathFactory, model_path: Path
) -> AsyncIterator[Harness]:
    """A real bot (python-telegram-bot over HTTP) serving a real emulator on loopback."""
    from bot.app import start_bot

    settings = make_settings(tmp_path_factory.mktemp("bot"))
    bot = await start_bot(settings, model_path, with_emulator=True)
    try:
        yield Harness(settings, bot, bot.emulator.base_url)
    finally:
        await bot.stop()


@pytest_asyncio.fixture
async def client(harness: Harness) -> AsyncIterator[object]:
    from bot.emulator.client import EmulatorClient

    async with EmulatorClient(harness.base_url) as emulator_client:
        yield emulator_client


@pytest.fixture(scope="session")
def domain_responses() -> Iterator[dict[str, str]]:
    """The first text of every domain response, to assert on exact learner texts."""
    import yaml

    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    yield {name: variations[0].get("text", "") for name, variations in domain["responses"].items()}
