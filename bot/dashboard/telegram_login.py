"""Logging in with Telegram's LoginUrl button, where the dashboard has a public https domain.

Telegram opens the button's URL with the person's id, ``auth_date`` and a ``hash``: an
HMAC-SHA256 of the other fields (sorted ``key=value`` lines) with SHA-256 of the bot's
token as the key (https://core.telegram.org/widgets/login#checking-authorization). Only
Telegram and the bot know the token, so a valid hash proves who opened it. The data is
accepted within 10 minutes of ``auth_date`` and only once (its hash is kept as a used
login link), like the plain link the bot sends beside the button.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

MAX_AGE = 600  # seconds, as the plain login link


def verified_id(fields: Mapping[str, str], bot_token: str, now: float) -> int | None:
    """The Telegram id in Telegram's login data, or None when it is forged, altered or old."""
    given = fields.get("hash", "")
    data = {k: v for k, v in fields.items() if k != "hash"}
    if not given or "id" not in data or "auth_date" not in data or len(given) != 64:
        return None
    check = "\n".join(f"{k}={data[k]}" for k in sorted(data))
    key = hashlib.sha256(bot_token.encode()).digest()
    expected = hmac.new(key, check.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given):
        return None
    try:
        telegram_id, signed_at = int(data["id"]), int(data["auth_date"])
    except ValueError:
        return None
    if not 0 <= now - signed_at <= MAX_AGE:
        return None
    return telegram_id
