"""Eigen stem: every fixed learner text with its voice; a coordinator uploads (or records
in the browser) their own voice for a text, and the bot sends that instead.

An upload (WAV, MP3, OGG or FLAC; the browser's recorder sends WAV) is decoded and encoded
again as the OGG/Opus voice note Telegram shows (bot/speech/encode.py), in a worker
thread, and written under the audio folder. "gewoon" is sent at the learner's own speed,
"langzaam" when they ask for "Langzamer" (without it, the slow synthetic voice).
Texts with a name or a number filled in ({...}) differ per learner and are not listed.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.dashboard.common import PREFIX, current, deps_of, page_error, posted, render
from bot.speech.service import _write_atomic
from bot.store.voices import SPEEDS, VoiceOverrides

logger = logging.getLogger(__name__)

PAGE_SIZE = 20
MOST_BYTES = 5 * 1024 * 1024
MOST_SECONDS = 60.0


@dataclass(frozen=True)
class VoiceDeps:
    speech: Any  # bot/speech/service.py SpeechService
    voices: VoiceOverrides
    audio_dir: Path
    root: Path  # the project (domain.yml) for the list of texts


def add_routes(app: web.Application) -> None:
    app.router.add_get(f"{PREFIX}stem", page)
    app.router.add_post(f"{PREFIX}stem", upload)
    app.router.add_post(f"{PREFIX}stem/wissen", remove)
    app.router.add_get(f"{PREFIX}stem/geluid", sound)


@functools.lru_cache(maxsize=1)
def learner_texts(root: Path) -> tuple[tuple[str, str], ...]:
    """(id, text) of every fixed learner text that is the same for everyone."""
    from bot.texts import all_texts

    return tuple((t.id, t.text) for t in all_texts(root)
                 if t.audience == "learner" and "{" not in t.text)  # fmt: skip


def _voice(request: web.Request) -> VoiceDeps:
    voice = deps_of(request).extra.get("voice")
    if voice is None:
        raise page_error(request, deps_of(request).texts["not_found"], 404)
    return voice


async def page(request: web.Request, notice: str = "", status: int = 200) -> web.Response:
    viewer = await current(request)
    voice = _voice(request)
    texts = deps_of(request).texts["stem"]
    query = request.query.get("zoek", "").strip()[:80]
    found = [(i, t) for i, t in learner_texts(voice.root)
             if not query or query.lower() in t.lower() or query.lower() in i.lower()]  # fmt: skip
    try:
        number = max(1, int(request.query.get("pagina", "1")))
    except ValueError:
        number = 1
    pages = max(1, -(-len(found) // PAGE_SIZE))
    number = min(number, pages)
    own = {(v.text_id, v.speed): v for v in await asyncio.to_thread(voice.voices.all)}
    rows = [
        {"id": i, "text": t, "own": [s for s in SPEEDS if (i, s) in own]}
        for i, t in found[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    ]
    context = {
        "viewer": viewer, "page_title": texts["title"], "rows": rows, "query": query,
        "page_number": number, "pages": pages, "count": len(found), "notice": notice,
        "speeds": [(s, texts["speeds"][s]) for s in SPEEDS], "most_mb": MOST_BYTES // 2**20,
    }  # fmt: skip
    return render(request, "voice.html", context, status=status)


def _text_of(voice: VoiceDeps, text_id: str) -> str | None:
    return dict(learner_texts(voice.root)).get(text_id)


async def upload(request: web.Request) -> web.StreamResponse:
    _, form = await posted(request)
    voice = _voice(request)
    texts = deps_of(request).texts["stem"]
    text_id, speed = str(form.get("tekst", "")), str(form.get("snelheid", "gewoon"))
    text = _text_of(voice, text_id)
    field = form.get("geluid")
    if text is None or speed not in SPEEDS:
        raise page_error(request, deps_of(request).texts["not_found"], 404)
    data = field.file.read(MOST_BYTES + 1) if isinstance(field, web.FileField) else b""
    if not data:
        return await page(request, texts["no_file"], 400)
    if len(data) > MOST_BYTES:
        return await page(request, texts["too_big"].format(mb=MOST_BYTES // 2**20), 400)
    try:
        encoded, seconds = await asyncio.to_thread(_to_voice_note, data)
    except ValueError as problem:
        key = "too_long" if "long" in str(problem) else "not_audio"
        return await page(request, texts[key], 400)
    digest = hashlib.sha256(encoded).hexdigest()[:16]
    relative = f"eigen/{digest}.ogg"
    await asyncio.to_thread(_write_atomic, voice.audio_dir / relative, encoded)
    await asyncio.to_thread(voice.voices.put, text_id, speed, text, relative, seconds)
    voice.speech.use_own_voices(await asyncio.to_thread(voice.voices.all))
    logger.info("Own voice for %s (%s): %.1f s", text_id, speed, seconds)
    return await page(request, texts["saved"])


def _to_voice_note(data: bytes) -> tuple[bytes, float]:
    """Any audio libsndfile reads, as an OGG/Opus voice note; ValueError when it is none
    or longer than a minute."""
    import soundfile

    from bot.speech.encode import encode_voice

    try:
        samples, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError) as error:
        raise ValueError("not audio") from error
    if len(samples) == 0:
        raise ValueError("not audio")
    if len(samples) / rate > MOST_SECONDS:
        raise ValueError("too long")
    return encode_voice(samples.mean(axis=1), int(rate))


async def remove(request: web.Request) -> web.StreamResponse:
    _, form = await posted(request)
    voice = _voice(request)
    text_id, speed = str(form.get("tekst", "")), str(form.get("snelheid", ""))
    path = await asyncio.to_thread(voice.voices.remove, text_id, speed)
    if path is None:
        raise page_error(request, deps_of(request).texts["not_found"], 404)
    voice.speech.use_own_voices(await asyncio.to_thread(voice.voices.all))
    if not any(v.path == path for v in await asyncio.to_thread(voice.voices.all)):
        (voice.audio_dir / path).unlink(missing_ok=True)
    logger.info("Own voice for %s (%s) removed", text_id, speed)
    return await page(request, deps_of(request).texts["stem"]["removed"])


async def sound(request: web.Request) -> web.StreamResponse:
    """A text's voice for the page's player: ``?tekst=ID&soort=eigen|bot&snelheid=``."""
    await current(request)
    voice = _voice(request)
    text_id, speed = request.query.get("tekst", ""), request.query.get("snelheid", "gewoon")
    text = _text_of(voice, text_id)
    if text is None or speed not in SPEEDS:
        raise page_error(request, deps_of(request).texts["not_found"], 404)
    if request.query.get("soort") == "eigen":
        own = [v for v in await asyncio.to_thread(voice.voices.all)
               if v.text_id == text_id and v.speed == speed]  # fmt: skip
        path = voice.audio_dir / own[0].path if own else None
    else:
        clip = await asyncio.to_thread(voice.speech.render, text, speed == "langzaam")
        path = clip.path if clip is not None and clip.engine != "eigen" else None
    if path is None or not path.is_file():
        raise page_error(request, deps_of(request).texts["not_found"], 404)
    return web.Response(body=await asyncio.to_thread(path.read_bytes), content_type="audio/ogg")
