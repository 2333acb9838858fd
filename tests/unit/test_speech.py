"""The speech service with its real parts: espeak-ng, Opus encoding and a SQLite index.

Only Google is out of reach on a test machine; its TTS is answered at the HTTP boundary
with the `responses` library, the way gTTS would hear it.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import logging
import socket
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import requests
import responses
import soundfile
from sqlalchemy.engine import Engine

from bot.speech import Clip, SpeechService, build_all, espeak, speakable
from bot.speech.encode import decode_mp3, resample
from bot.speech.google import GoogleSkipped, GoogleTTS, GoogleUnavailable
from bot.store.db import make_sessionmaker
from bot.store.repositories import VoiceClips

SENTENCE = "Goedemorgen, wil je vandaag samen een paar nieuwe woorden oefenen?"
BATCHEXECUTE = "https://translate.google.com/_/TranslateWebserverUi/data/batchexecute"


@pytest.fixture
def clips(engine: Engine) -> VoiceClips:
    return VoiceClips(make_sessionmaker(engine))


@pytest.fixture
def audio_dir(tmp_path: Path) -> Path:
    return tmp_path / "audio"


@pytest.fixture
def make_service(audio_dir: Path, clips: VoiceClips) -> Iterator[Callable[..., SpeechService]]:
    """Services over one audio folder and database (a second one is a restarted bot)."""
    made: list[SpeechService] = []

    def make(mode: str = "espeak", **options: float) -> SpeechService:
        service = SpeechService(audio_dir, mode, clips, **options)
        made.append(service)
        return service

    yield make
    for service in made:
        service.close()


def assert_voice_note(clip: Clip) -> np.ndarray:
    """The clip's file is a mono 48 kHz OGG/Opus voice note that is not silent."""
    info = soundfile.info(str(clip.path))
    assert (info.format, info.subtype) == ("OGG", "OPUS")
    assert info.samplerate == 48_000
    assert info.channels == 1
    assert 0.5 < info.duration < 10
    assert info.duration == pytest.approx(clip.duration, abs=0.1)
    samples, _ = soundfile.read(str(clip.path), dtype="float32")
    assert float(np.sqrt(np.mean(samples**2))) > 0.01
    return samples


def mp3_of(text: str) -> bytes:
    """Real MP3 bytes (espeak-ng's voice at gTTS's 24 kHz), as Google's TTS would send."""
    if "MP3" not in soundfile.available_formats():
        pytest.skip("this libsndfile cannot write MP3 (needs 1.1+ with LAME and mpg123)")
    samples, rate = espeak.synthesize(text)
    buffer = io.BytesIO()
    soundfile.write(buffer, resample(samples, rate, 24_000), 24_000, format="MP3")
    return buffer.getvalue()


def batchexecute_body(mp3: bytes) -> str:
    """Google's batchexecute answer to gTTS's jQ1olc call, carrying base64 MP3."""
    payload = json.dumps([base64.b64encode(mp3).decode("ascii")])
    envelope = json.dumps(
        [
            ["wrb.fr", "jQ1olc", payload, None, None, None, "generic"],
            ["di", 58],
            ["af.httprm", 57, "-2587148093785843537", 24],
        ],
        separators=(",", ":"),
    )
    tail = '[["e",4,null,null,' + str(len(envelope) + 60) + "]]"
    return f")]}}'\n\n{len(envelope)}\n{envelope}\n{len(tail)}\n{tail}\n"


def rpc_arguments(request: requests.PreparedRequest) -> list:
    """[text, lang, speed, "null"] from gTTS's form-encoded f.req body."""
    form = urllib.parse.parse_qs(request.body)
    rpc = json.loads(form["f.req"][0])
    return json.loads(rpc[0][0][1])


def google_resolves() -> bool:
    try:
        socket.getaddrinfo("translate.google.com", 443)
    except OSError:
        return False
    return True


# -- espeak-ng and Opus --------------------------------------------------------------------


async def test_dutch_sentence_becomes_an_indexed_voice_note(make_service, audio_dir, clips):
    service = make_service("espeak")

    clip = await service.clip(SENTENCE)

    assert clip is not None and clip.engine == "espeak" and clip.file_id is None
    assert clip.path == audio_dir / clip.key[:2] / f"{clip.key}.ogg"
    assert_voice_note(clip)
    row = clips.get(clip.key)
    assert row is not None
    assert (row.engine, row.path) == ("espeak", f"{clip.key[:2]}/{clip.key}.ogg")
    assert row.duration == pytest.approx(clip.duration)
    assert not list(audio_dir.rglob("*.tmp"))  # the atomic write left nothing behind


async def test_slow_variant_is_a_separate_longer_clip(make_service):
    service = make_service("espeak")

    normal = await service.clip(SENTENCE)
    slow = await service.clip(SENTENCE, slow=True)

    assert normal is not None and slow is not None
    assert slow.key != normal.key
    assert_voice_note(slow)
    assert slow.duration > normal.duration * 1.2


async def test_same_text_twice_renders_once(make_service):
    service = make_service("espeak")

    first = await service.clip(SENTENCE)
    assert first is not None
    written = first.path.stat().st_mtime_ns
    second = await service.clip(SENTENCE)
    # Emoji and markdown are not spoken, so they make the same clip.
    third = await service.clip(f"👋 **{SENTENCE}**")

    assert first == second == third
    assert service.renders == 1
    assert first.path.stat().st_mtime_ns == written


async def test_file_id_survives_a_restart(make_service, audio_dir, clips):
    service = make_service("espeak")
    clip = await service.clip(SENTENCE)
    assert clip is not None

    await service.remember_file_id(clip, "AwACAgQAAxkBAAIB")
    assert (await service.clip(SENTENCE)).file_id == "AwACAgQAAxkBAAIB"
    service.close()

    restarted = make_service("espeak")
    again = await restarted.clip(SENTENCE)

    assert again is not None
    assert (again.key, again.path, again.file_id) == (clip.key, clip.path, "AwACAgQAAxkBAAIB")
    assert restarted.renders == 0


async def test_concurrent_requests_for_one_text_render_once(make_service):
    service = make_service("espeak")

    results = await asyncio.gather(*(service.clip(SENTENCE) for _ in range(8)))

    assert service.renders == 1
    assert len({clip.key for clip in results if clip is not None}) == 1
    assert all(clip is not None for clip in results)


async def test_a_lost_file_is_rendered_again(make_service):
    service = make_service("espeak")
    clip = await service.clip(SENTENCE)
    assert clip is not None
    clip.path.unlink()

    again = make_service("espeak").render(SENTENCE)

    assert again is not None and again.path == clip.path and again.path.is_file()


def test_build_all_renders_each_text_and_its_slow_variant_once(make_service):
    service = make_service("espeak")
    texts = ["Hallo, ik ben Taalmaatje.", "Wil je oefenen?", "Hallo, ik ben Taalmaatje.", "🎉"]

    assert build_all(service, texts, progress=False) == 4
    assert build_all(service, texts, progress=False) == 0
    assert build_all(make_service("espeak"), texts, slow_too=False, progress=False) == 0


# -- what is spoken --------------------------------------------------------------------------


async def test_nothing_to_say_gives_no_clip(make_service, audio_dir):
    assert await make_service("off").clip(SENTENCE) is None
    assert make_service("off").render(SENTENCE) is None
    assert await make_service("espeak").clip("👍🎉 ➡️") is None
    assert await make_service("espeak").clip("https://www.taalhuis.nl") is None
    assert not audio_dir.exists() or not list(audio_dir.rglob("*.ogg"))


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("👋 Hallo! Welkom bij **Taalmaatje**.", "Hallo! Welkom bij Taalmaatje."),
        ("Kijk op https://www.taalhuis.nl/open voor de tijden.", "Kijk op voor de tijden."),
        ("Lees [dit verhaal](https://x.nl/a) rustig.", "Lees dit verhaal rustig."),
        ("Goed gedaan 👍🏽!", "Goed gedaan!"),
        ("Kies een knop ➡️", "Kies een knop."),
        ("← Terug", "Terug."),
        ("- helm\n- handschoenen", "helm. handschoenen."),
        ("  Prijs:\n\n   € 5,50  ", "Prijs: € 5,50."),
        ("👍🎉", ""),
        ("", ""),
    ],
)
def test_speakable_keeps_only_words(text: str, spoken: str):
    assert speakable(text) == spoken


# -- gTTS: offline, breaker, and a real answer at the HTTP boundary ---------------------------


@pytest.mark.skipif(google_resolves(), reason="this machine can reach Google; test is for offline")
async def test_auto_mode_offline_fails_fast_and_falls_back_to_espeak(make_service):
    service = make_service("auto", gtts_timeout=10.0, gtts_cooldown=300.0)

    started = time.perf_counter()
    first = await service.clip(SENTENCE)
    elapsed = time.perf_counter() - started
    second = await service.clip("Tot morgen, en veel succes met oefenen.")

    assert first is not None and first.engine == "espeak"
    assert_voice_note(first)
    assert elapsed < 3.0  # no DNS here: gTTS fails at once, far inside its 10 s deadline
    assert second is not None and second.engine == "espeak"
    # The second phrase did not try Google again: the breaker is open for the cooldown.
    assert (service.google.attempts, service.google.failures) == (1, 1)
    assert service.google.state == "open"


async def test_auto_mode_prefers_a_stored_clip_to_trying_google(make_service):
    offline = await make_service("espeak").clip(SENTENCE)
    auto = make_service("auto")

    with responses.RequestsMock() as google:  # any request to Google would fail this test
        again = await auto.clip(SENTENCE)
        assert len(google.calls) == 0

    assert again == offline
    assert auto.google.attempts == 0


async def test_gtts_mode_without_google_gives_no_clip_and_logs_no_text(make_service, caplog):
    service = make_service("gtts", gtts_cooldown=300.0)
    caplog.set_level(logging.DEBUG)

    with responses.RequestsMock() as google:
        google.post(BATCHEXECUTE, body=requests.ConnectionError("network is unreachable"))
        first = await service.clip(SENTENCE)
        second = await service.clip(SENTENCE)
        assert len(google.calls) == 1

    assert first is None and second is None
    assert service.google.state == "open"
    assert "gTTS failed" in caplog.text
    assert "Goedemorgen" not in caplog.text and "oefenen" not in caplog.text


async def test_gtts_answer_becomes_a_voice_note(make_service, clips):
    service = make_service("gtts")
    mp3 = mp3_of(SENTENCE)

    with responses.RequestsMock() as google:
        google.post(BATCHEXECUTE, body=batchexecute_body(mp3), content_type="application/json")
        clip = await service.clip(SENTENCE)
        slow = await service.clip(SENTENCE, slow=True)
        sent = [rpc_arguments(call.request) for call in google.calls]

    assert sent == [[SENTENCE, "nl", None, "null"], [SENTENCE, "nl", True, "null"]]
    assert clip is not None and clip.engine == "gtts"
    assert slow is not None and slow.engine == "gtts" and slow.key != clip.key
    assert_voice_note(clip)
    assert clips.get(clip.key).engine == "gtts"
    assert clip.duration == pytest.approx(soundfile.info(io.BytesIO(mp3)).duration, abs=0.1)

    # A later auto-mode service (even offline) prefers the stored gTTS clip to espeak-ng.
    auto = make_service("auto")
    with responses.RequestsMock():
        assert await auto.clip(SENTENCE) == clip
    assert auto.renders == 0 and auto.google.attempts == 0


def test_breaker_opens_on_failure_and_tries_again_after_the_cooldown():
    now = [1000.0]
    google = GoogleTTS(timeout=2.0, cooldown=300.0, clock=lambda: now[0])

    with responses.RequestsMock() as mock:
        mock.post(BATCHEXECUTE, body=requests.ConnectTimeout("silent network"))
        with pytest.raises(GoogleUnavailable):
            google.synthesize("Hallo.")
        now[0] += 299.0
        with pytest.raises(GoogleSkipped):
            google.synthesize("Hallo.")
        assert google.state == "open" and google.attempts == 1

        now[0] += 2.0
        assert google.state == "half-open"
        mock.replace(responses.POST, BATCHEXECUTE, body=batchexecute_body(mp3_of("Hallo.")))
        samples, rate = decode_mp3(google.synthesize("Hallo."))
        assert rate == 24_000 and len(samples) > rate // 4

    assert google.state == "closed" and (google.attempts, google.failures) == (2, 1)
    google.close()


def test_gtts_gets_a_hard_deadline():
    """A request stuck where requests' timeout does not reach (DNS) is abandoned in time."""
    google = GoogleTTS(timeout=0.3, cooldown=300.0)

    def stuck(_request: requests.PreparedRequest) -> tuple[int, dict, str]:
        time.sleep(1.5)
        return 200, {}, ""

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, BATCHEXECUTE, callback=stuck)
        started = time.perf_counter()
        with pytest.raises(GoogleUnavailable, match="no answer"):
            google.synthesize("Hallo.")
        assert time.perf_counter() - started < 1.0
    assert google.state == "open"
    google.close()
