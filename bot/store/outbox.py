"""The durable outbox: what the bot sends on its own initiative, sent at least once.

A row is claimed with a lease (a conditional UPDATE, so two workers never hold it at once),
sent, and marked sent. A worker that dies between sending and marking leaves a lease that
runs out: the row is sent again (one duplicate at worst, never a loss). ``parts_sent``
counts the messages of a row already delivered, so a retry after a failure half-way goes
on where it stopped instead of repeating the first part.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.store.models import OutboxMessage, utcnow

LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    ref: int
    chat_id: int
    parts_sent: int
    attempts: int
    deadline: datetime


class Outbox:
    def __init__(self, sessions: sessionmaker, owner: str) -> None:
        self._sessions = sessions
        self.owner = owner

    def enqueue(
        self, kind: str, ref: int, chat_id: int, deadline: datetime, now: datetime | None = None
    ) -> bool:
        """Queue a message once per (kind, ref); False when it was queued before."""
        now = now or utcnow()
        try:
            with self._sessions.begin() as session:
                session.execute(
                    insert(OutboxMessage).values(
                        kind=kind, ref=ref, chat_id=chat_id, status="pending", parts_sent=0,
                        attempts=0, next_try_at=now, deadline=deadline, created_at=now,
                    )
                )  # fmt: skip
        except IntegrityError:
            return False
        return True

    def claim(self, now: datetime | None = None, limit: int = 50) -> list[Claimed]:
        """Lease the messages that are due to this worker."""
        now = now or utcnow()
        free = or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now)
        due = and_(OutboxMessage.status == "pending", OutboxMessage.next_try_at <= now, free)
        with self._sessions.begin() as session:
            rows = session.execute(
                select(
                    OutboxMessage.id, OutboxMessage.kind, OutboxMessage.ref,
                    OutboxMessage.chat_id, OutboxMessage.parts_sent, OutboxMessage.attempts,
                    OutboxMessage.deadline,
                )
                .where(due)
                .order_by(OutboxMessage.next_try_at, OutboxMessage.id)
                .limit(limit)
            ).all()  # fmt: skip
            claimed = []
            for row in rows:
                changed = session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == row.id, due)
                    .values(owner=self.owner, lease_until=now + LEASE, attempts=row.attempts + 1)
                ).rowcount
                if changed:
                    claimed.append(Claimed(*row[:5], row.attempts + 1, row.deadline))
        return claimed

    def part_sent(self, message_id: int) -> None:
        with self._sessions.begin() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id)
                .values(parts_sent=OutboxMessage.parts_sent + 1)
            )

    def sent(self, message_id: int, now: datetime | None = None) -> None:
        self._finish(message_id, status="sent", sent_at=now or utcnow())

    def failed(self, message_id: int, reason: str) -> None:
        """A permanent failure (blocked, chat not found) or past the deadline."""
        self._finish(message_id, status="failed", error=reason[:64])

    def later(self, message_id: int, reason: str, at: datetime, deadline: datetime) -> bool:
        """A transient failure: try again at ``at``, unless that is past the deadline (then
        it failed). Returns True when it will be tried again."""
        if at > deadline:
            self.failed(message_id, f"deadline after {reason}")
            return False
        with self._sessions.begin() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id)
                .values(next_try_at=at, owner=None, lease_until=None, error=reason[:64])
            )
        return True

    def counts(self) -> dict[str, int]:
        query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        with self._sessions() as session:
            return {status: count for status, count in session.execute(query)}

    def _finish(self, message_id: int, **values: object) -> None:
        with self._sessions.begin() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id)
                .values(owner=None, lease_until=None, **values)
            )
