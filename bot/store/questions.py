"""The question on screen per chat (bot/choices): one row per learner, read and written by
primary key on every typed turn, inline like Users (a thread hop costs more than the query)."""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.choices import Question
from bot.store.models import OpenQuestion, utcnow


class OpenQuestions:
    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    def get(self, telegram_id: int) -> Question | None:
        """The question on the learner's screen, or None (no buttons in the last message)."""
        query = select(OpenQuestion.question).where(OpenQuestion.telegram_id == telegram_id)
        with self._sessions() as session:
            data = session.scalar(query)
        return Question.from_json(data) if data else None

    def put(self, telegram_id: int, question: Question | None) -> None:
        """Remember the new question on screen; None forgets the old one."""
        if question is None:
            self.erase(telegram_id)
            return
        values = {"question": question.to_json(), "updated_at": utcnow()}
        with self._sessions.begin() as session:
            changed = session.execute(
                update(OpenQuestion).where(OpenQuestion.telegram_id == telegram_id).values(values)
            ).rowcount
        if changed:
            return
        try:
            with self._sessions.begin() as session:
                session.execute(insert(OpenQuestion).values(telegram_id=telegram_id, **values))
        except IntegrityError:  # another worker wrote the row a moment ago: write over it
            with self._sessions.begin() as session:
                session.execute(
                    update(OpenQuestion)
                    .where(OpenQuestion.telegram_id == telegram_id)
                    .values(values)
                )

    def erase(self, telegram_id: int) -> None:
        with self._sessions.begin() as session:
            session.execute(delete(OpenQuestion).where(OpenQuestion.telegram_id == telegram_id))
