"""Database tables: learners, the voice cache, the pseudonymised event log, practice, appointments.

Only what the bot needs is stored: no names, no message texts; a phone number only when
the learner shared it for an appointment.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
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


class TaalhuisEvent(Base):
    """Taalhuis information asked, appointments made, moved, cancelled or found full, for
    the statistics: pseudonym, location and topic or reason only."""

    __tablename__ = "taalhuis_events"

    id = Column(Integer, primary_key=True)
    user_key = Column(String(32), nullable=False)
    event = Column(String(16), nullable=False)  # one of TAALHUIS_EVENTS
    location_id = Column(String(32), nullable=True)
    detail = Column(String(32), nullable=True)  # the topic asked, or the appointment's reason
    created_at = Column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (
        Index("ix_taalhuis_events_user_key", "user_key"),
        Index("ix_taalhuis_events_created_at", "created_at"),
    )


TAALHUIS_EVENTS = ("info", "gemaakt", "verzet", "afgezegd", "vol")
APPOINTMENT_REASONS = ("intake", "oefenen", "brief")
APPOINTMENT_STATUSES = ("booked", "cancelled")


class AppointmentSlot(Base):
    """How many places of one opening slot (location, start) are taken.

    The capacity guard: a booking takes a place with one conditional
    ``UPDATE ... SET booked = booked + 1 WHERE booked < :capacity`` in the same transaction
    as the appointment's insert. Both SQLite (one writer at a time) and PostgreSQL (the row
    lock, and the WHERE evaluated again on the newest row version under READ COMMITTED)
    let only as many of those updates succeed as there are places, however many requests
    arrive together, and a rollback gives the place back. A ``SELECT count(*)`` followed by
    an insert would not: two requests could both count one free place. Capacity itself is
    configuration (per location), so it is passed in rather than stored.
    """

    __tablename__ = "appointment_slots"

    location_id = Column(String(32), primary_key=True)
    starts_at = Column(DateTime, primary_key=True)  # UTC, naive
    booked = Column(Integer, nullable=False, default=0)

    __table_args__ = (CheckConstraint("booked >= 0", name="ck_appointment_slots_booked"),)


class Appointment(Base):
    """A learner's appointment at a taalhuis location; cancelled ones are kept as cancelled.

    No name is stored; the phone number only when the learner shared it with Telegram's
    contact button (so the taalhuis can call them).
    """

    __tablename__ = "appointments"

    id = Column(Integer, primary_key=True)
    telegram_id = Column(BigInteger, nullable=False)
    location_id = Column(String(32), nullable=False)
    starts_at = Column(DateTime, nullable=False)  # UTC, naive
    reason = Column(String(16), nullable=False)  # one of APPOINTMENT_REASONS
    phone = Column(String(20), nullable=True)
    status = Column(String(12), nullable=False, default="booked")  # APPOINTMENT_STATUSES
    created_at = Column(DateTime, nullable=False, default=utcnow)
    updated_at = Column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (
        Index("ix_appointments_telegram_id", "telegram_id"),
        Index("ix_appointments_starts_at", "starts_at"),
        Index("ix_appointments_location_starts", "location_id", "starts_at"),
    )


class Reminder(Base):
    """The one reminder of an appointment; sent_at is set once, by whoever sends it."""

    __tablename__ = "reminders"

    id = Column(Integer, primary_key=True)
    appointment_id = Column(
        Integer, ForeignKey("appointments.id", ondelete="CASCADE"), nullable=False
    )
    telegram_id = Column(BigInteger, nullable=False)
    due_at = Column(DateTime, nullable=False)  # UTC, naive
    sent_at = Column(DateTime, nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (
        UniqueConstraint("appointment_id", name="uq_reminders_appointment_id"),
        Index("ix_reminders_due_at", "due_at"),
        Index("ix_reminders_telegram_id", "telegram_id"),
    )


class OpenQuestion(Base):
    """The question on screen: the buttons of the bot's last message to a chat, with what
    each means (bot/choices), so a typed answer acts as the button. The bot's own words
    and payloads only, never what the learner typed."""

    __tablename__ = "open_questions"

    telegram_id = Column(BigInteger, primary_key=True)
    question = Column(Text, nullable=False)  # bot.choices.Question.to_json()
    updated_at = Column(DateTime, nullable=False, default=utcnow)


class ClarificationEvent(Base):
    """The bot asked "Bedoel je ...?" (the understanding was unsure, or a yes/no was not
    clear), and how the learner answered: pseudonym and outcome only, never text."""

    __tablename__ = "clarification_events"

    id = Column(Integer, primary_key=True)
    user_key = Column(String(32), nullable=False)
    kind = Column(String(16), nullable=False)  # one of CLARIFICATION_KINDS
    outcome = Column(String(16), nullable=False)  # one of CLARIFICATION_OUTCOMES
    created_at = Column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (
        Index("ix_clarification_events_user_key", "user_key"),
        Index("ix_clarification_events_created_at", "created_at"),
    )


# "bedoeling": "Bedoel je ...?" with the likely meanings; "ja_nee": "Bedoel je ja?".
CLARIFICATION_KINDS = ("bedoeling", "ja_nee")
# gevraagd: asked; gekozen: a meaning (or the yes/no) was chosen, by button or by typing;
# iets_anders: none of them; verder: the learner went on to something else.
CLARIFICATION_OUTCOMES = ("gevraagd", "gekozen", "iets_anders", "verder")


class InboxUpdate(Base):
    """An update from Telegram, written before its offset is confirmed (or the webhook
    answers 200), so a crash loses nothing; processed in per-chat order, then kept as a
    bare id (``raw`` cleared) so that the same update_id is never processed twice."""

    __tablename__ = "inbox"

    update_id = Column(BigInteger, primary_key=True, autoincrement=False)
    chat_id = Column(BigInteger, nullable=True)  # whose turn order it joins; None: no chat
    kind = Column(String(24), nullable=False)  # message, callback_query, ... or "unknown"
    raw = Column(Text, nullable=True)  # the update's JSON until it is done
    # The turn's replies (the bot's own words, JSON) once Rasa ran it, and how many of them
    # went out: after a crash the turn is not run again, and only the rest is sent.
    replies = Column(Text, nullable=True)
    parts_sent = Column(Integer, nullable=False, default=0)
    status = Column(String(12), nullable=False, default="waiting")  # INBOX_STATUSES
    attempts = Column(Integer, nullable=False, default=0)
    error = Column(String(64), nullable=True)  # the error's type name, never its message
    owner = Column(String(48), nullable=True)  # the process working on it
    lease_until = Column(DateTime, nullable=True)  # after this another process may take it
    received_at = Column(DateTime, nullable=False, default=utcnow)
    done_at = Column(DateTime, nullable=True)

    __table_args__ = (
        Index("ix_inbox_status_update_id", "status", "update_id"),
        Index("ix_inbox_chat_id_status", "chat_id", "status"),
    )


INBOX_STATUSES = ("waiting", "done", "quarantine")


class OutboxMessage(Base):
    """Something the bot sends on its own initiative (a reminder now, buddies' prompts
    later): claimed with a lease, sent, marked sent; transient failures retried with
    back-off until the deadline, permanent ones marked failed with the reason."""

    __tablename__ = "outbox"

    id = Column(Integer, primary_key=True)
    kind = Column(String(16), nullable=False)  # "reminder"
    ref = Column(Integer, nullable=False)  # the reminder's id (per kind)
    chat_id = Column(BigInteger, nullable=False)
    status = Column(String(12), nullable=False, default="pending")  # OUTBOX_STATUSES
    parts_sent = Column(Integer, nullable=False, default=0)  # messages of it delivered
    attempts = Column(Integer, nullable=False, default=0)
    next_try_at = Column(DateTime, nullable=False, default=utcnow)
    deadline = Column(DateTime, nullable=False)
    owner = Column(String(48), nullable=True)
    lease_until = Column(DateTime, nullable=True)
    error = Column(String(64), nullable=True)  # the reason it failed: an error type or code
    created_at = Column(DateTime, nullable=False, default=utcnow)
    sent_at = Column(DateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint("kind", "ref", name="uq_outbox_kind_ref"),
        Index("ix_outbox_status_next_try_at", "status", "next_try_at"),
        Index("ix_outbox_chat_id", "chat_id"),
    )


OUTBOX_STATUSES = ("pending", "sent", "failed")


class PersonRole(Base):
    """A role besides being a learner: ``buddy`` (a coworker who sends practice prompts) or,
    later, ``coordinator``/``admin``. ``place`` is the location id from the organisation
    data; a person may hold several rows (a buddy and a coordinator)."""

    __tablename__ = "person_roles"

    telegram_id = Column(BigInteger, primary_key=True)
    role = Column(String(16), primary_key=True)  # one of PERSON_ROLES
    place = Column(String(255), nullable=True)  # a coordinator's places, comma-separated
    name = Column(String(32), nullable=True)  # a buddy's first name, shown to their learners
    created_at = Column(DateTime, nullable=False, default=utcnow)


PERSON_ROLES = ("buddy", "coordinator", "admin")


class Invitation(Base):
    """A single-use invitation: a buddy invited by a coordinator, or a learner invited by a
    buddy (``buddy_id``). Only the code's hash is stored: a leaked database opens nothing."""

    __tablename__ = "invitations"

    id = Column(Integer, primary_key=True)
    code_hash = Column(String(64), nullable=False, unique=True)
    kind = Column(String(16), nullable=False)  # one of INVITATION_KINDS
    place = Column(String(32), nullable=True)
    buddy_id = Column(BigInteger, nullable=True)  # kind "leerling": whose invitation
    created_at = Column(DateTime, nullable=False, default=utcnow)
    expires_at = Column(DateTime, nullable=False)
    used_at = Column(DateTime, nullable=True)
    used_by = Column(BigInteger, nullable=True)  # who opened it (released on a "no")
    revoked_at = Column(DateTime, nullable=True)


INVITATION_KINDS = ("maatje", "leerling", "coordinator")


class Pairing(Base):
    """A buddy and a learner. Nothing is shared before the learner's yes (``status``
    ``asked`` until then); the first names are what each side shows of the other, kept
    because the bot must say who sent a prompt. Ended pairings keep no names."""

    __tablename__ = "pairings"

    id = Column(Integer, primary_key=True)
    buddy_id = Column(BigInteger, nullable=False)
    learner_id = Column(BigInteger, nullable=False)
    buddy_name = Column(String(32), nullable=True)
    learner_name = Column(String(32), nullable=True)
    place = Column(String(32), nullable=True)
    status = Column(String(12), nullable=False)  # one of PAIRING_STATUSES
    practice_ok = Column(Boolean, nullable=False, default=False)
    progress_ok = Column(Boolean, nullable=False, default=False)
    paused_until = Column(DateTime, nullable=True)
    started_at = Column(DateTime, nullable=False, default=utcnow)
    ended_at = Column(DateTime, nullable=True)

    __table_args__ = (
        Index("ix_pairings_buddy_id_status", "buddy_id", "status"),
        Index("ix_pairings_learner_id_status", "learner_id", "status"),
    )


PAIRING_STATUSES = ("asked", "active", "ended")


class BuddyMessage(Base):
    """What passes between a buddy and a learner: a prompt (being written, queued, sent,
    answered), an answer, a reaction, a notice. ``body`` (JSON) holds the text, the answer
    choices and Telegram's file or message ids; it is emptied by the retention job 14 days
    after delivery. Statistics live in ``buddy_events``, without text."""

    __tablename__ = "buddy_messages"

    id = Column(Integer, primary_key=True)
    pairing_id = Column(Integer, nullable=True)
    kind = Column(String(12), nullable=False)  # one of BUDDY_MESSAGE_KINDS
    sender_id = Column(BigInteger, nullable=True)
    recipient_id = Column(BigInteger, nullable=False)
    prompt_id = Column(Integer, nullable=True)  # an answer's or reaction's prompt
    status = Column(String(12), nullable=False)  # one of BUDDY_MESSAGE_STATUSES
    body = Column(Text, nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    sent_at = Column(DateTime, nullable=True)
    answered_at = Column(DateTime, nullable=True)

    __table_args__ = (
        Index("ix_buddy_messages_recipient_status", "recipient_id", "status"),
        Index("ix_buddy_messages_sender_status", "sender_id", "status"),
        Index("ix_buddy_messages_pairing_id", "pairing_id"),
    )


BUDDY_MESSAGE_KINDS = ("vraag", "antwoord", "reactie", "bericht")
# concept: the buddy is writing it; wacht: in the outbox; verstuurd: delivered;
# beantwoord: the learner answered (prompts only).
BUDDY_MESSAGE_STATUSES = ("concept", "wacht", "verstuurd", "beantwoord")


class BuddyEvent(Base):
    """One buddy statistic (prompt sent, answered and how fast, tip shown or followed,
    pairing started or ended), per place: no person, no pseudonym, no text."""

    __tablename__ = "buddy_events"

    id = Column(Integer, primary_key=True)
    kind = Column(String(24), nullable=False)  # one of BUDDY_EVENT_KINDS
    place = Column(String(32), nullable=True)
    seconds = Column(Float, nullable=True)  # time to answer, for "antwoord"
    created_at = Column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_buddy_events_created_at", "created_at"),)


BUDDY_EVENT_KINDS = (
    "koppeling_begin", "koppeling_einde", "vraag_verstuurd", "antwoord", "tip_getoond",
    "tip_gevolgd", "tip_genegeerd",
)  # fmt: skip


class LoginLink(Base):
    """A coordinator's login link to the dashboard: single use, 10 minutes; only the
    hash of its token is stored."""

    __tablename__ = "login_links"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    telegram_id = Column(BigInteger, nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    expires_at = Column(DateTime, nullable=False)
    used_at = Column(DateTime, nullable=True)


# --- the dashboard's statistics: a pseudonymous learner dimension and weekly roll-ups ---


class LearnerFacts(Base):
    """What the statistics know of a learner, by pseudonym only (no Telegram id): the place
    (from a buddy's invitation or an appointment), the profile chosen, when they started."""

    __tablename__ = "learner_facts"

    user_key = Column(String(32), primary_key=True)
    place = Column(String(32), nullable=False, default="")  # "" while unknown
    profile = Column(String(16), nullable=False, default="")  # "" until chosen
    started_at = Column(DateTime, nullable=False, default=utcnow)
    started_week = Column(Date, nullable=False)  # Monday of the first week (Amsterdam)
    started_week_no = Column(Integer, nullable=False, default=0)  # bot.store.stats.week_number
    profile_at = Column(DateTime, nullable=True)


class LearnerWeek(Base):
    """One learner's week (Monday, Amsterdam time), rolled up from the raw events by
    bot/store/stats.py: the pages count these rows, never the events."""

    __tablename__ = "learner_weeks"

    week = Column(Date, primary_key=True)
    user_key = Column(String(32), primary_key=True)
    week_no = Column(Integer, nullable=False, default=0)  # the funnel: weeks since the start
    place = Column(String(32), nullable=False, default="")
    profile = Column(String(16), nullable=False, default="")
    messages = Column(Integer, nullable=False, default=0)
    not_understood = Column(Integer, nullable=False, default=0)
    exercises = Column(Integer, nullable=False, default=0)
    correct = Column(Integer, nullable=False, default=0)
    rounds = Column(Integer, nullable=False, default=0)
    levels_up = Column(Integer, nullable=False, default=0)
    levels_down = Column(Integer, nullable=False, default=0)

    __table_args__ = (Index("ix_learner_weeks_place_week", "place", "week"),)


class ItemWeek(Base):
    """Exercises answered per week, place, profile, theme, level and item (no learner)."""

    __tablename__ = "item_weeks"

    week = Column(Date, primary_key=True)
    place = Column(String(32), primary_key=True)
    profile = Column(String(16), primary_key=True)
    theme = Column(String(32), primary_key=True)
    level = Column(Integer, primary_key=True)
    item_key = Column(String(64), primary_key=True)
    answered = Column(Integer, nullable=False)
    correct = Column(Integer, nullable=False)
    learners = Column(Integer, nullable=False)  # how many learners answered it that week

    __table_args__ = (Index("ix_item_weeks_place_week", "place", "week"),)


class CountWeek(Base):
    """Other counts per week and place: Taalhuis events by kind and topic, "Bedoel je?"
    by outcome, buddy events (``source``: taalhuis, bedoel, maatje)."""

    __tablename__ = "count_weeks"

    week = Column(Date, primary_key=True)
    place = Column(String(32), primary_key=True)
    profile = Column(String(16), primary_key=True)
    source = Column(String(16), primary_key=True)
    kind = Column(String(32), primary_key=True)
    detail = Column(String(32), primary_key=True)
    n = Column(Integer, nullable=False)

    __table_args__ = (Index("ix_count_weeks_place_week", "place", "week"),)


class RollupState(Base):
    """How far the roll-ups are complete (``through``: the oldest week still open)."""

    __tablename__ = "rollup_state"

    name = Column(String(32), primary_key=True)
    week = Column(Date, nullable=True)
    refreshed_at = Column(DateTime, nullable=True)


class VoiceOverride(Base):
    """A coordinator's own recording of a fixed learner text (OGG/Opus under the audio
    folder), sent instead of the synthetic voice; ``speed`` "gewoon" or "langzaam"."""

    __tablename__ = "voice_overrides"

    text_id = Column(String(96), primary_key=True)
    speed = Column(String(12), primary_key=True)
    text_hash = Column(String(64), nullable=False)  # the text it was recorded for
    path = Column(String(255), nullable=False)
    duration = Column(Float, nullable=False)
    telegram_file_id = Column(String(255), nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_voice_overrides_text_hash", "text_hash"),)
