"""Retention in one place: how long each kind of stored data is kept, applied by one purge.

Every rule is one SQL statement (a DELETE, or in a dry run a count with the very same WHERE),
so nothing is loaded into Python and it runs the same on SQLite and PostgreSQL. Each rule
runs in a transaction of its own: a failing rule leaves the others done, and no rule holds
its locks for longer than its own statement.

Statistics (``analytics_events``, ``practice_events``, ``taalhuis_events``,
``clarification_events``) and the learner's own records are never touched here: they hold
no message text, and "vergeet mij" is how a learner removes them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql import Select

from bot.store.models import BuddyMessage, InboxUpdate, OpenQuestion, OutboxMessage

logger = logging.getLogger(__name__)

# Days a message between buddy and learner is kept after delivery (issue 11).
BUDDY_DAYS = 14

# Rasa's tracker events table (made by its SQLTrackerStore, not by our migrations).
EVENTS = "events"

# A conversation whose newest event is older than the cutoff: all of it is gone.
_IDLE_SENDERS = (
    "SELECT a.sender_id FROM events a GROUP BY a.sender_id HAVING max(a.timestamp) < :cutoff"
)
_ACTIVE_SENDERS = (
    "SELECT a.sender_id FROM events a GROUP BY a.sender_id HAVING max(a.timestamp) >= :cutoff"
)
# The start of the conversation's current session (what Rasa and our tracker store load).
_LATEST_START = (
    "SELECT max(s.timestamp) FROM events s "
    "WHERE s.sender_id = events.sender_id AND s.type_name = 'session_started'"
)
TRACKER_IDLE = f"sender_id IN ({_IDLE_SENDERS})"
# Disjoint from TRACKER_IDLE, so a dry run's two counts add up to what a real run deletes.
TRACKER_ENDED = (
    f"timestamp < :cutoff AND timestamp < ({_LATEST_START}) AND sender_id IN ({_ACTIVE_SENDERS})"
)


@dataclass(frozen=True)
class _TableRule:
    table: sa.Table
    where: Callable[[datetime], Any]


class Retention:
    """The retention rules over one database; ``purge`` applies them all (or counts them)."""

    # The keys of purge()'s result, in the order the rules run.
    RULES = (
        "tracker_idle",
        "tracker_ended",
        "inbox_done",
        "inbox_quarantine",
        "outbox",
        "open_questions",
        "buddy_messages",
    )

    def __init__(self, engine: Engine, days: int) -> None:
        if days < 1:
            # Fewer would cut current conversations and the inbox's guard against redelivery.
            raise ValueError(f"TAALMAATJE_RETENTION_DAYS must be at least 1, not {days}")
        self.engine = engine
        self.days = days
        inbox, outbox = InboxUpdate.__table__, OutboxMessage.__table__
        questions = OpenQuestion.__table__
        buddy = BuddyMessage.__table__
        self._table_rules: dict[str, _TableRule] = {
            # Done updates are bare ids that only guard against a second delivery, and
            # Telegram re-sends an update for at most 24 hours: a day would do, `days` is ample.
            "inbox_done": _TableRule(
                inbox,
                lambda cutoff: sa.and_(
                    inbox.c.status == "done",
                    sa.func.coalesce(inbox.c.done_at, inbox.c.received_at) < cutoff,
                ),
            ),
            # A quarantined update keeps its raw JSON (the learner's text) for an operator to
            # look at, for at most `days` after it arrived; waiting updates are never purged.
            "inbox_quarantine": _TableRule(
                inbox,
                lambda cutoff: sa.and_(
                    inbox.c.status == "quarantine", inbox.c.received_at < cutoff
                ),
            ),
            # Sent or failed messages only explain what happened; pending ones still have work.
            "outbox": _TableRule(
                outbox,
                lambda cutoff: sa.and_(
                    outbox.c.status.in_(("sent", "failed")),
                    sa.func.coalesce(outbox.c.sent_at, outbox.c.created_at) < cutoff,
                ),
            ),
            # Buttons that have been on screen for `days` are no longer a question anyone
            # answers; a typed answer after that is simply understood as free text.
            "open_questions": _TableRule(questions, lambda cutoff: questions.c.updated_at < cutoff),
            # What a buddy and a learner sent each other: kept until delivered plus 14 days
            # (the statistics in buddy_events keep no text); a draft, or a message never
            # delivered (the outbox gives up after 3 days), 14 days after it was written.
            "buddy_messages": _TableRule(
                buddy,
                lambda cutoff: (
                    sa.func.coalesce(buddy.c.sent_at, buddy.c.created_at)
                    < cutoff + timedelta(days=self.days - BUDDY_DAYS)
                ),
            ),
        }

    def cutoff(self, now: datetime) -> datetime:
        """``now`` minus the retention period, aware UTC (a naive ``now`` is taken as UTC)."""
        if now.tzinfo is None:
            now = now.replace(tzinfo=timezone.utc)
        return now.astimezone(timezone.utc) - timedelta(days=self.days)

    def purge(self, now: datetime, dry_run: bool = False) -> dict[str, int]:
        """Apply every rule as of ``now``; returns the rows deleted per rule (in a dry run,
        the rows that would be: the same WHERE, counted, nothing deleted)."""
        cutoff = self.cutoff(now)
        counts = self._tracker(cutoff.timestamp(), dry_run)
        naive = cutoff.replace(tzinfo=None)  # our DateTime columns hold naive UTC
        for name, rule in self._table_rules.items():
            with self.engine.begin() as connection:
                counts[name] = _apply(connection, rule.table, rule.where(naive), dry_run)
        logger.info(
            "Retention (%d days)%s: %s",
            self.days,
            " dry run, would delete" if dry_run else " deleted",
            ", ".join(f"{name}={counts[name]}" for name in self.RULES),
        )
        return {name: counts[name] for name in self.RULES}

    def _tracker(self, cutoff: float, dry_run: bool) -> dict[str, int]:
        """Rasa's tracker events, the only stored message texts, in one transaction.

        A conversation idle past the cutoff loses every event (its last session ended that
        long ago); an active one loses the events older than the cutoff from before its
        current session (a session ends after an hour of silence, so theirs has ended).
        The current session's events stay whatever their age: the dialogue needs them.
        """
        with self.engine.begin() as connection:
            if not sa.inspect(connection).has_table(EVENTS):
                return {"tracker_idle": 0, "tracker_ended": 0}  # the bot never ran here
            counts = {}
            for name, where in (("tracker_idle", TRACKER_IDLE), ("tracker_ended", TRACKER_ENDED)):
                verb = "SELECT count(*) FROM" if dry_run else "DELETE FROM"
                result = connection.execute(
                    sa.text(f"{verb} {EVENTS} WHERE {where}"), {"cutoff": cutoff}
                )
                counts[name] = int(result.scalar() or 0) if dry_run else int(result.rowcount)
            return counts


def _apply(connection: Connection, table: sa.Table, where: Any, dry_run: bool) -> int:
    if dry_run:
        query: Select = sa.select(sa.func.count()).select_from(table).where(where)
        return int(connection.execute(query).scalar() or 0)
    return int(connection.execute(sa.delete(table).where(where)).rowcount)
