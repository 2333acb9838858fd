"""Fixtures for tests against the local Telegram emulator (all named emulator_*)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import aiohttp
import numpy
import pytest
import pytest_asyncio
import soundfile
import telegram

from bot.emulator.server import Running, start

TEST_TOKEN = "123456:emulator-test-token"


@pytest_asyncio.fixture
async def emulator_server() -> AsyncIterator[Running]:
    """A fresh emulator on a free loopback port."""
    running = await start("127.0.0.1", 0)
    try:
        yield running
    finally:
        await running.stop()


@pytest_asyncio.fixture
async def emulator_bot(emulator_server: Running) -> AsyncIterator[telegram.Bot]:
    """python-telegram-bot's real Bot, talking HTTP to the emulator."""
    bot = telegram.Bot(
        TEST_TOKEN,
        base_url=emulator_server.bot_base_url,
        base_file_url=emulator_server.file_base_url,
    )
    await bot.initialize()
    try:
        yield bot
    finally:
        await bot.shutdown()


@pytest_asyncio.fixture
async def emulator_http(emulator_server: Running) -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client for the control API (paths like "/api/stats")."""
    async with aiohttp.ClientSession(emulator_server.base_url) as session:
        yield session


@pytest.fixture(scope="session")
def emulator_ogg() -> bytes:
    """A tenth of a second of OGG/Opus silence, encoded by libsndfile as the bot would."""
    buffer = io.BytesIO()
    soundfile.write(buffer, numpy.zeros(4800, dtype="float32"), 48000, format="OGG", subtype="OPUS")
    return buffer.getvalue()
