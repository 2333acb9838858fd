"""Small sample files made in code, and cheap sniffers for uploaded ones.

The emulator must invent a voice note, a photo and a sticker when a test or the web chat
injects one without bytes, and it must describe uploads (duration, width) the way Telegram
would, without adding a dependency for audio or image handling.
"""

from __future__ import annotations

import base64
import functools
import struct
import zlib

OPUS_RATE = 48_000
_OPUS_PRE_SKIP = 312
# A 20 ms CELT frame that decodes to silence (the frame voice chat clients send when muted).
_OPUS_SILENT_FRAME = b"\xf8\xff\xfe"
# A 1x1 lossless WebP: Telegram stores regular stickers as WebP.
_STICKER_WEBP = base64.b64decode("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")

SAMPLE_DOCUMENT = b"Oefening: lees deze zin hardop.\n"


@functools.lru_cache(maxsize=1)
def _ogg_crc_table() -> tuple[int, ...]:
    """CRC-32 table of Ogg (polynomial 0x04C11DB7, not reflected): zlib's CRC is reflected."""
    table = []
    for byte in range(256):
        reg = byte << 24
        for _ in range(8):
            reg = ((reg << 1) ^ 0x04C11DB7) if reg & 0x80000000 else reg << 1
        table.append(reg & 0xFFFFFFFF)
    return tuple(table)


def _ogg_crc(data: bytes) -> int:
    table = _ogg_crc_table()
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ table[((crc >> 24) & 0xFF) ^ byte]
    return crc


def _ogg_page(packets: list[bytes], *, granule: int, serial: int, seq: int, flags: int) -> bytes:
    lacing = bytearray()
    for packet in packets:
        lacing += b"\xff" * (len(packet) // 255) + bytes([len(packet) % 255])
    header = struct.pack("<4sBBqIIIB", b"OggS", 0, flags, granule, serial, seq, 0, len(lacing))
    page = bytearray(header + bytes(lacing) + b"".join(packets))
    page[22:26] = struct.pack("<I", _ogg_crc(bytes(page)))
    return bytes(page)


def silent_ogg_opus(seconds: int = 1) -> bytes:
    """A valid mono OGG/Opus file of silence, as Telegram clients record voice notes."""
    serial = 0x54414C31
    head = struct.pack("<8sBBHIhB", b"OpusHead", 1, 1, _OPUS_PRE_SKIP, OPUS_RATE, 0, 0)
    vendor = b"taalmaatje-emulator"
    tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0)
    frames = [_OPUS_SILENT_FRAME] * (50 * max(1, seconds))
    half = len(frames) // 2
    # Two audio pages: libsndfile rejects a stream whose first audio page is also its last.
    return (
        _ogg_page([head], granule=0, serial=serial, seq=0, flags=0x02)
        + _ogg_page([tags], granule=0, serial=serial, seq=1, flags=0)
        + _ogg_page(
            frames[:half], granule=_OPUS_PRE_SKIP + half * 960, serial=serial, seq=2, flags=0
        )
        + _ogg_page(
            frames[half:],
            granule=_OPUS_PRE_SKIP + len(frames) * 960,
            serial=serial,
            seq=3,
            flags=0x04,
        )
    )


def ogg_opus_duration(data: bytes) -> int | None:
    """Whole seconds of an OGG/Opus file from its last granule position, or None."""
    if not data.startswith(b"OggS") or b"OpusHead" not in data[:100]:
        return None
    last = data.rfind(b"OggS")
    if last < 0 or len(data) < last + 14:
        return None
    granule = struct.unpack_from("<q", data, last + 6)[0]
    head = data.find(b"OpusHead")
    pre_skip = struct.unpack_from("<H", data, head + 10)[0] if head >= 0 else 0
    return max(1, round((granule - pre_skip) / OPUS_RATE))


def sample_png(width: int = 160, height: int = 120) -> bytes:
    """A small PNG (a blue sky over green grass) to stand in for a photo a user sends."""
    sky, grass = bytes((125, 180, 235)) * width, bytes((80, 160, 90)) * width
    rows = [b"\x00" + (sky if y < height * 2 // 3 else grass) for y in range(height)]

    def chunk(tag: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(tag + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def sticker_webp() -> bytes:
    return _STICKER_WEBP


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF or JPEG, or None when the format is not known."""
    if data.startswith(b"\x89PNG") and len(data) >= 24:
        return struct.unpack_from(">II", data, 16)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack_from("<HH", data, 6)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    pos = 2
    while pos + 9 < len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        length = struct.unpack_from(">H", data, pos + 2)[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack_from(">HH", data, pos + 5)
            return width, height
        pos += 2 + length
    return None


def guess_mime(data: bytes, fallback: str = "application/octet-stream") -> str:
    """The content type of common uploads, from their first bytes."""
    if data.startswith(b"OggS"):
        return "audio/ogg"
    if data.startswith(b"ID3") or data[:2] in (b"\xff\xfb", b"\xff\xf3"):
        return "audio/mpeg"
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF"):
        return "application/pdf"
    return fallback
