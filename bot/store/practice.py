"""The practice tables: a learner's open round, Leitner cards, levels per theme, events.

Single-row reads and writes by primary key: called inline from the actions, like Users.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.practice.leitner import Card
from bot.practice.levels import ThemeLevel
from bot.store.models import PracticeEvent, PracticeItem, PracticeState, PracticeTheme, utcnow
from bot.store.repositories import Analytics


@dataclass(frozen=True)
class Snapshot:
    """The learner's practice row: rounds done, starting level, the open round (or None)."""

    rounds: int
    level: int
    state: dict[str, Any] | None


@dataclass(frozen=True)
class ExerciseEvent:
    """One exercise shown or answered (content ids only, never what the learner typed)."""

    event: str  # "shown" or "answered"
    theme: str
    level: int
    kind: str
    item_key: str
    correct: bool | None = None
    replays: int = 0
    slower: int = 0


class PracticeStore:
    def __init__(self, sessions: sessionmaker, analytics: Analytics) -> None:
        self._sessions = sessions
        self._analytics = analytics

    # --- the open round -------------------------------------------------------------------

    def snapshot(self, telegram_id: int) -> Snapshot:
        table = PracticeState.__table__
        query = select(table.c.rounds, table.c.level, table.c.state).where(
            table.c.telegram_id == telegram_id
        )
        with self._sessions() as session:
            row = session.execute(query).first()
        if row is None:
            return Snapshot(0, 1, None)
        return Snapshot(row.rounds, row.level, json.loads(row.state) if row.state else None)

    def save(
        self,
        telegram_id: int,
        state: dict[str, Any] | None,
        rounds: int | None = None,
        level: int | None = None,
    ) -> None:
        """Store the open round (None closes it); optionally the round count and level."""
        values: dict[str, Any] = {
            "state": json.dumps(state, ensure_ascii=False) if state is not None else None,
            "updated_at": utcnow(),
        }
        if rounds is not None:
            values["rounds"] = rounds
        if level is not None:
            values["level"] = level
        table = PracticeState.__table__
        with self._sessions.begin() as session:
            result = session.execute(
                update(table).where(table.c.telegram_id == telegram_id).values(**values)
            )
            if result.rowcount:
                return
        try:
            with self._sessions.begin() as session:
                session.execute(
                    table.insert().values(
                        telegram_id=telegram_id,
                        rounds=rounds or 0,
                        level=level or 1,
                        state=values["state"],
                        updated_at=values["updated_at"],
                    )
                )
        except IntegrityError:  # a second worker made the row a moment ago
            self.save(telegram_id, state, rounds, level)

    # --- Leitner cards --------------------------------------------------------------------

    def cards(self, telegram_id: int, keys: Iterable[str] | None = None) -> dict[str, Card]:
        table = PracticeItem.__table__
        query = select(
            table.c.item_key, table.c.box, table.c.last_round, table.c.seen, table.c.correct
        ).where(table.c.telegram_id == telegram_id)
        if keys is not None:
            query = query.where(table.c.item_key.in_(list(keys)))
        with self._sessions() as session:
            return {row[0]: Card(*row[1:]) for row in session.execute(query)}

    def put_card(self, telegram_id: int, key: str, card: Card) -> None:
        with self._sessions.begin() as session:
            session.merge(
                PracticeItem(
                    telegram_id=telegram_id,
                    item_key=key,
                    box=card.box,
                    last_round=card.last_round,
                    seen=card.seen,
                    correct=card.correct,
                )
            )

    # --- levels per theme -----------------------------------------------------------------

    def theme_levels(self, telegram_id: int) -> dict[str, ThemeLevel]:
        table = PracticeTheme.__table__
        query = select(
            table.c.theme, table.c.level, table.c.good_rounds, table.c.poor_rounds
        ).where(table.c.telegram_id == telegram_id)
        with self._sessions() as session:
            return {row[0]: ThemeLevel(*row[1:]) for row in session.execute(query)}

    def put_theme_level(self, telegram_id: int, theme: str, level: ThemeLevel) -> None:
        with self._sessions.begin() as session:
            session.merge(
                PracticeTheme(
                    telegram_id=telegram_id,
                    theme=theme,
                    level=level.level,
                    good_rounds=level.good_rounds,
                    poor_rounds=level.poor_rounds,
                )
            )

    def set_all_levels(self, telegram_id: int, themes: Iterable[str], level: int) -> None:
        """The intake check's result: every theme starts at the same level."""
        for theme in themes:
            self.put_theme_level(telegram_id, theme, ThemeLevel(level))

    # --- statistics -----------------------------------------------------------------------

    def record(self, telegram_id: int, event: ExerciseEvent) -> None:
        with self._sessions.begin() as session:
            session.execute(
                PracticeEvent.__table__.insert().values(
                    user_key=self._analytics.pseudonym(telegram_id),
                    event=event.event,
                    theme=event.theme,
                    level=event.level,
                    kind=event.kind,
                    item_key=event.item_key,
                    correct=event.correct,
                    replays=event.replays,
                    slower=event.slower,
                    created_at=utcnow(),
                )
            )

    def record_round(self, telegram_id: int, theme: str, level: int, change: int) -> None:
        """A round finished, and the level it moved to (+1, -1) if it changed: for the
        dashboard's rounds and levels up and down (rows beside the exercises)."""
        names = ["ronde"] + (["omhoog"] if change > 0 else ["omlaag"] if change < 0 else [])
        rows = [
            {"user_key": self._analytics.pseudonym(telegram_id), "event": name,
             "theme": theme, "level": level, "kind": "ronde", "item_key": "",
             "correct": None, "replays": 0, "slower": 0, "created_at": utcnow()}
            for name in names
        ]  # fmt: skip
        with self._sessions.begin() as session:
            session.execute(PracticeEvent.__table__.insert(), rows)

    def events(self, telegram_id: int) -> list[ExerciseEvent]:
        """The learner's exercises shown and answered, oldest first."""
        table = PracticeEvent.__table__
        query = (
            select(
                table.c.event, table.c.theme, table.c.level, table.c.kind, table.c.item_key,
                table.c.correct, table.c.replays, table.c.slower,
            )
            .where(
                table.c.user_key == self._analytics.pseudonym(telegram_id),
                table.c.event.in_(("shown", "answered")),
            )
            .order_by(table.c.id)
        )  # fmt: skip
        with self._sessions() as session:
            return [ExerciseEvent(*row) for row in session.execute(query)]

    def answered(self, telegram_id: int) -> tuple[int, int]:
        """(exercises answered, answered right) for the spoken progress summary."""
        table = PracticeItem.__table__
        query = select(func.sum(table.c.seen), func.sum(table.c.correct)).where(
            table.c.telegram_id == telegram_id
        )
        with self._sessions() as session:
            seen, correct = session.execute(query).one()
        return int(seen or 0), int(correct or 0)

    def answered_since(self, telegram_id: int, since: datetime) -> int:
        """Exercises answered since ``since`` (a buddy's "how is it going": this week)."""
        table = PracticeEvent.__table__
        query = select(func.count()).where(
            table.c.user_key == self._analytics.pseudonym(telegram_id),
            table.c.event == "answered",
            table.c.created_at >= since,
        )
        with self._sessions() as session:
            return int(session.scalar(query) or 0)

    def erase(self, telegram_id: int) -> None:
        """Delete everything practice keeps about one learner."""
        with self._sessions.begin() as session:
            for model in (PracticeState, PracticeItem, PracticeTheme):
                session.execute(delete(model).where(model.telegram_id == telegram_id))
            session.execute(
                delete(PracticeEvent).where(
                    PracticeEvent.user_key == self._analytics.pseudonym(telegram_id)
                )
            )
