"""Offline Dutch voice: a small ctypes binding to libespeak-ng.

espeak-ng needs no network and renders a sentence in milliseconds, so it is the voice that
always works. The library comes from the espeakng-loader wheel (library and data, no system
package needed); Debian's libespeak-ng.so.1 with its built-in data path is the fallback.

libespeak-ng keeps global state and is not thread-safe: one lock guards every call, and the
library is loaded and initialised once, on the first synthesis (never at import).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
from collections.abc import Iterator

import numpy as np

log = logging.getLogger(__name__)

# Values from espeak-ng's speak_lib.h.
_AUDIO_OUTPUT_SYNCHRONOUS = 2  # espeak_AUDIO_OUTPUT: synthesise inside espeak_Synth
_INITIALIZE_DONT_EXIT = 0x8000  # report a failed initialisation instead of calling exit()
_ESPEAK_RATE = 1  # espeak_PARAMETER espeakRATE, in words per minute (80..450)
_POS_CHARACTER = 1  # espeak_POSITION_TYPE
_CHARS_UTF8 = 1  # espeakCHARS_UTF8
_EE_OK = 0
MIN_RATE, MAX_RATE = 80, 450

# int SynthCallback(short *wav, int numsamples, espeak_EVENT *events); 0 = go on.
_SYNTH_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class EspeakError(RuntimeError):
    """libespeak-ng could not be loaded, initialised, or refused a voice or a text."""


def _candidates() -> Iterator[tuple[str, str | None]]:
    """Where the library and its data may be: the wheel first, then the system package."""
    try:
        import espeakng_loader

        yield espeakng_loader.get_library_path(), espeakng_loader.get_data_path()
    except (ImportError, RuntimeError) as exc:  # wheel missing, or its data folder missing
        log.debug("espeakng-loader unusable (%s); trying the system library", exc)
    # None: the system library knows its own data folder (Debian: .../espeak-ng-data).
    yield ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1", None


class _Library:
    """One initialised libespeak-ng; the caller holds the module lock around every method."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        # Kept on the instance: if ctypes collected the callback, espeak would call freed memory.
        self._callback = _SYNTH_CALLBACK(self._collect)
        self._lib, self.sample_rate = self._open()
        self._lib.espeak_SetSynthCallback(self._callback)
        self._voice: str | None = None
        self._rate: int | None = None

    @staticmethod
    def _open() -> tuple[ctypes.CDLL, int]:
        errors = []
        for library_path, data_path in _candidates():
            try:
                lib = ctypes.CDLL(library_path)
            except OSError as exc:
                errors.append(f"{library_path}: {exc}")
                continue
            _declare(lib)
            data = data_path.encode() if data_path else None
            sample_rate = lib.espeak_Initialize(
                _AUDIO_OUTPUT_SYNCHRONOUS, 0, data, _INITIALIZE_DONT_EXIT
            )
            if sample_rate > 0:
                log.info("espeak-ng loaded from %s (%d Hz)", library_path, sample_rate)
                return lib, sample_rate
            errors.append(f"{library_path}: espeak_Initialize returned {sample_rate}")
        raise EspeakError("libespeak-ng is not usable: " + "; ".join(errors))

    def _collect(self, wav: ctypes._Pointer, count: int, _events: int | None) -> int:
        if wav and count > 0:
            self._chunks.append(ctypes.string_at(wav, count * 2))  # 16-bit samples
        return 0

    def speak(self, text: str, voice: str, rate: int) -> np.ndarray:
        if voice != self._voice:
            if self._lib.espeak_SetVoiceByName(voice.encode()) != _EE_OK:
                raise EspeakError(f"espeak-ng has no voice {voice!r}")
            self._voice, self._rate = voice, None  # a new voice resets the rate
        if rate != self._rate:
            if self._lib.espeak_SetParameter(_ESPEAK_RATE, rate, 0) != _EE_OK:
                raise EspeakError(f"espeak-ng refused rate {rate}")
            self._rate = rate
        data = text.encode("utf-8") + b"\0"
        self._chunks = []
        status = self._lib.espeak_Synth(
            data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
        )
        if status != _EE_OK:
            raise EspeakError(f"espeak_Synth failed with status {status}")
        self._lib.espeak_Synchronize()
        samples = np.frombuffer(b"".join(self._chunks), dtype=np.int16)
        self._chunks = []
        return samples


def _declare(lib: ctypes.CDLL) -> None:
    """Argument types, so ctypes passes size_t and pointers correctly on 64-bit."""
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_SetSynthCallback.argtypes = [_SYNTH_CALLBACK]
    lib.espeak_SetSynthCallback.restype = None
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetVoiceByName.restype = ctypes.c_int
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_SetParameter.restype = ctypes.c_int
    lib.espeak_Synth.argtypes = [
        ctypes.c_void_p,  # text
        ctypes.c_size_t,  # size
        ctypes.c_uint,  # position
        ctypes.c_int,  # position_type
        ctypes.c_uint,  # end_position
        ctypes.c_uint,  # flags
        ctypes.POINTER(ctypes.c_uint),  # unique_identifier
        ctypes.c_void_p,  # user_data
    ]
    lib.espeak_Synth.restype = ctypes.c_int
    lib.espeak_Synchronize.argtypes = []
    lib.espeak_Synchronize.restype = ctypes.c_int


_lock = threading.Lock()
_library: _Library | None = None
_failure: str | None = None  # why loading failed: a broken install is not retried per call


def synthesize(text: str, *, voice: str = "nl", rate: int = 150) -> tuple[np.ndarray, int]:
    """Speak text with an espeak-ng voice at rate words per minute.

    Returns mono 16-bit samples and their sample rate (22,050 Hz for espeak-ng's voices).
    """
    global _library, _failure
    if not MIN_RATE <= rate <= MAX_RATE:
        raise ValueError(f"rate must be {MIN_RATE}..{MAX_RATE} words per minute, not {rate}")
    with _lock:
        if _library is None:
            if _failure is not None:
                raise EspeakError(_failure)
            try:
                _library = _Library()
            except EspeakError as exc:
                _failure = str(exc)
                raise
        return _library.speak(text, voice, rate), _library.sample_rate
