"""Buddies: roles, invitations, pairings, the messages between buddy and learner, statistics.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_roles",
        sa.Column("telegram_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("role", sa.String(16), primary_key=True),
        sa.Column("place", sa.String(32), nullable=True),
        sa.Column("name", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("place", sa.String(32), nullable=True),
        sa.Column("buddy_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("used_by", sa.BigInteger(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "pairings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("buddy_id", sa.BigInteger(), nullable=False),
        sa.Column("learner_id", sa.BigInteger(), nullable=False),
        sa.Column("buddy_name", sa.String(32), nullable=True),
        sa.Column("learner_name", sa.String(32), nullable=True),
        sa.Column("place", sa.String(32), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("practice_ok", sa.Boolean(), nullable=False),
        sa.Column("progress_ok", sa.Boolean(), nullable=False),
        sa.Column("paused_until", sa.DateTime(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_pairings_buddy_id_status", "pairings", ["buddy_id", "status"])
    op.create_index("ix_pairings_learner_id_status", "pairings", ["learner_id", "status"])
    op.create_table(
        "buddy_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("pairing_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("sender_id", sa.BigInteger(), nullable=True),
        sa.Column("recipient_id", sa.BigInteger(), nullable=False),
        sa.Column("prompt_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
    )
    op.create_index(
        "ix_buddy_messages_recipient_status", "buddy_messages", ["recipient_id", "status"]
    )
    op.create_index("ix_buddy_messages_sender_status", "buddy_messages", ["sender_id", "status"])
    op.create_index("ix_buddy_messages_pairing_id", "buddy_messages", ["pairing_id"])
    op.create_table(
        "buddy_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("place", sa.String(32), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_buddy_events_created_at", "buddy_events", ["created_at"])


def downgrade() -> None:
    op.drop_table("buddy_events")
    op.drop_table("buddy_messages")
    op.drop_table("pairings")
    op.drop_table("invitations")
    op.drop_table("person_roles")
