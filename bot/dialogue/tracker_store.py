"""Rasa's SQL tracker store, sharing the project's engine, with a bounded window per turn.

Rasa rebuilds the whole current session on every turn, and its policies walk every event of
it, so a long session makes each turn slower. This store loads only the newest events of the
session (plus the latest value of every slot and form from before them), which keeps a turn's
cost flat however long a learner keeps talking. It also writes the pseudonymised analytics
rows for the new events in the same transaction, instead of a second tracker load through
an event broker.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.store.repositories import Analytics

logger = logging.getLogger(__name__)

# Events a turn carries along: about 20 turns, far more than max_history needs.
DEFAULT_WINDOW = 120
# Actions that are plumbing, not something the learner experienced.
INTERNAL_ACTIONS = frozenset(
    {"action_listen", "action_session_start", "action_extract_slots", "action_unlikely_intent"}
)
STATE_EVENT_TYPES = ("slot", "active_loop")
_STORED_TS = "_taalmaatje_stored_ts"


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
        with self.session_scope() as session:
            rows = self._window_rows(session, sender_id)
        if not rows or not self.domain:
            return None
        tracker = DialogueStateTracker.from_dict(
            sender_id, [json.loads(row.data) for row in rows], self.domain.slots
        )
        setattr(tracker, _STORED_TS, max(row.timestamp or 0.0 for row in rows))
        return tracker

    def _window_rows(self, session: Any, sender_id: str) -> list[Any]:
        """The session's newest events, preceded by its start and the state set before them."""
        event = self.SQLEvent
        newest = (
            self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
            .order_by(None)
            .order_by(event.id.desc())
            .limit(self.window + 1)
            .all()
        )
        if len(newest) <= self.window:
            return list(reversed(newest))
        window = list(reversed(newest[: self.window]))
        # Start the window at a turn boundary so no turn is cut in half.
        for index, row in enumerate(window):
            if row.type_name == UserUttered.type_name:
                window = window[index:]
                break
        first_id = window[0].id
        session_start = (
            session.query(sa.func.max(event.id))
            .filter(event.sender_id == sender_id, event.type_name == SessionStarted.type_name)
            .scalar()
        ) or 0
        head = (
            session.query(event)
            .filter(event.sender_id == sender_id, event.id >= session_start - 1)
            .filter(event.id < first_id)
            .order_by(event.id)
            .limit(2)
            .all()
        )
        state_rows = (
            session.query(event)
            .filter(
                event.sender_id == sender_id,
                event.type_name.in_(STATE_EVENT_TYPES),
                event.id > max(session_start, head[-1].id if head else 0),
                event.id < first_id,
            )
            .order_by(event.id)
            .all()
        )
        latest: dict[str, Any] = {}
        for row in state_rows:
            data = json.loads(row.data)
            latest[f"{row.type_name}:{data.get('name')}" if row.type_name == "slot" else "loop"] = (
                row
            )
        return head + sorted(latest.values(), key=lambda row: row.id) + window

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events this turn added, and their analytics rows, in one transaction."""
        with self.session_scope() as session:
            stored_ts = getattr(tracker, _STORED_TS, None)
            if stored_ts is None:
                stored_ts = (
                    session.query(sa.func.max(self.SQLEvent.timestamp))
                    .filter(self.SQLEvent.sender_id == tracker.sender_id)
                    .scalar()
                )
            new_events = [
                event
                for event in tracker.events
                if stored_ts is None or (event.timestamp or 0.0) > stored_ts
            ]
            for event in new_events:
                data = event.as_dict()
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {}).get("intent", {}).get("name"),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            if self.analytics is not None:
                self.analytics.add_rows(session, analytics_rows(tracker.sender_id, new_events))
            session.commit()
        if new_events:
            setattr(tracker, _STORED_TS, max(event.timestamp or 0.0 for event in new_events))

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
