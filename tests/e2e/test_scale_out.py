"""The scale-out configuration, for real: PostgreSQL for everything stored, Redis for Rasa's
conversation locks. Skipped only where no PostgreSQL or Redis runs on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import replace

import pytest
import pytest_asyncio
import sqlalchemy as sa

from bot.emulator.client import EmulatorClient, ends_turn, text_of
from tests.conftest import make_settings

pytestmark = pytest.mark.asyncio

PG_URL = os.environ.get("TAALMAATJE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TAALMAATJE_TEST_REDIS", "redis://127.0.0.1:6379/3")


def reachable(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest_asyncio.fixture(scope="module")
async def scaled_bot(tmp_path_factory, model_path):
    if not (reachable(5432) and reachable(6379)):
        pytest.skip("PostgreSQL or Redis is not running on 127.0.0.1")
    from bot.app import start_bot

    schema = f"tm_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL, future=True)
    with admin.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    settings = replace(
        make_settings(tmp_path_factory.mktemp("scaled")), database_url=url, redis_url=REDIS_URL
    )
    bot = await start_bot(settings, model_path, with_emulator=True)
    try:
        yield bot
    finally:
        await bot.stop()
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


async def test_a_conversation_on_postgresql_with_redis_locks(scaled_bot, domain_responses):
    from rasa.core.lock_store import RedisLockStore

    assert scaled_bot.store.engine.dialect.name == "postgresql"
    assert isinstance(scaled_bot.dialogue.agent.lock_store, RedisLockStore)
    async with EmulatorClient(scaled_bot.emulator.base_url) as client:
        intro = await client.command(7001, "start", until=ends_turn)
        assert len(intro) == 5
        replies = await client.say(7001, "wanneer isse open", until=ends_turn)
        assert text_of(replies[0]) == domain_responses["utter_vraag_plek"]
    with scaled_bot.store.engine.connect() as connection:
        events = connection.execute(
            sa.text("SELECT count(*) FROM events WHERE sender_id = '7001'")
        ).scalar()
        stats = connection.execute(sa.text("SELECT intent FROM analytics_events")).scalars()
        assert events > 10
        assert list(stats) == ["groet", "openingstijden"]
    assert scaled_bot.store.users.get(7001) is not None


async def test_many_turns_of_one_learner_stay_whole_on_postgresql(scaled_bot):
    async with EmulatorClient(scaled_bot.emulator.base_url) as client:
        await client.command(7002, "start", until=ends_turn)
        await client.say(7002, "hallo", until=ends_turn)  # sets intro_nodig to False
        for text in ("dank je", "wanneer open", "doei") * 12:
            await client.say(7002, text, until=ends_turn)
    tracker = await scaled_bot.dialogue.tracker_store.retrieve("7002")
    full = await scaled_bot.dialogue.tracker_store.retrieve_full_tracker("7002")
    assert len(tracker.events) <= 45 < len(full.events)
    assert tracker.get_slot("intro_nodig") is False
