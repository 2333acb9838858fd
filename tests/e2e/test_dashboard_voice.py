"""Eigen stem: a coordinator records the greeting, and learners hear that recording
instead of the computer voice; "Langzamer" gives their slow recording or the slow
computer voice; a wrong file or a form without its token changes nothing."""

from __future__ import annotations

import asyncio
import io
import json
import re
from typing import Any

import aiohttp
import numpy as np
import pytest
import soundfile

from bot.emulator.client import EmulatorClient, text_of
from bot.settings import PROJECT_ROOT
from bot.speech import espeak
from bot.store.db import make_sessionmaker
from bot.store.voices import VoiceOverrides
from tests.e2e.test_dashboard import TEXTS, TIEL, bot, browser, login_link

pytestmark = pytest.mark.asyncio
__all__ = ["bot"]

T = TEXTS["stem"]
LEARNER, OTHER = 73_000_021, 73_000_022
GREETING = "utter_welkom"


def recording() -> bytes:
    """A person saying something: espeak-ng's samples as a WAV file, as a browser sends."""
    samples, rate = espeak.synthesize("Hallo, ik ben Anna van het Taalhuis.", rate=130)
    buffer = io.BytesIO()
    soundfile.write(buffer, np.asarray(samples), rate, format="WAV")
    return buffer.getvalue()


async def logged_in(bot: Any) -> tuple[aiohttp.ClientSession, str]:
    session = browser()
    async with session.get(await login_link(bot, TIEL)) as response:
        page = await response.text()
    return session, re.findall(r'name="csrf" value="([^"]+)"', page)[0]


def form(
    csrf: str | None, data: bytes, name: str = "opname.wav", speed: str = "gewoon"
) -> aiohttp.FormData:
    body = aiohttp.FormData()
    if csrf is not None:
        body.add_field("csrf", csrf)
    body.add_field("tekst", GREETING)
    body.add_field("snelheid", speed)
    body.add_field("geluid", data, filename=name, content_type="application/octet-stream")
    return body


async def greeting_voice(client: EmulatorClient, chat: int) -> bytes:
    replies = await client.command(chat, "start", settle=2.0, timeout=30)
    welcome = next(
        (m for m in replies if text_of(m).startswith("Hoi! Ik ben Taalmaatje") and m.get("voice")),
        None,
    )
    assert welcome is not None, [text_of(m) for m in replies]
    return await client.file_bytes(welcome["voice"]["url"])


async def test_the_greeting_in_a_coordinators_own_voice(bot: Any) -> None:
    url = f"{bot.emulator.base_url}/dashboard/stem"
    voices = VoiceOverrides(make_sessionmaker(bot.store.engine))
    async with EmulatorClient(bot.emulator.base_url) as client:
        synthetic = await greeting_voice(client, OTHER)
    session, csrf = await logged_in(bot)
    async with session:
        async with session.get(url, params={"zoek": "Ik ben Taalmaatje"}) as response:
            page = await response.text()
        assert GREETING in page and T["none_yet"] in page
        # Not a sound file, and a form without its token: refused, nothing stored.
        async with session.post(url, data=form(csrf, b"%PDF-1.4 not audio", "brief.pdf")) as r:
            assert r.status == 400 and T["not_audio"] in await r.text()
        async with session.post(url, data=form(None, recording())) as response:
            assert response.status == 403
        assert voices.all() == []
        async with session.post(url, data=form(csrf, recording())) as response:
            assert response.status == 200 and T["saved"] in await response.text()
        [own] = voices.all()
        stored = (bot.speech.audio_dir / own.path).read_bytes()
        info = soundfile.info(io.BytesIO(stored))
        assert (info.format, info.subtype, info.samplerate) == ("OGG", "OPUS", 48000)
        async with session.get(
            f"{url}/geluid", params={"tekst": GREETING, "soort": "eigen", "snelheid": "gewoon"}
        ) as response:
            assert await response.read() == stored  # fmt: skip

        async with EmulatorClient(bot.emulator.base_url) as client:
            heard = await greeting_voice(client, LEARNER)
            assert heard == stored and heard != synthetic

            # Removed again: the computer voice is back.
            async with session.post(
                f"{url}/wissen", data={"csrf": csrf, "tekst": GREETING, "snelheid": "gewoon"}
            ) as response:
                assert response.status == 200 and T["removed"] in await response.text()  # fmt: skip
            assert voices.all() == [] and not (bot.speech.audio_dir / own.path).exists()
            assert await greeting_voice(client, LEARNER + 100) == synthetic


async def test_slower_uses_the_slow_recording_or_the_slow_computer_voice(bot: Any) -> None:
    url = f"{bot.emulator.base_url}/dashboard/stem"
    session, csrf = await logged_in(bot)
    async with session:
        async with session.post(url, data=form(csrf, recording())) as response:
            assert response.status == 200
    from bot.texts import all_texts

    text = next(t.text for t in all_texts(PROJECT_ROOT) if t.id == GREETING)
    speech = bot.speech
    normal = await speech.clip(text, slow=0)
    assert normal.engine == "eigen"
    assert (await speech.clip(text, slow=1)).engine == "eigen"  # a slow listener, not asking
    slower = await speech.clip(text, slow=1, slower=True)
    assert slower.engine != "eigen"  # no slow recording: the slow computer voice
    async with browser() as again:
        async with again.get(await login_link(bot, TIEL)) as response:
            csrf = re.findall(r'name="csrf" value="([^"]+)"', await response.text())[0]
        async with again.post(url, data=form(csrf, recording(), speed="langzaam")) as response:
            assert response.status == 200
    slow_own = await speech.clip(text, slow=1, slower=True)
    assert slow_own.engine == "eigen" and slow_own.path != normal.path


@pytest.mark.chromium
async def test_recording_in_the_browser_with_a_microphone(bot: Any) -> None:
    """The recorder: Chromium's fake microphone (a beep), "Neem op", "Stop opname"; the
    recording is posted with the form and becomes the text's own voice."""
    from tests.e2e.chromium import find_chromium, launch_chromium

    if find_chromium() is None:
        pytest.skip("no chromium binary")
    microphone = ("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                  "--autoplay-policy=no-user-gesture-required")  # fmt: skip
    voices = VoiceOverrides(make_sessionmaker(bot.store.engine))
    async with launch_chromium(width=1100, height=900, flags=microphone) as page:
        await page.navigate(await login_link(bot, TIEL))
        await page.navigate(f"{bot.emulator.base_url}/dashboard/stem?zoek=Ik+ben+Taalmaatje")
        await page.wait_until("!document.querySelector('button.opnemen').hidden")
        await page.click("button.opnemen")
        stop = json.dumps(T["stop"])
        await page.wait_until(f"document.querySelector('button.opnemen').textContent === {stop}")
        await asyncio.sleep(1.5)
        await page.click("button.opnemen")
        saved = json.dumps(T["saved"])
        await page.wait_until(
            f"document.body && document.body.innerText.includes({saved})", timeout=20
        )
    [own] = voices.all()
    assert own.text_id == GREETING and 0.5 < own.duration < 10
