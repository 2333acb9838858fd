"""Buddies in the database: roles, invitations, pairings, and what passes between them.

Every write that promises a message to the other side (a prompt, an answer, a reaction, a
notice) inserts the message and its outbox row in one transaction: a crash leaves both or
neither, so nothing promised is lost. Codes are stored as SHA-256 hashes only.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.store.models import (
    BuddyEvent,
    BuddyMessage,
    Invitation,
    OutboxMessage,
    Pairing,
    PersonRole,
    utcnow,
)

OUTBOX_KIND = "maatje"
STAFF_KINDS = ("maatje", "coordinator")  # invitations that staff make (bot/buddy/invitations.py)
# A message to the other side is tried for this long (the outbox retries until then).
DELIVERY_DEADLINE = timedelta(days=3)


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


@dataclass(frozen=True)
class InvitationInfo:
    id: int
    kind: str
    place: str | None
    buddy_id: int | None


@dataclass(frozen=True)
class PairingInfo:
    id: int
    buddy_id: int
    learner_id: int
    buddy_name: str
    learner_name: str
    place: str | None
    status: str
    practice_ok: bool
    progress_ok: bool
    paused_until: datetime | None


@dataclass(frozen=True)
class MessageInfo:
    id: int
    pairing_id: int | None
    kind: str
    sender_id: int | None
    recipient_id: int
    prompt_id: int | None
    status: str
    body: dict[str, Any]
    created_at: datetime
    sent_at: datetime | None


_PAIRING_COLUMNS = (
    Pairing.id, Pairing.buddy_id, Pairing.learner_id, Pairing.buddy_name, Pairing.learner_name,
    Pairing.place, Pairing.status, Pairing.practice_ok, Pairing.progress_ok, Pairing.paused_until,
)  # fmt: skip
_MESSAGE_COLUMNS = (
    BuddyMessage.id, BuddyMessage.pairing_id, BuddyMessage.kind, BuddyMessage.sender_id,
    BuddyMessage.recipient_id, BuddyMessage.prompt_id, BuddyMessage.status, BuddyMessage.body,
    BuddyMessage.created_at, BuddyMessage.sent_at,
)  # fmt: skip


def _pairing(row: Any) -> PairingInfo:
    return PairingInfo(
        row.id, row.buddy_id, row.learner_id, row.buddy_name or "", row.learner_name or "",
        row.place, row.status, bool(row.practice_ok), bool(row.progress_ok), row.paused_until,
    )  # fmt: skip


def _message(row: Any) -> MessageInfo:
    body = json.loads(row.body) if row.body else {}
    return MessageInfo(*row[:7], body, row.created_at, row.sent_at)


class Buddies:
    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    # Roles ---------------------------------------------------------------------------

    def add_role(
        self, telegram_id: int, role: str, place: str | None, name: str | None = None
    ) -> None:
        with self._sessions.begin() as session:
            session.execute(
                delete(PersonRole).where(
                    PersonRole.telegram_id == telegram_id, PersonRole.role == role
                )
            )
            session.execute(
                insert(PersonRole).values(
                    telegram_id=telegram_id,
                    role=role,
                    place=place,
                    name=(name or "")[:32] or None,
                    created_at=utcnow(),
                )
            )

    def buddy(self, telegram_id: int) -> tuple[str | None, str] | None:
        """(place, first name) of this buddy; None when this person is no buddy."""
        query = select(PersonRole.place, PersonRole.name).where(
            PersonRole.telegram_id == telegram_id, PersonRole.role == "buddy"
        )
        with self._sessions() as session:
            row = session.execute(query).first()
        return None if row is None else (row.place, row.name or "")

    def react_once(self, answer_id: int, buddy_id: int, now: datetime) -> MessageInfo | None:
        """The buddy's one reaction to an answer (a second press changes nothing)."""
        mine = and_(
            BuddyMessage.id == answer_id,
            BuddyMessage.recipient_id == buddy_id,
            BuddyMessage.kind == "antwoord",
            BuddyMessage.answered_at.is_(None),
        )
        return self._mark_once(answer_id, mine, answered_at=now)

    def _mark_once(self, message_id: int, where: Any, **values: Any) -> MessageInfo | None:
        """Change a message only where ``where`` holds; the changed message, or None when
        it did not (done before: a double press; or not this person's)."""
        with self._sessions.begin() as session:
            changed = session.execute(update(BuddyMessage).where(where).values(**values)).rowcount
            if not changed:
                return None
            row = session.execute(
                select(*_MESSAGE_COLUMNS).where(BuddyMessage.id == message_id)
            ).one()
        return _message(row)

    # Invitations ---------------------------------------------------------------------

    def add_invitations(
        self, codes: list[str], kind: str, place: str | None, expires_at: datetime,
        buddy_id: int | None = None,
    ) -> None:  # fmt: skip
        now = utcnow()
        rows = [
            {"code_hash": code_hash(c), "kind": kind, "place": place, "buddy_id": buddy_id,
             "created_at": now, "expires_at": expires_at}
            for c in codes
        ]  # fmt: skip
        with self._sessions.begin() as session:
            session.execute(insert(Invitation), rows)

    def open_invitation(self, code: str, telegram_id: int, now: datetime) -> InvitationInfo | None:
        """Hold an unused, unexpired invitation for this person (single use: a second person
        gets None); the same person opening it again gets it again."""
        hashed = code_hash(code)
        usable = and_(
            Invitation.code_hash == hashed,
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
            or_(Invitation.used_at.is_(None), Invitation.used_by == telegram_id),
        )
        with self._sessions.begin() as session:
            changed = session.execute(
                update(Invitation).where(usable).values(used_at=now, used_by=telegram_id)
            ).rowcount
            if not changed:
                return None
            row = session.execute(
                select(Invitation.id, Invitation.kind, Invitation.place, Invitation.buddy_id)
                .where(Invitation.code_hash == hashed)
            ).one()  # fmt: skip
        return InvitationInfo(*row)

    def held_invitation(self, invitation_id: int, telegram_id: int) -> InvitationInfo | None:
        """The invitation this person opened (None for anyone else's, or a made-up id)."""
        query = select(Invitation.id, Invitation.kind, Invitation.place, Invitation.buddy_id).where(
            Invitation.id == invitation_id,
            Invitation.used_by == telegram_id,
            Invitation.revoked_at.is_(None),
        )
        with self._sessions() as session:
            row = session.execute(query).first()
        return InvitationInfo(*row) if row else None

    def invitations(
        self, places: list[str], kinds: tuple[str, ...] = STAFF_KINDS, limit: int = 200
    ) -> list[dict[str, Any]]:
        """The newest invitations of these places and kinds made by staff (not buddies'
        learner invitations): kind, place, dates, status; never who used them."""
        kinds = tuple(k for k in kinds if k in STAFF_KINDS)
        query = (
            select(Invitation.id, Invitation.kind, Invitation.place, Invitation.created_at,
                   Invitation.expires_at, Invitation.used_at, Invitation.revoked_at)
            .where(Invitation.place.in_(places), Invitation.kind.in_(kinds))
            .order_by(Invitation.id.desc())
            .limit(limit)
        )  # fmt: skip
        with self._sessions() as session:
            return [dict(row._mapping) for row in session.execute(query)]

    def revoke(
        self, invitation_id: int, places: list[str], now: datetime,
        kinds: tuple[str, ...] = STAFF_KINDS,
    ) -> bool:  # fmt: skip
        """Revoke an open invitation of one of these places and kinds (False for any
        other, and for one that was used or revoked before)."""
        kinds = tuple(k for k in kinds if k in STAFF_KINDS)
        with self._sessions.begin() as session:
            changed = session.execute(
                update(Invitation)
                .where(Invitation.id == invitation_id, Invitation.place.in_(places),
                       Invitation.kind.in_(kinds), Invitation.used_at.is_(None),
                       Invitation.revoked_at.is_(None))
                .values(revoked_at=now)
            ).rowcount  # fmt: skip
        return bool(changed)

    def release_invitation(self, invitation_id: int, telegram_id: int) -> None:
        """A "no": the invitation may be opened again later."""
        with self._sessions.begin() as session:
            session.execute(
                update(Invitation)
                .where(Invitation.id == invitation_id, Invitation.used_by == telegram_id)
                .values(used_at=None, used_by=None)
            )

    # Pairings ------------------------------------------------------------------------

    def pairings_of_buddy(self, buddy_id: int, status: str = "active") -> list[PairingInfo]:
        query = select(*_PAIRING_COLUMNS).where(
            Pairing.buddy_id == buddy_id, Pairing.status == status
        )
        with self._sessions() as session:
            return [_pairing(r) for r in session.execute(query.order_by(Pairing.id))]

    def pairing_of_learner(self, learner_id: int, status: str = "active") -> PairingInfo | None:
        query = select(*_PAIRING_COLUMNS).where(
            Pairing.learner_id == learner_id, Pairing.status == status
        )
        with self._sessions() as session:
            row = session.execute(query.order_by(Pairing.id.desc())).first()
        return _pairing(row) if row else None

    def pairing(self, pairing_id: int) -> PairingInfo | None:
        with self._sessions() as session:
            row = session.execute(select(*_PAIRING_COLUMNS).where(Pairing.id == pairing_id)).first()
        return _pairing(row) if row else None

    def ask_pairing(
        self, buddy_id: int, learner_id: int, buddy_name: str, learner_name: str,
        place: str | None,
    ) -> int:  # fmt: skip
        """A pairing that waits for the learner's yes (an earlier unanswered ask is replaced)."""
        with self._sessions.begin() as session:
            session.execute(
                delete(Pairing).where(Pairing.learner_id == learner_id, Pairing.status == "asked")
            )
            return int(
                session.execute(
                    insert(Pairing).values(
                        buddy_id=buddy_id, learner_id=learner_id, buddy_name=buddy_name[:32],
                        learner_name=learner_name[:32], place=place, status="asked",
                        practice_ok=False, progress_ok=False, started_at=utcnow(),
                    )
                ).inserted_primary_key[0]
            )  # fmt: skip

    def set_consent(self, pairing_id: int, **values: bool) -> None:
        with self._sessions.begin() as session:
            session.execute(update(Pairing).where(Pairing.id == pairing_id).values(**values))

    def activate(self, pairing_id: int, learner_id: int, invitation_id: int | None) -> bool:
        """The learner said yes: the pairing starts (the invitation stays used)."""
        with self._sessions.begin() as session:
            changed = session.execute(
                update(Pairing)
                .where(
                    Pairing.id == pairing_id,
                    Pairing.learner_id == learner_id,
                    Pairing.status == "asked",
                )
                .values(status="active", practice_ok=True, started_at=utcnow())
            ).rowcount
        return bool(changed)

    def drop_asked(self, pairing_id: int, learner_id: int) -> None:
        with self._sessions.begin() as session:
            session.execute(
                delete(Pairing).where(
                    Pairing.id == pairing_id,
                    Pairing.learner_id == learner_id,
                    Pairing.status == "asked",
                )
            )

    def end(self, pairing_id: int, now: datetime) -> bool:
        """End a pairing: names go, prompts not yet delivered go; True if it was active."""
        with self._sessions.begin() as session:
            changed = session.execute(
                update(Pairing)
                .where(Pairing.id == pairing_id, Pairing.status.in_(("active", "asked")))
                .values(status="ended", ended_at=now, buddy_name=None, learner_name=None)
            ).rowcount
            self._drop_undelivered(session, BuddyMessage.pairing_id == pairing_id)
        return bool(changed)

    def pause(self, pairing_id: int, until: datetime) -> None:
        with self._sessions.begin() as session:
            session.execute(
                update(Pairing).where(Pairing.id == pairing_id).values(paused_until=until)
            )

    # Messages ------------------------------------------------------------------------

    def draft_of(self, buddy_id: int) -> MessageInfo | None:
        query = select(*_MESSAGE_COLUMNS).where(
            BuddyMessage.sender_id == buddy_id, BuddyMessage.status == "concept"
        )
        with self._sessions() as session:
            row = session.execute(query.order_by(BuddyMessage.id.desc())).first()
        return _message(row) if row else None

    def start_draft(self, pairing: PairingInfo, body: dict[str, Any]) -> int:
        """A new prompt being written (an older unfinished one is dropped)."""
        with self._sessions.begin() as session:
            session.execute(
                delete(BuddyMessage).where(
                    BuddyMessage.sender_id == pairing.buddy_id, BuddyMessage.status == "concept"
                )
            )
            return int(
                session.execute(
                    insert(BuddyMessage).values(
                        pairing_id=pairing.id, kind="vraag", sender_id=pairing.buddy_id,
                        recipient_id=pairing.learner_id, status="concept", body=_json(body),
                        created_at=utcnow(),
                    )
                ).inserted_primary_key[0]
            )  # fmt: skip

    def update_draft(self, message_id: int, body: dict[str, Any]) -> None:
        with self._sessions.begin() as session:
            session.execute(
                update(BuddyMessage)
                .where(BuddyMessage.id == message_id, BuddyMessage.status == "concept")
                .values(body=_json(body))
            )

    def drop_draft(self, buddy_id: int) -> None:
        with self._sessions.begin() as session:
            session.execute(
                delete(BuddyMessage).where(
                    BuddyMessage.sender_id == buddy_id, BuddyMessage.status == "concept"
                )
            )

    def queue_draft(self, message_id: int, now: datetime) -> bool:
        """The prompt goes into the outbox, in the same transaction."""
        with self._sessions.begin() as session:
            row = session.execute(
                select(BuddyMessage.recipient_id).where(
                    BuddyMessage.id == message_id, BuddyMessage.status == "concept"
                )
            ).first()
            if row is None:
                return False
            session.execute(
                update(BuddyMessage)
                .where(BuddyMessage.id == message_id)
                .values(status="wacht", created_at=now)
            )
            _enqueue(session, message_id, row.recipient_id, now)
        return True

    def send(
        self, kind: str, recipient_id: int, body: dict[str, Any], now: datetime, *,
        pairing_id: int | None = None, sender_id: int | None = None,
        prompt_id: int | None = None,
    ) -> int:  # fmt: skip
        """A message to the other side (answer, reaction, notice), queued in the outbox."""
        with self._sessions.begin() as session:
            message_id = int(
                session.execute(
                    insert(BuddyMessage).values(
                        pairing_id=pairing_id, kind=kind, sender_id=sender_id,
                        recipient_id=recipient_id, prompt_id=prompt_id, status="wacht",
                        body=_json(body), created_at=now,
                    )
                ).inserted_primary_key[0]
            )  # fmt: skip
            _enqueue(session, message_id, recipient_id, now)
        return message_id

    def message(self, message_id: int) -> MessageInfo | None:
        with self._sessions() as session:
            row = session.execute(
                select(*_MESSAGE_COLUMNS).where(BuddyMessage.id == message_id)
            ).first()
        return _message(row) if row else None

    def delivered(self, message_id: int, now: datetime) -> None:
        with self._sessions.begin() as session:
            session.execute(
                update(BuddyMessage)
                .where(BuddyMessage.id == message_id, BuddyMessage.status == "wacht")
                .values(status="verstuurd", sent_at=now)
            )
            session.execute(
                update(BuddyMessage)
                .where(BuddyMessage.id == message_id, BuddyMessage.sent_at.is_(None))
                .values(sent_at=now)
            )

    def answered(self, prompt_id: int, learner_id: int, now: datetime) -> MessageInfo | None:
        """Mark a delivered prompt answered, once; None when it was answered before (a
        double press) or is not this learner's."""
        mine = and_(
            BuddyMessage.id == prompt_id,
            BuddyMessage.recipient_id == learner_id,
            BuddyMessage.kind == "vraag",
            # "wacht": answered in the moment between Telegram taking it and the outbox
            # marking it sent
            BuddyMessage.status.in_(("wacht", "verstuurd")),
        )
        return self._mark_once(
            prompt_id, mine, status="beantwoord", answered_at=now,
            sent_at=func.coalesce(BuddyMessage.sent_at, now),
        )  # fmt: skip

    def prompts_since(self, learner_id: int, since: datetime) -> int:
        """Prompts to this learner queued or delivered since ``since`` (the daily limit)."""
        query = select(func.count()).where(
            BuddyMessage.recipient_id == learner_id,
            BuddyMessage.kind == "vraag",
            BuddyMessage.status != "concept",
            BuddyMessage.created_at >= since,
        )
        with self._sessions() as session:
            return int(session.scalar(query) or 0)

    def progress_counts(self, learner_id: int, since: datetime) -> tuple[int, int]:
        """(prompts delivered, prompts answered) to this learner since ``since``."""
        query = select(BuddyMessage.status, func.count()).where(
            BuddyMessage.recipient_id == learner_id,
            BuddyMessage.kind == "vraag",
            BuddyMessage.status.in_(("verstuurd", "beantwoord")),
            BuddyMessage.created_at >= since,
        )
        with self._sessions() as session:
            counts = dict(session.execute(query.group_by(BuddyMessage.status)).all())
        answered = int(counts.get("beantwoord", 0))
        return answered + int(counts.get("verstuurd", 0)), answered

    # Statistics and erasure -----------------------------------------------------------

    def record(self, kind: str, place: str | None, seconds: float | None = None) -> None:
        with self._sessions.begin() as session:
            session.execute(
                insert(BuddyEvent).values(
                    kind=kind, place=place, seconds=seconds, created_at=utcnow()
                )
            )

    def per_place(self) -> list[tuple[str, int, int, int]]:
        """(place, active pairings, prompts delivered, answers) for every place with any:
        counted in SQL, from the pairings and the statistics (no text, no person)."""
        pairs = select(Pairing.place, func.count()).where(Pairing.status == "active")
        events = select(BuddyEvent.place, BuddyEvent.kind, func.count()).where(
            BuddyEvent.kind.in_(("vraag_verstuurd", "antwoord"))
        )
        with self._sessions() as session:
            active = dict(session.execute(pairs.group_by(Pairing.place)).all())
            counted = session.execute(events.group_by(BuddyEvent.place, BuddyEvent.kind)).all()
        places = {p for p in active if p} | {p for p, _, _ in counted if p}
        by = {(p, k): int(n) for p, k, n in counted}
        return [
            (
                p,
                int(active.get(p, 0)),
                by.get((p, "vraag_verstuurd"), 0),
                by.get((p, "antwoord"), 0),
            )
            for p in sorted(places)
        ]

    def event_counts(self) -> dict[str, int]:
        query = select(BuddyEvent.kind, func.count()).group_by(BuddyEvent.kind)
        with self._sessions() as session:
            return {kind: int(count) for kind, count in session.execute(query)}

    def erase(self, telegram_id: int, now: datetime) -> list[PairingInfo]:
        """ "Vergeet mij": this person's roles, drafts and undelivered messages go, their
        pairings end; returns the pairings that were active (to tell the other side)."""
        mine = or_(Pairing.buddy_id == telegram_id, Pairing.learner_id == telegram_id)
        with self._sessions.begin() as session:
            active = [
                _pairing(r)
                for r in session.execute(
                    select(*_PAIRING_COLUMNS).where(mine, Pairing.status == "active")
                )
            ]
            session.execute(
                update(Pairing)
                .where(mine, Pairing.status.in_(("active", "asked")))
                .values(status="ended", ended_at=now, buddy_name=None, learner_name=None)
            )
            session.execute(delete(PersonRole).where(PersonRole.telegram_id == telegram_id))
            session.execute(
                update(Invitation)
                .where(Invitation.used_by == telegram_id)
                .values(used_by=None)
            )  # fmt: skip
            theirs = or_(
                BuddyMessage.sender_id == telegram_id, BuddyMessage.recipient_id == telegram_id
            )
            session.execute(delete(BuddyMessage).where(theirs, BuddyMessage.status != "wacht"))
            self._drop_undelivered(session, theirs)
        return active

    @staticmethod
    def _drop_undelivered(session: Session, where: Any) -> None:
        """Messages not yet delivered, with their outbox rows (nothing goes out any more)."""
        undelivered = BuddyMessage.status.in_(("concept", "wacht"))
        pending = select(BuddyMessage.id).where(where, undelivered)
        ids = [r.id for r in session.execute(pending)]
        if not ids:
            return
        session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.kind == OUTBOX_KIND,
                OutboxMessage.ref.in_(ids),
                OutboxMessage.status == "pending",
            )
        )
        session.execute(delete(BuddyMessage).where(BuddyMessage.id.in_(ids)))


def _enqueue(session: Session, message_id: int, chat_id: int, now: datetime) -> None:
    # A row left by a deleted message ("vergeet mij", the retention job) whose id SQLite
    # hands out again would break the outbox's unique (kind, ref): it has no work left.
    session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.kind == OUTBOX_KIND, OutboxMessage.ref == message_id
        )
    )
    session.execute(
        insert(OutboxMessage).values(
            kind=OUTBOX_KIND, ref=message_id, chat_id=chat_id, status="pending", parts_sent=0,
            attempts=0, next_try_at=now, deadline=now + DELIVERY_DEADLINE, created_at=now,
        )
    )  # fmt: skip


def _json(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))
