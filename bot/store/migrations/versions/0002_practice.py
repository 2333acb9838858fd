"""Practice: the open round, Leitner boxes, levels per theme, exercise events.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("intake_done", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "practice_state",
        sa.Column("telegram_id", sa.BigInteger(), primary_key=True),
        sa.Column("rounds", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("state", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "practice_items",
        sa.Column("telegram_id", sa.BigInteger(), primary_key=True),
        sa.Column("item_key", sa.String(64), primary_key=True),
        sa.Column("box", sa.Integer(), nullable=False),
        sa.Column("last_round", sa.Integer(), nullable=False),
        sa.Column("seen", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
    )
    op.create_table(
        "practice_themes",
        sa.Column("telegram_id", sa.BigInteger(), primary_key=True),
        sa.Column("theme", sa.String(32), primary_key=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("good_rounds", sa.Integer(), nullable=False),
        sa.Column("poor_rounds", sa.Integer(), nullable=False),
    )
    op.create_table(
        "practice_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_key", sa.String(32), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("theme", sa.String(32), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("item_key", sa.String(64), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=True),
        sa.Column("replays", sa.Integer(), nullable=False),
        sa.Column("slower", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_practice_events_user_key", "practice_events", ["user_key"])
    op.create_index("ix_practice_events_created_at", "practice_events", ["created_at"])


def downgrade() -> None:
    op.drop_table("practice_events")
    op.drop_table("practice_themes")
    op.drop_table("practice_items")
    op.drop_table("practice_state")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("intake_done")
