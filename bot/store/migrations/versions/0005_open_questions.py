"""The question on screen (typed answers to buttons) and the "Bedoel je ...?" statistics.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "open_questions",
        sa.Column("telegram_id", sa.BigInteger(), primary_key=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "clarification_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_key", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_clarification_events_user_key", "clarification_events", ["user_key"])
    op.create_index("ix_clarification_events_created_at", "clarification_events", ["created_at"])


def downgrade() -> None:
    op.drop_table("clarification_events")
    op.drop_table("open_questions")
