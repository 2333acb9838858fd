"""Invitation codes and links: short, single use, expiring; only a hash is stored.

A code travels in a Telegram deep link (``https://t.me/<bot>?start=<payload>``), whose
payload Telegram allows 64 characters of ``A-Za-z0-9_-``. The first character says what
it opens: ``M`` a buddy invitation (made by a coordinator), ``L`` a learner's invitation
(made by a buddy for a newcomer), ``C`` a coordinator's (made in the dashboard).
"""

from __future__ import annotations

import io
import re
import secrets

import segno

PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
PREFIX = {"maatje": "M", "leerling": "L", "coordinator": "C"}
KIND_OF = {v: k for k, v in PREFIX.items()}
VALID_DAYS = 30


def new_code(kind: str) -> str:
    """A fresh code: the kind's letter and 128 random bits (23 characters)."""
    return PREFIX[kind] + secrets.token_urlsafe(16)


def kind_of(payload: str) -> str | None:
    """What a /start payload would open, or None for anything that is no invitation."""
    if not PAYLOAD.match(payload):
        return None
    return KIND_OF.get(payload[0])


def link(username: str, code: str) -> str:
    return f"https://t.me/{username}?start={code}"


def qr_svg_data(text: str) -> str:
    """The link as a QR code in a data: URL (SVG), for an <img> on the dashboard."""
    return segno.make(text, error="m").svg_data_uri(scale=6, border=4)


def qr_png(text: str, scale: int = 8) -> bytes:
    """The link as a QR code image (PNG) to show on a phone or print."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
