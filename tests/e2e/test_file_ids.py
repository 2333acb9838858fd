"""A file_id belongs to one bot on one server. After a move (emulator → Telegram, a new
token) the stored ones are refused; the learner must still get every voice note."""

from __future__ import annotations

import pytest

from bot.emulator.client import EmulatorClient, ends_turn
from tests.conftest import make_settings

pytestmark = pytest.mark.asyncio


async def test_refused_file_ids_are_uploaded_again(tmp_path, model_path):
    from bot.app import start_bot

    settings = make_settings(tmp_path)  # one database and audio folder for both runs
    for run in range(2):
        bot = await start_bot(settings, model_path, with_emulator=True)  # a new server each time
        try:
            async with EmulatorClient(bot.emulator.base_url) as client:
                replies = await client.command(4242, "start", until=ends_turn)
                assert len(replies) == 5 and all(m["voice"] for m in replies), f"run {run}"
                assert (await client.stats())["uploads"] == 5, f"run {run}: all uploaded anew"
                again = await client.command(4242, "start", until=ends_turn)
                assert [m["voice"]["file_id"] for m in again] == [
                    m["voice"]["file_id"] for m in replies
                ], f"run {run}: the second time by file_id"
        finally:
            await bot.stop()
