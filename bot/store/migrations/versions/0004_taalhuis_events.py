"""Taalhuis statistics: information asked, appointments made, moved, cancelled, full.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "taalhuis_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_key", sa.String(32), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("location_id", sa.String(32), nullable=True),
        sa.Column("detail", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_taalhuis_events_user_key", "taalhuis_events", ["user_key"])
    op.create_index("ix_taalhuis_events_created_at", "taalhuis_events", ["created_at"])


def downgrade() -> None:
    op.drop_table("taalhuis_events")
