"""`taalmaatje run` as an operator starts it: a token and TELEGRAM_BASE_URL pointing at some
Bot API server (here an emulator the test runs), in its own process."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import pytest

from bot.emulator.client import EmulatorClient, ends_turn, text_of
from bot.emulator.server import start

pytestmark = pytest.mark.asyncio

TOKEN = "987654:AAF-test-token-that-must-not-be-logged"


async def test_run_serves_any_bot_api_server_and_stops_cleanly(
    tmp_path, model_path, domain_responses
):
    server = await start("127.0.0.1", 0)
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": f"{server.base_url}/bot",
        "TAALMAATJE_VAR_DIR": str(tmp_path / "var"),
        "TAALMAATJE_AUDIO_DIR": str(tmp_path / "audio"),
        "TAALMAATJE_TTS": "espeak",
        "TAALMAATJE_PORT": "0",  # the dashboard, on a free port
        "NO_PROXY": "127.0.0.1,localhost",
    }
    env.pop("DATABASE_URL", None)
    env.pop("PYTHONWARNINGS", None)
    log = tmp_path / "run.log"
    with log.open("w") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        async with EmulatorClient(server.base_url) as client:
            replies = await client.command(5001, "start", until=ends_turn, timeout=120)
            assert text_of(replies[0]) == domain_responses["utter_welkom"]
            assert all(m["voice"] for m in replies)
            commands = await client.get("/api/stats")
            assert commands["methods"].get("setMyCommands") == 1
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 60)
        await server.stop()
    assert code == 0, log.read_text()[-2000:]
    text = log.read_text()
    assert TOKEN not in text
    # An operator reads this log: no library's deprecation notices, one line per event.
    assert "Warning" not in text and "deprecated" not in text.lower(), text[:3000]
    assert "INFO bot.app: Web server on http://127.0.0.1:" in text, "and where the dashboard is"
