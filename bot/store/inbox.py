"""The durable inbox: every update from Telegram is a row before it is confirmed.

A row is written (unique by update_id, with the update's raw JSON) before the poller asks
for the next batch (which confirms this one to Telegram) or before the webhook answers 200.
It is then worked on under a lease: a process that dies leaves a row that another process
(or the same one after a restart) takes over when the lease has run out. A done row keeps
only its id, kind and times: enough to refuse a second delivery of the same update_id,
nothing of what the learner wrote.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, or_, select, true, update
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from bot.store.models import InboxUpdate, utcnow

# The kinds of update the Bot API documents, in the order Telegram puts them; the first key
# of an update (besides update_id) names its kind.
KINDS = (
    "message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
    "business_message", "edited_business_message", "deleted_business_messages",
    "message_reaction", "message_reaction_count", "inline_query", "chosen_inline_result",
    "callback_query", "shipping_query", "pre_checkout_query", "purchased_paid_media", "poll",
    "poll_answer", "my_chat_member", "chat_member", "chat_join_request", "chat_boost",
    "removed_chat_boost",
)  # fmt: skip
# How long a process may hold a row before another one takes it over (renewed while busy).
LEASE = timedelta(seconds=30)

# The writes of every turn, built once and run on a plain connection: an ORM session and a
# statement built per call cost about 0.8 ms each, 0.15 ms so (issue 10: a turn may cost the
# inbox 3 ms, and these run three or four times a turn).
_ROW = InboxUpdate.update_id == bindparam("row_id")
_KNOWN = select(InboxUpdate.update_id).where(
    InboxUpdate.update_id.in_(bindparam("row_ids", expanding=True))
)
_ADD = insert(InboxUpdate)
_DONE = update(InboxUpdate).where(_ROW).values(
    status="done", raw=None, replies=None, owner=None, lease_until=None,
    done_at=bindparam("done_now"),
)  # fmt: skip
_KEEP = update(InboxUpdate).where(_ROW).values(replies=bindparam("kept_replies"))
_PART = update(InboxUpdate).where(_ROW).values(parts_sent=InboxUpdate.parts_sent + 1)


@dataclass(frozen=True)
class Waiting:
    """A row to work on: its update as Telegram sent it."""

    update_id: int
    chat_id: int | None
    kind: str
    raw: dict[str, Any]
    attempts: int
    replies: list[dict[str, Any]] | None = None  # the turn ran before: its replies
    parts_sent: int = 0  # ... of which this many went out


@dataclass(frozen=True)
class Listed:
    """A row as an operator sees it (`taalmaatje inbox`): never its content."""

    update_id: int
    kind: str
    status: str
    attempts: int
    error: str | None
    received_at: datetime


def storable_id(value: Any) -> bool:
    """An integer the database's BIGINT holds (a bool is no id, a bigger int is no id)."""
    return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63


def kind_of(raw: Mapping[str, Any]) -> str:
    for key in raw:
        if key in KINDS:
            return key
    return "unknown"


def chat_of(raw: Mapping[str, Any]) -> int | None:
    """Whose turn order the update joins: its chat, else its sender (None: neither)."""
    body = raw.get(kind_of(raw))
    if not isinstance(body, Mapping):
        return None
    message = body.get("message")
    holders = [body.get("chat"), message.get("chat") if isinstance(message, Mapping) else None]
    holders += [body.get("from"), body.get("user")]
    for holder in holders:
        if isinstance(holder, Mapping) and storable_id(holder.get("id")):
            return int(holder["id"])
    return None


def _dumped(raw: Mapping[str, Any]) -> str:
    """The update as JSON text; escaped to ASCII when it holds what UTF-8 cannot encode (a
    lone surrogate from a "\\ud83d" escape), which would fail the whole batch's write."""
    text = json.dumps(raw, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(raw, separators=(",", ":"))
    return text


class Inbox:
    def __init__(self, sessions: sessionmaker, owner: str) -> None:
        self._sessions = sessions
        self._engine = sessions.kw["bind"]
        self.owner = owner

    def add(
        self, updates: Iterable[Mapping[str, Any]], now: datetime | None = None
    ) -> list[Waiting]:
        """Write new updates, leased to this process; returns the new ones (an update_id
        seen before, even long done, is left out: it is never processed twice)."""
        now = now or utcnow()
        fresh = [dict(u) for u in updates if storable_id(u.get("update_id"))]
        if not fresh:
            return []
        ids = [u["update_id"] for u in fresh]
        with self._engine.begin() as connection:
            known = set(connection.scalars(_KNOWN, {"row_ids": ids}))
            added, values = [], []
            for raw in fresh:
                update_id = raw["update_id"]
                if update_id in known:
                    continue
                known.add(update_id)
                row = Waiting(update_id, chat_of(raw), kind_of(raw), raw, 1)
                values.append(
                    dict(
                        update_id=update_id, chat_id=row.chat_id, kind=row.kind,
                        raw=_dumped(raw),
                        status="waiting", attempts=1, owner=self.owner,
                        lease_until=now + LEASE, received_at=now,
                    )
                )  # fmt: skip
                added.append(row)
            if values:  # one statement for the batch: the poller waits for this write
                connection.execute(_ADD, values)
        return added

    def add_safely(self, updates: list[Mapping[str, Any]]) -> list[Waiting]:
        """``add``, retried one by one when a row of the batch cannot be written: another
        process wrote it first, or it holds what the database refuses. Such a row is kept
        as a bare id in quarantine, so that its batch can be confirmed and the others go
        on. A database that is away (OperationalError) raises: nothing is confirmed."""
        try:
            return self.add(updates)
        except OperationalError:
            raise
        except SQLAlchemyError:
            found: list[Waiting] = []
            for one in updates:
                try:
                    found += self.add([one])
                except IntegrityError:
                    continue  # written by another process a moment ago
                except OperationalError:
                    raise
                except SQLAlchemyError as error:
                    self._refused(one, type(error.orig or error).__name__)
            return found

    def _refused(self, raw: Mapping[str, Any], error: str) -> None:
        with self._sessions.begin() as session:
            session.execute(
                insert(InboxUpdate).values(
                    update_id=raw["update_id"], chat_id=None, kind=kind_of(raw), raw=None,
                    status="quarantine", attempts=1, error=error[:64], received_at=utcnow(),
                )
            )  # fmt: skip

    def done(self, update_id: int, now: datetime | None = None) -> None:
        """Processed and answered: forget the content, keep the id."""
        with self._engine.begin() as connection:
            connection.execute(_DONE, {"row_id": update_id, "done_now": now or utcnow()})

    def keep_replies(self, update_id: int, replies: list[dict[str, Any]]) -> None:
        """The turn ran: keep what it answers until it is sent (a restart sends the rest)."""
        kept = json.dumps(replies, ensure_ascii=False, default=str)
        with self._engine.begin() as connection:
            connection.execute(_KEEP, {"row_id": update_id, "kept_replies": kept})

    def part_sent(self, update_id: int) -> None:
        with self._engine.begin() as connection:
            connection.execute(_PART, {"row_id": update_id})

    def failed(self, update_id: int, error: str, max_attempts: int) -> bool:
        """Processing raised: back to waiting for another try, or (after ``max_attempts``)
        into quarantine. Returns True when it went into quarantine."""
        with self._sessions.begin() as session:
            attempts = session.scalar(
                select(InboxUpdate.attempts).where(InboxUpdate.update_id == update_id)
            )
            if attempts is None:
                return False
            quarantine = attempts >= max_attempts
            session.execute(
                update(InboxUpdate)
                .where(InboxUpdate.update_id == update_id)
                .values(
                    status="quarantine" if quarantine else "waiting",
                    error=error[:64], owner=None, lease_until=None,
                )
            )  # fmt: skip
        return quarantine

    def quarantine(self, update_id: int, error: str, attempts: int | None = None) -> None:
        """Set aside: at once, an update that cannot even be read (it is not tried again); or
        after its handlers failed ``attempts`` times (what the operator sees as its tries)."""
        values: dict[str, Any] = {
            "status": "quarantine", "error": error[:64], "owner": None, "lease_until": None
        }  # fmt: skip
        if attempts is not None:
            values["attempts"] = attempts
        with self._sessions.begin() as session:
            session.execute(
                update(InboxUpdate).where(InboxUpdate.update_id == update_id).values(**values)
            )

    def take_waiting(
        self, limit: int = 500, steal: bool = False, now: datetime | None = None
    ) -> list[Waiting]:
        """Lease waiting rows to this process, oldest first: those whose lease ran out (a
        process died), or at start every one (``steal``: the only process, or the poller)."""
        now = now or utcnow()
        free = or_(InboxUpdate.lease_until.is_(None), InboxUpdate.lease_until < now)
        condition = and_(InboxUpdate.status == "waiting", true() if steal else free)
        with self._sessions.begin() as session:
            rows = session.execute(
                select(
                    InboxUpdate.update_id, InboxUpdate.chat_id, InboxUpdate.kind,
                    InboxUpdate.raw, InboxUpdate.attempts, InboxUpdate.replies,
                    InboxUpdate.parts_sent,
                )
                .where(condition)
                .order_by(InboxUpdate.update_id)
                .limit(limit)
            ).all()  # fmt: skip
            taken = []
            for update_id, chat_id, kind, raw, attempts, replies, parts_sent in rows:
                # The same condition again: of two processes sweeping at once, one wins.
                changed = session.execute(
                    update(InboxUpdate)
                    .where(InboxUpdate.update_id == update_id, condition)
                    .values(
                        owner=self.owner,
                        lease_until=now + LEASE,
                        attempts=InboxUpdate.attempts + 1,
                    )
                ).rowcount
                if changed and raw:
                    kept = json.loads(replies) if replies else None
                    taken.append(
                        Waiting(
                            update_id, chat_id, kind, json.loads(raw), attempts + 1, kept,
                            parts_sent,
                        )
                    )  # fmt: skip
        return taken

    def renew(self, update_ids: Iterable[int], now: datetime | None = None) -> None:
        """Keep the lease of rows still being worked on (a slow turn, a long queue)."""
        ids = list(update_ids)
        if not ids:
            return
        now = now or utcnow()
        with self._sessions.begin() as session:
            session.execute(
                update(InboxUpdate)
                .where(InboxUpdate.update_id.in_(ids), InboxUpdate.owner == self.owner)
                .values(lease_until=now + LEASE)
            )

    def earlier_waiting(self, chat_id: int, update_id: int) -> list[int]:
        """The older updates of this chat that are still unfinished (perhaps elsewhere)."""
        query = select(InboxUpdate.update_id).where(
            InboxUpdate.chat_id == chat_id,
            InboxUpdate.update_id < update_id,
            InboxUpdate.status == "waiting",
        )
        with self._sessions() as session:
            return list(session.scalars(query))

    def last_update_id(self) -> int | None:
        with self._sessions() as session:
            return session.scalar(select(func.max(InboxUpdate.update_id)))

    def listing(self, status: str | None = None, limit: int = 200) -> list[Listed]:
        query = select(
            InboxUpdate.update_id, InboxUpdate.kind, InboxUpdate.status,
            InboxUpdate.attempts, InboxUpdate.error, InboxUpdate.received_at,
        ).order_by(InboxUpdate.update_id.desc()).limit(limit)  # fmt: skip
        if status:
            query = query.where(InboxUpdate.status == status)
        else:
            query = query.where(InboxUpdate.status != "done")
        with self._sessions() as session:
            return [Listed(*row) for row in session.execute(query)]

    def counts(self) -> dict[str, int]:
        query = select(InboxUpdate.status, func.count()).group_by(InboxUpdate.status)
        with self._sessions() as session:
            return {status: count for status, count in session.execute(query)}
