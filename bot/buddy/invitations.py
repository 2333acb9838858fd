"""Making invitations that staff hand out: buddy invitations (``taalmaatje maatjes
uitnodigen`` and the dashboard) and coordinator invitations (the dashboard).

Each gets a fresh code (bot/buddy/codes.py), its deep link and an expiry date; only the
codes' hashes are stored (bot/store/buddies.py), so the codes and links returned here are
the only copy: show or print them at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.buddy import codes
from bot.store.buddies import STAFF_KINDS

__all__ = ["STAFF_KINDS", "NewInvitation", "make_invitations", "state"]


@dataclass(frozen=True)
class NewInvitation:
    code: str
    link: str  # https://t.me/<bot>?start=<code>
    expires: datetime  # naive UTC, as stored


def make_invitations(
    buddies: Any, kind: str, place: str, count: int, username: str, now: datetime
) -> list[NewInvitation]:
    """``count`` single-use invitations of ``kind`` for ``place``, valid for
    ``codes.VALID_DAYS`` days from ``now`` (naive UTC); ``buddies`` is bot/store/buddies.py."""
    if kind not in STAFF_KINDS:
        raise ValueError(f"not an invitation staff make: {kind}")
    made = [codes.new_code(kind) for _ in range(count)]
    expires = now + timedelta(days=codes.VALID_DAYS)
    buddies.add_invitations(made, kind, place, expires)
    return [NewInvitation(code, codes.link(username, code), expires) for code in made]


def state(row: dict[str, Any], now: datetime) -> str:
    """An invitation's state for staff: revoked, used, expired or open (never by whom)."""
    if row["revoked_at"] is not None:
        return "revoked"
    if row["used_at"] is not None:
        return "used"
    return "expired" if row["expires_at"] <= now else "open"
