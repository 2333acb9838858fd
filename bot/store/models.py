"""Database tables: learners, the voice cache index, and the pseudonymised event log.

Only what the bot needs is stored: no names, no message texts, no phone numbers.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import declarative_base

Base = declarative_base()

ROLES = ("learner", "buddy", "coordinator")
PROFILES = ("nt1", "nt2", "werk", "doof")


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class User(Base):
    """A person who talks to the bot, known only by their Telegram id."""

    __tablename__ = "users"

    id = Column(Integer, primary_key=True)
    telegram_id = Column(BigInteger, unique=True, nullable=False)
    role = Column(String(16), nullable=False, default="learner")
    profile = Column(String(16), nullable=False, default="nt1")
    voice_on = Column(Boolean, nullable=False, default=True)
    reminders_opt_in = Column(Boolean, nullable=False, default=False)
    privacy_seen = Column(Boolean, nullable=False, default=False)
    # False until the learner has chosen how to practise (or skipped the choice).
    intake_done = Column(Boolean, nullable=False, default=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)


class VoiceClip(Base):
    """One rendered voice note: keyed by a hash of text, voice and speed (never the text)."""

    __tablename__ = "voice_clips"

    key = Column(String(64), primary_key=True)
    engine = Column(String(16), nullable=False)
    path = Column(String(255), nullable=False)
    duration = Column(Float, nullable=False)
    telegram_file_id = Column(String(255), nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)


class AnalyticsEvent(Base):
    """One dialogue step for the statistics: who (pseudonym), what intent, which action."""

    __tablename__ = "analytics_events"

    id = Column(Integer, primary_key=True)
    user_key = Column(String(32), nullable=False)
    intent = Column(String(64), nullable=True)
    confidence = Column(Float, nullable=True)
    action = Column(String(64), nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (
        Index("ix_analytics_user_key", "user_key"),
        Index("ix_analytics_created_at", "created_at"),
    )


class PracticeState(Base):
    """The learner's open round (one JSON document) and how many rounds they have done.

    Kept as one row so a turn reads and writes the round in a single statement.
    """

    __tablename__ = "practice_state"

    telegram_id = Column(BigInteger, primary_key=True)
    rounds = Column(Integer, nullable=False, default=0)
    level = Column(Integer, nullable=False, default=1)
    state = Column(Text, nullable=True)
    updated_at = Column(DateTime, nullable=False, default=utcnow)


class PracticeItem(Base):
    """One learner's Leitner box for one content item."""

    __tablename__ = "practice_items"

    telegram_id = Column(BigInteger, primary_key=True)
    item_key = Column(String(64), primary_key=True)
    box = Column(Integer, nullable=False, default=1)
    last_round = Column(Integer, nullable=False, default=0)
    seen = Column(Integer, nullable=False, default=0)
    correct = Column(Integer, nullable=False, default=0)


class PracticeTheme(Base):
    """One learner's level in one theme, and the run of good or poor rounds behind it."""

    __tablename__ = "practice_themes"

    telegram_id = Column(BigInteger, primary_key=True)
    theme = Column(String(32), primary_key=True)
    level = Column(Integer, nullable=False, default=1)
    good_rounds = Column(Integer, nullable=False, default=0)
    poor_rounds = Column(Integer, nullable=False, default=0)


class PracticeEvent(Base):
    """An exercise shown or answered, for the statistics: pseudonym and content ids only."""

    __tablename__ = "practice_events"

    id = Column(Integer, primary_key=True)
    user_key = Column(String(32), nullable=False)
    event = Column(String(16), nullable=False)
    theme = Column(String(32), nullable=False)
    level = Column(Integer, nullable=False)
    kind = Column(String(16), nullable=False)
    item_key = Column(String(64), nullable=False)
    correct = Column(Boolean, nullable=True)
    replays = Column(Integer, nullable=False, default=0)
    slower = Column(Integer, nullable=False, default=0)
    created_at = Column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (
        Index("ix_practice_events_user_key", "user_key"),
        Index("ix_practice_events_created_at", "created_at"),
    )
