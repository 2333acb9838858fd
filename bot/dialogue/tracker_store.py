"""Rasa's SQL tracker store, sharing the project's engine, with a bounded window per turn.

Rasa rebuilds the whole current session on every turn, and its policies walk every event of
it, so a long session makes each turn slower. This store loads only the newest events of the
session (plus the latest value of every slot and form from before them), which keeps a turn's
cost flat however long a learner keeps talking. It also writes the pseudonymised analytics
rows for the new events in the same transaction, instead of a second tracker load through
an event broker.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.store.repositories import Analytics

logger = logging.getLogger(__name__)

# Events a turn carries along: at least two whole turns; no rule or max_history looks further.
DEFAULT_WINDOW = 24
# Actions that are plumbing, not something the learner experienced.
INTERNAL_ACTIONS = frozenset(
    {"action_listen", "action_session_start", "action_extract_slots", "action_unlikely_intent"}
)
STATE_EVENT_TYPES = ("slot", "active_loop")
# Set on the trackers this store hands out: how many of their events are stored already.
_STORED_COUNT = "_taalmaatje_stored_count"

_SESSION_START = sa.text(
    "SELECT max(timestamp) FROM events WHERE sender_id = :sender AND type_name = 'session_started'"
)
_COLUMNS = "SELECT id, type_name, timestamp, data FROM events"
_IN_SESSION = "sender_id = :sender AND timestamp >= :start"
_NEWEST = sa.text(f"{_COLUMNS} WHERE {_IN_SESSION} ORDER BY id DESC LIMIT :limit")
_HEAD = sa.text(f"{_COLUMNS} WHERE {_IN_SESSION} AND id < :before ORDER BY id LIMIT 2")
_STATE = sa.text(
    f"{_COLUMNS} WHERE {_IN_SESSION} AND id < :before AND id > :after "
    "AND type_name IN ('slot', 'active_loop') ORDER BY id"
)


def analytics_rows(
    sender_id: str, events: Iterable[Event]
) -> list[tuple[str, str | None, float | None, str | None]]:
    """One (sender, intent, confidence, first action) row per learner message."""
    rows: list[list[Any]] = []
    for event in events:
        if isinstance(event, UserUttered):
            confidence = event.intent.get("confidence") if event.intent else None
            rows.append([sender_id, event.intent_name, confidence, None])
        elif (
            isinstance(event, ActionExecuted)
            and event.action_name not in INTERNAL_ACTIONS
            and rows
            and rows[-1][3] is None
        ):
            rows[-1][3] = event.action_name
    return [tuple(row) for row in rows]  # type: ignore[misc]


class WindowedSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore on a shared engine, loading a bounded window of the current session."""

    def __init__(
        self,
        engine: Engine,
        analytics: Analytics | None = None,
        domain: Domain | None = None,
        window: int = DEFAULT_WINDOW,
    ) -> None:
        # Skip SQLTrackerStore.__init__: it builds a second engine and retries forever.
        TrackerStore.__init__(self, domain, None)
        self.engine = engine
        self.sessionmaker = sessionmaker(bind=engine)
        self.analytics = analytics
        self.window = window
        SQLTrackerStore.Base.metadata.create_all(engine)
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "CREATE INDEX IF NOT EXISTS ix_events_sender_type_time "
                    "ON events (sender_id, type_name, timestamp)"
                )
            )

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        if fetch_events_from_all_sessions:
            return await super()._retrieve(sender_id, True)
        with self.engine.connect() as connection:
            rows = self._window_rows(connection, sender_id)
        if not rows or not self.domain:
            return None
        tracker = DialogueStateTracker.from_dict(
            sender_id, [json.loads(row.data) for row in rows], self.domain.slots
        )
        setattr(tracker, _STORED_COUNT, len(tracker.events))
        return tracker

    def _window_rows(self, connection: Any, sender_id: str) -> list[Any]:
        """The session's newest events, preceded by its start and the state set before them.

        "The session" is what Rasa's own SQLTrackerStore loads: events from the latest
        SessionStarted on (by timestamp). Plain SQL: these run on every turn.
        """
        start = connection.execute(_SESSION_START, {"sender": sender_id}).scalar()
        start = -1.0 if start is None else start
        params = {"sender": sender_id, "start": start, "limit": self.window + 1}
        newest = connection.execute(_NEWEST, params).all()
        if len(newest) <= self.window:
            return list(reversed(newest))
        window = list(reversed(newest[: self.window]))
        # Start the window at a turn boundary so no turn is cut in half.
        for index, row in enumerate(window):
            if row.type_name == UserUttered.type_name:
                window = window[index:]
                break
        params["before"] = window[0].id
        head = connection.execute(_HEAD, params).all()
        params["after"] = head[-1].id if head else 0
        latest: dict[str, Any] = {}
        for row in connection.execute(_STATE, params):
            name = json.loads(row.data).get("name") if row.type_name == "slot" else "loop"
            latest[f"{row.type_name}:{name}"] = row
        return head + sorted(latest.values(), key=lambda row: row.id) + window

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events this turn added, and their analytics rows, in one transaction."""
        with self.engine.begin() as connection:
            new_events = self._unsaved(connection, tracker)
            rows = []
            for event in new_events:
                data = event.as_dict()
                rows.append(
                    {
                        "sender_id": tracker.sender_id,
                        "type_name": event.type_name,
                        "timestamp": data.get("timestamp"),
                        "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
                        "action_name": data.get("name"),
                        "data": json.dumps(data),
                    }
                )
            if rows:
                connection.execute(self.SQLEvent.__table__.insert(), rows)
            if self.analytics is not None:
                self.analytics.insert_rows(
                    connection, analytics_rows(tracker.sender_id, new_events)
                )
        setattr(tracker, _STORED_COUNT, len(tracker.events))

    @staticmethod
    def _unsaved(connection: Any, tracker: DialogueStateTracker) -> list[Event]:
        """The tracker's events that are not stored yet.

        A tracker from this store knows how many of its events came from the database. Any
        other (a new conversation, or a copy) is compared with the newest stored event.
        """
        stored = getattr(tracker, _STORED_COUNT, None)
        if stored is not None:
            return list(itertools.islice(tracker.events, stored, None))
        newest = connection.execute(
            sa.text("SELECT max(timestamp) FROM events WHERE sender_id = :sender"),
            {"sender": tracker.sender_id},
        ).scalar()
        if newest is None:
            return list(tracker.events)
        return [event for event in tracker.events if (event.timestamp or 0.0) > newest]

    def erase(self, sender_id: str) -> int:
        """Delete every stored event of a conversation (the learner's "vergeet mij")."""
        with self.session_scope() as session:
            count = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == sender_id)
                .delete(synchronize_session=False)
            )
            session.commit()
        return int(count or 0)
