"""Audio in and out: samples to an OGG/Opus voice note, and gTTS's MP3 back to samples.

Telegram shows OGG/Opus as a voice note (with a waveform and a speed button), so every
engine's output ends up in that one format. soundfile (libsndfile) and scipy are imported
inside the functions: importing them loads native libraries, which is work for first use,
not for import time.
"""

from __future__ import annotations

import io
from math import gcd

import numpy as np

OPUS_RATE = 48_000  # Opus takes only 8/12/16/24/48 kHz; espeak gives 22,050 Hz, gTTS 24,000
# libsndfile maps 0..1 to Opus bitrates, high to low. 0.92 gives about 30 kbit/s mono: clear
# speech at about 4 KB a second (the default, about 63 kbit/s, doubles the size for nothing).
OPUS_COMPRESSION = 0.92


def _as_float_mono(samples: np.ndarray) -> np.ndarray:
    """float32 in [-1, 1], one channel (a stereo input is averaged)."""
    data = np.asarray(samples)
    if np.issubdtype(data.dtype, np.integer):
        data = data.astype(np.float32) / (float(np.iinfo(data.dtype).max) + 1.0)
    data = data.astype(np.float32, copy=False)
    return data.mean(axis=1, dtype=np.float32) if data.ndim == 2 else data


def resample(samples: np.ndarray, rate: int, target: int = OPUS_RATE) -> np.ndarray:
    """Mono float32 samples at target Hz (polyphase filtering: fast and without aliasing)."""
    data = _as_float_mono(samples)
    if rate == target:
        return data
    from scipy.signal import resample_poly

    step = gcd(rate, target)
    return resample_poly(data, target // step, rate // step).astype(np.float32)


def encode_voice(samples: np.ndarray, rate: int) -> tuple[bytes, float]:
    """OGG/Opus bytes for a Telegram voice note, and the duration in seconds."""
    import soundfile

    if len(samples) == 0:
        raise ValueError("no samples to encode")
    duration = len(samples) / rate
    data = np.clip(resample(samples, rate), -1.0, 1.0)
    buffer = io.BytesIO()
    soundfile.write(
        buffer,
        data,
        OPUS_RATE,
        format="OGG",
        subtype="OPUS",
        compression_level=OPUS_COMPRESSION,
    )
    return buffer.getvalue(), duration


def decode_mp3(data: bytes) -> tuple[np.ndarray, int]:
    """Mono 16-bit samples and their sample rate from MP3 bytes (gTTS gives 24 kHz mono)."""
    import soundfile

    samples, rate = soundfile.read(io.BytesIO(data), dtype="int16", always_2d=True)
    if samples.shape[1] > 1:
        mono = samples.mean(axis=1).astype(np.int16)
    else:
        mono = samples[:, 0]
    return np.ascontiguousarray(mono), int(rate)
