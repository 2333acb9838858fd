"""The speech service: a bot text in, a cached OGG/Opus voice note out.

A clip's key is a hash of the voice, the speed and the spoken text (never the text itself,
which stays out of the database and the logs). Files live under audio/<key[:2]>/<key>.ogg;
the index with Telegram's file_id lives in the database (VoiceClips), and an in-memory map in
front of it makes a hot phrase cost no query. A coordinator's own recording of a text
(bot/store/voices.py, made in the dashboard) is sent instead of any engine's voice: the
"gewoon" one at the learner's own speed, the "langzaam" one (else the slow synthetic voice)
when they asked for "Langzamer". In auto mode the gTTS clip is preferred when one
exists, then the espeak-ng clip, and only when neither exists is anything rendered: a phrase
rendered offline is not rendered again on every turn.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from bot.speech import espeak
from bot.speech.encode import decode_mp3, encode_voice
from bot.speech.google import GoogleSkipped, GoogleTTS, GoogleUnavailable
from bot.speech.text import speakable
from bot.store.repositories import VoiceClips

log = logging.getLogger(__name__)

MODES = ("auto", "gtts", "espeak", "off")
ESPEAK_VOICE = "nl"
# Words per minute per speed: espeak-ng's default 175 is fast for a learner; 150 is clear,
# 105 slow, and 80 the "langzamer" for learners who already hear the slow voice.
# A speed is 0 (normal), 1 (slow; ``True`` works too) or 2 (slowest).
ESPEAK_RATE = {0: 150, 1: 105, 2: 80}
SLOWEST = 2
# Clips kept in memory: every fixed text with its slow variant fits; texts with names or a
# buddy's own words are many, so the oldest make way (they are still one query away).
MEMORY_LIMIT = 4096

__all__ = ["MODES", "Clip", "SpeechService", "build_all", "speakable"]


@dataclass(frozen=True)
class Clip:
    """A rendered voice note; file_id is Telegram's id once it has been uploaded."""

    key: str
    path: Path
    duration: float
    engine: str
    file_id: str | None


@dataclass(frozen=True)
class _Variant:
    """One way to voice a text: which engine, and the cache key of its result."""

    engine: str
    key: str


def clip_key(voice_id: str, speed: str, spoken: str) -> str:
    """The cache key: changing the voice, the speed or the words makes a new clip."""
    return hashlib.sha256(f"{voice_id}\0{speed}\0{spoken}".encode()).hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file and a rename, so a reader never sees half a voice note."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class SpeechService:
    """Voice notes for bot texts with the engines that mode allows; see the module docstring.

    clip() is for the event loop (blocking work goes to threads, and concurrent requests for
    one text share one render); render() is the same work, synchronous.
    """

    def __init__(
        self,
        audio_dir: Path,
        mode: str,
        clips: VoiceClips,
        *,
        gtts_timeout: float = 4.0,
        gtts_cooldown: float = 300.0,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"speech mode must be one of {', '.join(MODES)}, not {mode!r}")
        self.audio_dir = Path(audio_dir)
        self.mode = mode
        self._clips = clips
        self.google = GoogleTTS(timeout=gtts_timeout, cooldown=gtts_cooldown)
        self._known: dict[str, Clip] = {}  # clip key -> clip
        self._resolved: dict[str, str] = {}  # request (preferred key) -> clip key
        self._inflight: dict[str, asyncio.Task[Clip | None]] = {}
        self._lock = threading.Lock()  # worker threads update the maps and the counter
        self.renders = 0  # clips rendered by this service (cache misses)
        # Own recordings: (hash of the spoken text, "gewoon"/"langzaam") -> clip.
        self._own: dict[tuple[str, str], Clip] = {}
        self.on_own_file_id: Callable[[str, str], None] | None = None

    def use_own_voices(self, voices: Iterable[Any]) -> None:
        """Replace the set of own recordings (bot/store/voices.py OwnVoice rows)."""
        found = {
            (v.text_hash, v.speed): Clip(
                f"eigen:{v.path}", self.audio_dir / v.path, v.duration, "eigen", v.file_id
            )
            for v in voices
        }
        with self._lock:
            self._own = found

    def _own_voice(self, text: str, slow: bool | int, slower: bool) -> Clip | None:
        if not self._own or self.mode == "off":
            return None
        digest = hashlib.sha256(speakable(text).encode()).hexdigest()
        clip = self._own.get((digest, "langzaam" if slower else "gewoon"))
        return clip if clip is not None and clip.path.is_file() else None

    # -- public API -----------------------------------------------------------------------

    async def clip(self, text: str, slow: bool | int = False, slower: bool = False) -> Clip | None:
        """The voice note for text at a speed (0/False normal, 1/True slow, 2 slowest);
        ``slower``: the learner asked for "Langzamer" (an own "langzaam" recording, else
        the engine at that speed).

        None when voice is off or there is nothing to say.
        """
        own = self._own_voice(text, slow, slower)
        if own is not None:
            return own
        spoken, variants = self._plan(text, slow)
        if not variants:
            return None
        request = variants[0].key
        known = self._memory(request)
        if known is not None:
            return known
        task = self._inflight.get(request)
        if task is None:
            task = asyncio.create_task(asyncio.to_thread(self._resolve, spoken, slow, variants))
            self._inflight[request] = task
            task.add_done_callback(lambda _done: self._inflight.pop(request, None))
        # shield: a cancelled caller must not cancel the render the others are waiting for.
        return await asyncio.shield(task)

    def render(self, text: str, slow: bool | int = False) -> Clip | None:
        """clip(), synchronous: for `taalmaatje audio build` and worker threads."""
        spoken, variants = self._plan(text, slow)
        if not variants:
            return None
        return self._memory(variants[0].key) or self._resolve(spoken, slow, variants)

    async def remember_file_id(self, clip: Clip, file_id: str) -> None:
        """Store Telegram's file_id, so the next send reuses the upload."""
        if clip.engine == "eigen":
            with self._lock:
                self._own = {k: replace(c, file_id=file_id) if c.key == clip.key else c
                             for k, c in self._own.items()}  # fmt: skip
            if self.on_own_file_id is not None:
                await asyncio.to_thread(
                    self.on_own_file_id, clip.key.removeprefix("eigen:"), file_id
                )
            return
        await asyncio.to_thread(self._clips.set_file_id, clip.key, file_id)
        with self._lock:
            self._known[clip.key] = replace(clip, file_id=file_id)

    def close(self) -> None:
        """Stop gTTS's worker threads and forget the in-memory index."""
        self.google.close()
        with self._lock:
            self._known.clear()
            self._resolved.clear()

    # -- lookup ---------------------------------------------------------------------------

    def _plan(self, text: str, slow: bool | int) -> tuple[str, list[_Variant]]:
        """The spoken text and the engines for it, most preferred first; [] for no voice."""
        spoken = speakable(text) if self.mode != "off" else ""
        variants: list[_Variant] = []
        if not spoken:
            return spoken, variants
        if self.mode in ("auto", "gtts") and int(slow) < SLOWEST:  # gTTS has two speeds
            speed = "slow" if slow else "normal"
            variants.append(_Variant("gtts", clip_key(f"gtts:{self.google.lang}", speed, spoken)))
        if self.mode in ("auto", "espeak"):
            rate = ESPEAK_RATE[int(slow)]
            voice = f"espeak-ng:{ESPEAK_VOICE}"
            variants.append(_Variant("espeak", clip_key(voice, str(rate), spoken)))
        return spoken, variants

    def _memory(self, request: str) -> Clip | None:
        key = self._resolved.get(request)
        return self._known.get(key) if key is not None else None

    def _remember(self, request: str, clip: Clip) -> Clip:
        with self._lock:
            self._known[clip.key] = clip
            self._resolved[request] = clip.key
            while len(self._resolved) > MEMORY_LIMIT:
                self._known.pop(self._resolved.pop(next(iter(self._resolved))), None)
        return clip

    def _relative(self, key: str) -> str:
        return f"{key[:2]}/{key}.ogg"

    def _stored(self, variant: _Variant) -> Clip | None:
        """The clip from the database index, if its file is still there."""
        path = self.audio_dir / self._relative(variant.key)
        row = self._clips.get(variant.key)
        if row is not None:
            path = self.audio_dir / row.path  # an absolute stored path wins over audio_dir
            if path.is_file():
                return Clip(variant.key, path, row.duration, row.engine, row.telegram_file_id)
            return None  # file removed: render again
        if path.is_file():  # a file without its index row (a fresh database): adopt it
            import soundfile

            duration = float(soundfile.info(str(path)).duration)
            self._clips.put(variant.key, variant.engine, self._relative(variant.key), duration)
            return Clip(variant.key, path, duration, variant.engine, None)
        return None

    def _resolve(self, spoken: str, slow: bool | int, variants: list[_Variant]) -> Clip | None:
        """Cached clip or a new render, in preference order (blocking: runs in a thread)."""
        request = variants[0].key
        try:
            for variant in variants:
                stored = self._stored(variant)
                if stored is not None:
                    return self._remember(request, stored)
            rendered = self._render(spoken, slow, variants)
        except espeak.EspeakError as exc:
            log.error("no voice for clip %s: %s", request[:12], exc)
            return None
        except Exception:
            # Voice is an extra: the text message still goes out. No text in the log.
            log.exception("voice for clip %s failed", request[:12])
            return None
        return self._remember(request, rendered) if rendered is not None else None

    # -- rendering ------------------------------------------------------------------------

    def _synthesize(self, engine: str, spoken: str, slow: bool | int) -> tuple[np.ndarray, int]:
        if engine == "gtts":
            return decode_mp3(self.google.synthesize(spoken, slow=slow))
        return espeak.synthesize(spoken, voice=ESPEAK_VOICE, rate=ESPEAK_RATE[int(slow)])

    def _render(self, spoken: str, slow: bool | int, variants: list[_Variant]) -> Clip | None:
        for variant in variants:
            try:
                samples, rate = self._synthesize(variant.engine, spoken, slow)
            except GoogleSkipped:  # the failure was logged once; skips are not news
                log.debug("gTTS skipped for clip %s (cooling down)", variant.key[:12])
                continue
            except GoogleUnavailable as exc:
                then = "espeak-ng for now" if self.mode == "auto" else "no voice"
                log.warning("gTTS failed for clip %s (%s): %s", variant.key[:12], then, exc)
                continue
            data, duration = encode_voice(samples, rate)
            relative = self._relative(variant.key)
            _write_atomic(self.audio_dir / relative, data)
            self._clips.put(variant.key, variant.engine, relative, duration)
            with self._lock:
                self.renders += 1
            log.info(
                "rendered clip %s with %s: %.1f s, %d bytes",
                variant.key[:12],
                variant.engine,
                duration,
                len(data),
            )
            return Clip(variant.key, self.audio_dir / relative, duration, variant.engine, None)
        return None


def build_all(
    service: SpeechService,
    texts: Iterable[str],
    *,
    slow_too: bool = True,
    progress: bool = True,
) -> int:
    """Render every text (and its slow variant) ahead of time; returns how many were new.

    Rendering up front means a learner never waits for a first render, and lets an operator
    build the cache on a machine that can reach Google.
    """
    from tqdm import tqdm

    unique = list(dict.fromkeys(texts))
    speeds = (False, True) if slow_too else (False,)
    jobs = [(text, slow) for text in unique for slow in speeds]
    before = service.renders
    for text, slow in tqdm(jobs, desc="voice", unit="clip", disable=not progress):
        service.render(text, slow)
    return service.renders - before
