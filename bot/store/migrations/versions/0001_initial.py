"""Initial tables: users, voice clips, analytics events.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("profile", sa.String(16), nullable=False),
        sa.Column("voice_on", sa.Boolean(), nullable=False),
        sa.Column("reminders_opt_in", sa.Boolean(), nullable=False),
        sa.Column("privacy_seen", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "voice_clips",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("engine", sa.String(16), nullable=False),
        sa.Column("path", sa.String(255), nullable=False),
        sa.Column("duration", sa.Float(), nullable=False),
        sa.Column("telegram_file_id", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "analytics_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_key", sa.String(32), nullable=False),
        sa.Column("intent", sa.String(64), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("action", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_analytics_user_key", "analytics_events", ["user_key"])
    op.create_index("ix_analytics_created_at", "analytics_events", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_analytics_created_at", "analytics_events")
    op.drop_index("ix_analytics_user_key", "analytics_events")
    op.drop_table("analytics_events")
    op.drop_table("voice_clips")
    op.drop_table("users")
