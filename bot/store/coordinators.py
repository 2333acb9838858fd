"""Coordinators (of one or more places) and admins, and their single-use login links.

A link's token is a random nonce with an HMAC signature: a forged or altered token is
refused before the database is asked, and a real one works once, for 10 minutes (only the
nonce's hash is stored).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.store.models import LoginLink, PersonRole, utcnow

LINK_MINUTES = 10


@dataclass(frozen=True)
class Coordinator:
    telegram_id: int
    places: tuple[str, ...]  # the places whose figures they see (admin: all)
    admin: bool


class Coordinators:
    def __init__(self, sessions: sessionmaker, key: bytes) -> None:
        self._sessions = sessions
        self._key = key

    def add(self, telegram_id: int, places: list[str], admin: bool = False) -> None:
        """Make (or update) a coordinator of ``places``; ``admin`` sees all places."""
        with self._sessions.begin() as session:
            session.execute(
                delete(PersonRole).where(
                    PersonRole.telegram_id == telegram_id,
                    PersonRole.role.in_(("coordinator", "admin")),
                )
            )
            session.execute(
                insert(PersonRole).values(
                    telegram_id=telegram_id, role="admin" if admin else "coordinator",
                    place=",".join(places) or None, created_at=utcnow(),
                )
            )  # fmt: skip

    def add_place(self, telegram_id: int, place: str) -> None:
        """A coordinator invitation: this place besides the ones they have (an admin
        stays an admin)."""
        current = self.get(telegram_id)
        if current is not None and current.admin:
            return
        places = [*(current.places if current else ()), place]
        self.add(telegram_id, list(dict.fromkeys(places)))

    def get(self, telegram_id: int) -> Coordinator | None:
        query = select(PersonRole.role, PersonRole.place).where(
            PersonRole.telegram_id == telegram_id,
            PersonRole.role.in_(("coordinator", "admin")),
        )
        with self._sessions() as session:
            row = session.execute(query).first()
        if row is None:
            return None
        return Coordinator(telegram_id, _places(row.place), row.role == "admin")

    def list_all(self) -> list[Coordinator]:
        """Every coordinator and admin, admins first, then by Telegram id."""
        query = select(PersonRole.telegram_id, PersonRole.role, PersonRole.place).where(
            PersonRole.role.in_(("coordinator", "admin"))
        )
        with self._sessions() as session:
            rows = session.execute(query).all()
        found = [
            Coordinator(int(row.telegram_id), _places(row.place), row.role == "admin")
            for row in rows
        ]
        return sorted(found, key=lambda c: (not c.admin, c.telegram_id))

    def set_places(self, telegram_id: int, places: list[str]) -> bool:
        """A coordinator's places from now on (an admin keeps seeing all); False for
        someone who is no coordinator or admin, or for no place at all."""
        current = self.get(telegram_id)
        if current is None or not places:
            return False
        self.add(telegram_id, list(dict.fromkeys(places)), admin=current.admin)
        return True

    def make_admin(self, telegram_id: int) -> bool:
        """A coordinator becomes an admin (all places, and the coordinators)."""
        current = self.get(telegram_id)
        if current is None:
            return False
        self.add(telegram_id, list(current.places), admin=True)
        return True

    def remove(self, telegram_id: int) -> bool:
        """No longer a coordinator or admin: their sessions end at the next page, and their
        unused login links open nothing. Other roles (a buddy) stay."""
        with self._sessions.begin() as session:
            removed = session.execute(
                delete(PersonRole).where(
                    PersonRole.telegram_id == telegram_id,
                    PersonRole.role.in_(("coordinator", "admin")),
                )
            ).rowcount
        return bool(removed)

    def new_link_token(self, telegram_id: int, now: datetime | None = None) -> str:
        now = now or utcnow()
        nonce = secrets.token_urlsafe(24)
        with self._sessions.begin() as session:
            session.execute(
                insert(LoginLink).values(
                    token_hash=_hash(nonce), telegram_id=telegram_id, created_at=now,
                    expires_at=now + timedelta(minutes=LINK_MINUTES),
                )
            )  # fmt: skip
        return f"{nonce}.{self._sign(nonce)}"

    def use_link_token(self, token: str, now: datetime | None = None) -> int | None:
        """The coordinator's Telegram id for a valid, unused, unexpired token (then used);
        None for anything else."""
        nonce, _, signature = token.partition(".")
        if not nonce or len(token) > 200 or not hmac.compare_digest(signature, self._sign(nonce)):
            return None
        now = now or utcnow()
        usable = (
            (LoginLink.token_hash == _hash(nonce))
            & LoginLink.used_at.is_(None)
            & (LoginLink.expires_at > now)
        )
        with self._sessions.begin() as session:
            row = session.execute(select(LoginLink.telegram_id).where(usable)).first()
            if row is None:
                return None
            changed = session.execute(update(LoginLink).where(usable).values(used_at=now)).rowcount
        return int(row.telegram_id) if changed else None

    def use_once(self, telegram_id: int, proof: str, now: datetime | None = None) -> bool:
        """Telegram's LoginUrl data is valid for minutes: accept each ``proof`` (its hash)
        once, kept as a used login link."""
        now = now or utcnow()
        try:
            with self._sessions.begin() as session:
                session.execute(
                    insert(LoginLink).values(
                        token_hash=_hash(f"telegram:{proof}"), telegram_id=telegram_id,
                        created_at=now, expires_at=now, used_at=now,
                    )
                )  # fmt: skip
        except IntegrityError:
            return False
        return True

    def _sign(self, nonce: str) -> str:
        return hmac.new(self._key, nonce.encode(), hashlib.sha256).hexdigest()[:32]


def login_key(secret: str) -> bytes:
    """The links' signing key, derived from the installation's secret (never stored)."""
    return hmac.new(secret.encode(), b"taalmaatje dashboard login", hashlib.sha256).digest()


def _hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def _places(stored: str | None) -> tuple[str, ...]:
    return tuple(p for p in (stored or "").split(",") if p)
