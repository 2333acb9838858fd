"""Appointments at a taalhuis location, their slot capacity, and their reminders.

Concurrency (why bookings never exceed a slot's capacity, on SQLite and PostgreSQL):

* A place is taken with one conditional ``UPDATE appointment_slots SET booked = booked + 1
  WHERE ... AND booked < :capacity`` in the same transaction as the appointment's insert; a
  rowcount of 0 means full, and the transaction is rolled back. PostgreSQL holds the row lock
  until commit and evaluates the WHERE again on the newest row version (READ COMMITTED), so
  of two requests for the last place exactly one matches; SQLite lets one writer at a time.
* Each changing transaction is serialised per learner, so "at most one upcoming appointment"
  (a read followed by a write) cannot be beaten by a double tap: on PostgreSQL with a
  transaction-scoped advisory lock on the learner, on SQLite by opening the transaction with
  ``BEGIN IMMEDIATE`` (the write lock up front; a deferred transaction that reads first
  would fail with "database is locked" instead of waiting when another writer got in between).
* Slot rows are changed in key order (a move frees one and takes another), so two learners
  swapping slots cannot deadlock on PostgreSQL.
* A reminder is claimed with ``UPDATE ... WHERE sent_at IS NULL`` before it is sent: only the
  first worker gets rowcount 1, across processes and restarts (at most once, never twice).

All datetimes here are naive UTC, like the rest of the store; aware ones are converted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from sqlalchemy import and_, delete, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import Select

from bot.store.models import (
    APPOINTMENT_REASONS,
    Appointment,
    AppointmentSlot,
    Reminder,
    utcnow,
)
from bot.taalhuis.reminders import reminder_time

_appointments = Appointment.__table__
_slots = AppointmentSlot.__table__
_reminders = Reminder.__table__


@dataclass(frozen=True)
class AppointmentInfo:
    """A booked (or cancelled) appointment; ``starts_at`` is naive UTC."""

    id: int
    telegram_id: int
    location_id: str
    starts_at: datetime
    reason: str
    phone: str | None
    status: str

    @property
    def ref(self) -> str:
        return appointment_ref(self.id)


@dataclass(frozen=True)
class Booking:
    """The appointment as stored, and when its reminder is due (naive UTC), if any."""

    appointment: AppointmentInfo
    reminder_due_at: datetime | None


@dataclass(frozen=True)
class Full:
    """No place left in the slot."""

    location_id: str
    starts_at: datetime


@dataclass(frozen=True)
class AlreadyBooked:
    """The learner already has an upcoming appointment: offer to move (or cancel) it."""

    existing: AppointmentInfo


@dataclass(frozen=True)
class DayEntry:
    """One line of the coordinator's day list: no name, no Telegram id.

    ``ref`` is the appointment number the learner also gets in the confirmation and in the
    calendar file, so the desk can match the person who walks in without the list saying who
    they are. ``phone`` is there only when the learner shared it to be called back.
    """

    ref: str
    location_id: str
    starts_at_local: datetime
    reason: str
    phone: str | None


@dataclass(frozen=True)
class DueReminder:
    """A reminder to send now, with what its message needs."""

    id: int
    appointment_id: int
    telegram_id: int
    location_id: str
    starts_at: datetime
    reason: str
    due_at: datetime


class _Abort(Exception):
    """Raised inside a transaction to roll it back and report ``result``."""

    def __init__(self, result: object) -> None:
        super().__init__()
        self.result = result


def appointment_ref(appointment_id: int) -> str:
    """The short, spoken-friendly appointment number (digits are easiest to read)."""
    return f"{appointment_id:04d}"


def _unsent_reminders(now: datetime) -> Select:
    """Unsent reminders of appointments still booked and ahead of ``now`` (naive UTC), with
    what a reminder's message needs (the columns of DueReminder)."""
    return (
        select(
            _reminders.c.id, _reminders.c.appointment_id, _reminders.c.telegram_id,
            _appointments.c.location_id, _appointments.c.starts_at, _appointments.c.reason,
            _reminders.c.due_at,
        )
        .join(_appointments, _appointments.c.id == _reminders.c.appointment_id)
        .where(
            _reminders.c.sent_at.is_(None), _appointments.c.status == "booked",
            _appointments.c.starts_at > now,
        )
    )  # fmt: skip


def to_utc_naive(moment: datetime) -> datetime:
    """The store's form of a moment: naive UTC (naive input is taken as UTC already)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


_COLUMNS = (
    _appointments.c.id, _appointments.c.telegram_id, _appointments.c.location_id,
    _appointments.c.starts_at, _appointments.c.reason, _appointments.c.phone,
    _appointments.c.status,
)  # fmt: skip


class Appointments:
    """Booking, moving and cancelling appointments; the reminders that go with them."""

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    # --- booking --------------------------------------------------------------------------

    def book(
        self,
        telegram_id: int,
        location_id: str,
        starts_at: datetime,
        reason: str,
        capacity: int,
        phone: str | None = None,
        remind: bool = False,
        remind_at: datetime | None = None,
        *,
        now: datetime | None = None,
    ) -> Booking | Full | AlreadyBooked:
        """Take a place in the slot, if there is one and the learner has no upcoming one.

        With ``remind``, a reminder is stored for ``remind_at`` or, without it, for the time
        ``bot.taalhuis.reminders.reminder_time`` picks (none when no sensible time is left).
        """
        if reason not in APPOINTMENT_REASONS:
            raise ValueError(f"unknown reason {reason!r}")
        start = to_utc_naive(starts_at)
        current = to_utc_naive(now) if now is not None else utcnow()
        try:
            with self._transaction(telegram_id) as session:
                existing = self._upcoming(session, telegram_id, current)
                if existing is not None:
                    return AlreadyBooked(existing)
                self._change_slots(session, take=(location_id, start), capacity=capacity)
                stamp = utcnow()
                result = session.execute(
                    insert(_appointments).values(
                        telegram_id=telegram_id, location_id=location_id, starts_at=start,
                        reason=reason, phone=phone, status="booked",
                        created_at=stamp, updated_at=stamp,
                    )
                )  # fmt: skip
                appointment_id = int(result.inserted_primary_key[0])
                due = None
                if remind:
                    due = self._add_reminder(
                        session, appointment_id, telegram_id, start, remind_at, current
                    )
        except _Abort as aborted:
            assert isinstance(aborted.result, Full)
            return aborted.result
        info = AppointmentInfo(
            appointment_id, telegram_id, location_id, start, reason, phone, "booked"
        )
        return Booking(info, due)

    def free_places(
        self, location_id: str, starts_at_list: Sequence[datetime], capacity: int
    ) -> dict[datetime, int]:
        """Places left per slot, keyed by the datetimes as given."""
        keys = {to_utc_naive(moment): moment for moment in starts_at_list}
        query = select(_slots.c.starts_at, _slots.c.booked).where(
            _slots.c.location_id == location_id, _slots.c.starts_at.in_(list(keys))
        )
        with self._sessions() as session:
            booked = dict(session.execute(query).all()) if keys else {}
        return {given: max(0, capacity - booked.get(key, 0)) for key, given in keys.items()}

    def active(self, telegram_id: int, now: datetime) -> AppointmentInfo | None:
        """The learner's next upcoming booked appointment."""
        with self._sessions() as session:
            return self._upcoming(session, telegram_id, to_utc_naive(now))

    def booked(self, telegram_id: int, appointment_id: int) -> AppointmentInfo | None:
        """The learner's own booked appointment with this id (for its calendar file)."""
        with self._sessions() as session:
            row = self._booked(session, telegram_id, appointment_id)
        return AppointmentInfo(*row) if row else None

    def cancel(self, telegram_id: int, appointment_id: int) -> bool:
        """Cancel the learner's booked appointment: its place is freed, its unsent reminder
        deleted. False when it was not theirs or not booked (e.g. a second tap)."""
        with self._transaction(telegram_id) as session:
            row = self._booked(session, telegram_id, appointment_id)
            if row is None:
                return False
            session.execute(
                update(_appointments)
                .where(_appointments.c.id == appointment_id)
                .values(status="cancelled", updated_at=utcnow())
            )
            self._change_slots(session, free=(row.location_id, row.starts_at))
            session.execute(
                delete(_reminders).where(
                    _reminders.c.appointment_id == appointment_id, _reminders.c.sent_at.is_(None)
                )
            )
            return True

    def move(
        self,
        telegram_id: int,
        appointment_id: int,
        new_starts_at: datetime,
        capacity: int,
        *,
        remind_at: datetime | None = None,
        now: datetime | None = None,
    ) -> Booking | Full | None:
        """Move an upcoming appointment to another start at the same location, atomically:
        the new place is taken and the old one freed in one transaction, or nothing changes.

        A reminder is planned again for the new time when the appointment had one. None when
        the appointment is not the learner's booked, upcoming one (cancelled meanwhile).
        """
        new_start = to_utc_naive(new_starts_at)
        current = to_utc_naive(now) if now is not None else utcnow()
        try:
            with self._transaction(telegram_id) as session:
                row = self._booked(session, telegram_id, appointment_id)
                if row is None or row.starts_at <= current:
                    return None
                old = AppointmentInfo(*row)
                if row.starts_at == new_start:
                    return Booking(old, self._reminder_due(session, appointment_id))
                self._change_slots(
                    session,
                    take=(row.location_id, new_start),
                    free=(row.location_id, row.starts_at),
                    capacity=capacity,
                )
                session.execute(
                    update(_appointments)
                    .where(_appointments.c.id == appointment_id)
                    .values(starts_at=new_start, updated_at=utcnow())
                )
                had_reminder = session.execute(
                    delete(_reminders).where(_reminders.c.appointment_id == appointment_id)
                ).rowcount
                due = None
                if had_reminder:
                    due = self._add_reminder(
                        session, appointment_id, telegram_id, new_start, remind_at, current
                    )
        except _Abort as aborted:
            assert isinstance(aborted.result, Full)
            return aborted.result
        moved = AppointmentInfo(
            old.id, telegram_id, old.location_id, new_start, old.reason, old.phone, "booked"
        )
        return Booking(moved, due)

    # --- the coordinator's list -----------------------------------------------------------

    def on_day(self, day: date, tz: tzinfo, places: list[str] | None = None) -> list[DayEntry]:
        """Booked appointments on a local calendar day (23 or 25 hours long around a DST
        change), in start order then location; only ``places`` when given (the desk's day
        on the dashboard shows a place's coordinators their own place only)."""
        start = to_utc_naive(datetime.combine(day, time(0), tzinfo=tz))
        end = to_utc_naive(datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz))
        table = _appointments
        query = (
            select(table.c.id, table.c.location_id, table.c.starts_at, table.c.reason,
                   table.c.phone)
            .where(table.c.status == "booked", table.c.starts_at >= start,
                   table.c.starts_at < end)
            .order_by(table.c.starts_at, table.c.location_id, table.c.id)
        )  # fmt: skip
        if places is not None:
            query = query.where(table.c.location_id.in_(places))
        with self._sessions() as session:
            rows = session.execute(query).all()
        return [
            DayEntry(
                appointment_ref(row.id),
                row.location_id,
                row.starts_at.replace(tzinfo=timezone.utc).astimezone(tz),
                row.reason,
                row.phone,
            )
            for row in rows
        ]

    # --- reminders ------------------------------------------------------------------------

    def due_reminders(self, now: datetime) -> list[DueReminder]:
        """Unsent reminders whose time has come, for appointments still booked and ahead
        (after downtime, a reminder for an appointment that has passed is not sent)."""
        query = (
            _unsent_reminders(to_utc_naive(now))
            .where(_reminders.c.due_at <= to_utc_naive(now))
            .order_by(_reminders.c.due_at, _reminders.c.id)
        )
        with self._sessions() as session:
            return [DueReminder(*row) for row in session.execute(query)]

    def pending_reminder(self, reminder_id: int, now: datetime) -> DueReminder | None:
        """This reminder, if it is still to be sent: unsent, its appointment booked and
        ahead (the outbox asks just before sending; a cancelled one is not sent)."""
        query = _unsent_reminders(to_utc_naive(now)).where(_reminders.c.id == reminder_id)
        with self._sessions() as session:
            row = session.execute(query).first()
        return DueReminder(*row) if row else None

    def mark_sent(self, reminder_id: int, now: datetime | None = None) -> bool:
        """Claim a reminder for sending: True only for the first caller, ever.

        Call it before sending; a worker that gets False must not send.
        """
        sent_at = to_utc_naive(now) if now is not None else utcnow()
        with self._sessions.begin() as session:
            result = session.execute(
                update(_reminders)
                .where(_reminders.c.id == reminder_id, _reminders.c.sent_at.is_(None))
                .values(sent_at=sent_at)
            )
            return result.rowcount == 1

    # --- privacy --------------------------------------------------------------------------

    def erase(self, telegram_id: int) -> int:
        """Delete the learner's appointments and reminders, freeing the places still booked;
        returns how many appointments were deleted."""
        with self._transaction(telegram_id) as session:
            booked = session.execute(
                select(_appointments.c.location_id, _appointments.c.starts_at).where(
                    _appointments.c.telegram_id == telegram_id,
                    _appointments.c.status == "booked",
                )
            ).all()
            for location_id, starts_at in sorted(tuple(row) for row in booked):
                self._change_slots(session, free=(location_id, starts_at))
            session.execute(delete(_reminders).where(_reminders.c.telegram_id == telegram_id))
            result = session.execute(
                delete(_appointments).where(_appointments.c.telegram_id == telegram_id)
            )
            return int(result.rowcount or 0)

    # --- inside a transaction -------------------------------------------------------------

    @contextmanager
    def _transaction(self, telegram_id: int) -> Iterator[Session]:
        """A write transaction serialised per learner (see the module docstring)."""
        with self._sessions.begin() as session:
            connection = session.connection()
            dialect = connection.dialect.name
            if dialect == "sqlite":
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            elif dialect == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(telegram_id)}
                )
            yield session

    def _upcoming(
        self, session: Session, telegram_id: int, now: datetime
    ) -> AppointmentInfo | None:
        query = (
            select(*_COLUMNS)
            .where(
                _appointments.c.telegram_id == telegram_id,
                _appointments.c.status == "booked",
                _appointments.c.starts_at > now,
            )
            .order_by(_appointments.c.starts_at, _appointments.c.id)
            .limit(1)
        )
        row = session.execute(query).first()
        return AppointmentInfo(*row) if row else None

    def _booked(self, session: Session, telegram_id: int, appointment_id: int) -> Row | None:
        query = select(*_COLUMNS).where(
            _appointments.c.id == appointment_id,
            _appointments.c.telegram_id == telegram_id,
            _appointments.c.status == "booked",
        )
        return session.execute(query).first()

    def _change_slots(
        self,
        session: Session,
        take: tuple[str, datetime] | None = None,
        free: tuple[str, datetime] | None = None,
        capacity: int = 0,
    ) -> None:
        """Take a place in one slot and/or free one in another, in key order; raise _Abort
        with Full when the slot to take has no place left."""
        steps: list[tuple[tuple[str, datetime], bool]] = []
        if take is not None:
            steps.append((take, True))
        if free is not None:
            steps.append((free, False))
        for (location_id, starts_at), taking in sorted(steps):
            where = and_(_slots.c.location_id == location_id, _slots.c.starts_at == starts_at)
            if taking:
                self._ensure_slot(session, location_id, starts_at)
                result = session.execute(
                    update(_slots)
                    .where(where, _slots.c.booked < capacity)
                    .values(booked=_slots.c.booked + 1)
                )
                if result.rowcount != 1:
                    raise _Abort(Full(location_id, starts_at))
            else:
                session.execute(
                    update(_slots)
                    .where(where, _slots.c.booked > 0)
                    .values(booked=_slots.c.booked - 1)
                )

    def _ensure_slot(self, session: Session, location_id: str, starts_at: datetime) -> None:
        """Create the slot's counter row unless it exists (no error when two create it)."""
        values = {"location_id": location_id, "starts_at": starts_at, "booked": 0}
        dialect = session.connection().dialect.name
        if dialect == "postgresql":
            session.execute(postgresql.insert(_slots).values(**values).on_conflict_do_nothing())
        elif dialect == "sqlite":
            session.execute(sqlite.insert(_slots).values(**values).on_conflict_do_nothing())
        else:  # pragma: no cover - other databases: a savepoint absorbs the duplicate
            exists = session.execute(
                select(_slots.c.booked).where(
                    _slots.c.location_id == location_id, _slots.c.starts_at == starts_at
                )
            ).first()
            if exists is None:
                from sqlalchemy.exc import IntegrityError

                try:
                    with session.begin_nested():
                        session.execute(insert(_slots).values(**values))
                except IntegrityError:
                    pass

    def _add_reminder(
        self,
        session: Session,
        appointment_id: int,
        telegram_id: int,
        starts_at: datetime,
        remind_at: datetime | None,
        now: datetime,
    ) -> datetime | None:
        if remind_at is not None:
            due: datetime | None = to_utc_naive(remind_at)
        else:
            local = reminder_time(
                starts_at.replace(tzinfo=timezone.utc), now.replace(tzinfo=timezone.utc)
            )
            due = to_utc_naive(local) if local is not None else None
        if due is None or due >= starts_at:
            return None
        session.execute(
            insert(_reminders).values(
                appointment_id=appointment_id, telegram_id=telegram_id, due_at=due,
                created_at=utcnow(),
            )
        )  # fmt: skip
        return due

    def _reminder_due(self, session: Session, appointment_id: int) -> datetime | None:
        return session.execute(
            select(_reminders.c.due_at).where(
                _reminders.c.appointment_id == appointment_id, _reminders.c.sent_at.is_(None)
            )
        ).scalar()


def _lock_key(telegram_id: int) -> int:
    """A signed 64-bit advisory-lock key for this learner's appointments (namespaced, so it
    does not collide with other users of advisory locks)."""
    digest = hashlib.blake2b(f"appointments:{telegram_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
