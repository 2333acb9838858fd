"""Google's voice through gTTS, behind a hard deadline and a small circuit breaker.

gTTS sounds better than espeak-ng but needs Google. Its default timeout is None, which hangs
forever on a silent network, and requests' timeout does not cover a slow DNS lookup; so each
request runs in a worker thread that we stop waiting for after `timeout` seconds. After a
failure the breaker opens: gTTS is skipped for `cooldown` seconds, so an offline bot pays for
at most one failed attempt per cooldown instead of one per message.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

log = logging.getLogger(__name__)


class GoogleUnavailable(RuntimeError):
    """gTTS failed (network, HTTP status, no audio in the answer) or took too long."""


class GoogleSkipped(GoogleUnavailable):
    """gTTS was not tried: the breaker is open after a recent failure."""


class GoogleTTS:
    """gTTS for one language with a deadline per request and a failure cooldown.

    Thread-safe: the speech service calls it from worker threads.
    """

    def __init__(
        self,
        *,
        lang: str = "nl",
        timeout: float = 4.0,
        cooldown: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lang = lang
        self.timeout = timeout
        self.cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._open_until: float | None = None  # None: closed, gTTS is tried
        self._pool: ThreadPoolExecutor | None = None
        self.attempts = 0  # requests sent (for tests and the benchmark)
        self.failures = 0

    @property
    def state(self) -> str:
        """Breaker: "closed" (tried), "open" (skipped) or "half-open" (next call is a trial)."""
        with self._lock:
            if self._open_until is None:
                return "closed"
            return "open" if self._clock() < self._open_until else "half-open"

    def _admit(self) -> bool:
        with self._lock:
            if self._open_until is not None:
                now = self._clock()
                if now < self._open_until:
                    return False
                # Half-open: let this one call through as the trial, keep the others out.
                self._open_until = now + self.timeout
            self.attempts += 1
            return True

    def _settle(self, ok: bool) -> None:
        with self._lock:
            if ok:
                self._open_until = None
            else:
                self.failures += 1
                self._open_until = self._clock() + self.cooldown

    def synthesize(self, text: str, *, slow: bool = False) -> bytes:
        """MP3 bytes of text spoken by Google; raises GoogleUnavailable or GoogleSkipped."""
        if not self._admit():
            raise GoogleSkipped(f"gTTS skipped after a recent failure ({self.cooldown:.0f} s)")
        try:
            with self._lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="gtts")
                pool = self._pool
            audio = pool.submit(self._fetch, text, slow).result(timeout=self.timeout)
        except FutureTimeout:
            self._settle(ok=False)
            raise GoogleUnavailable(f"gTTS gave no answer within {self.timeout} s") from None
        except Exception as exc:
            self._settle(ok=False)
            # gTTS's messages name the cause, never the text.
            raise GoogleUnavailable(f"gTTS failed: {type(exc).__name__}: {exc}") from exc
        self._settle(ok=True)
        return audio

    def _fetch(self, text: str, slow: bool) -> bytes:
        from gtts import gTTS

        # gTTS logs its arguments, the text included, at DEBUG; texts stay out of our logs.
        gtts_log = logging.getLogger("gtts")
        if gtts_log.getEffectiveLevel() < logging.INFO:
            gtts_log.setLevel(logging.INFO)
        tts = gTTS(text, lang=self.lang, slow=slow, lang_check=False, timeout=self.timeout)
        buffer = io.BytesIO()
        tts.write_to_fp(buffer)
        if not buffer.getvalue():
            raise GoogleUnavailable("gTTS answered without audio")
        return buffer.getvalue()

    def close(self) -> None:
        """Stop the worker threads (a request stuck in DNS is not waited for)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
