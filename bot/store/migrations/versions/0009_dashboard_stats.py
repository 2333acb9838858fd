"""The dashboard: the pseudonymous learner dimension, weekly roll-ups, own voices.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COUNT = {"nullable": False, "server_default": "0"}


def upgrade() -> None:
    op.create_table(
        "learner_facts",
        sa.Column("user_key", sa.String(32), primary_key=True),
        sa.Column("place", sa.String(32), nullable=False, server_default=""),
        sa.Column("profile", sa.String(16), nullable=False, server_default=""),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("started_week", sa.Date(), nullable=False),
        sa.Column("started_week_no", sa.Integer(), **COUNT),
        sa.Column("profile_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "learner_weeks",
        sa.Column("week", sa.Date(), primary_key=True),
        sa.Column("user_key", sa.String(32), primary_key=True),
        sa.Column("week_no", sa.Integer(), **COUNT),
        sa.Column("place", sa.String(32), nullable=False, server_default=""),
        sa.Column("profile", sa.String(16), nullable=False, server_default=""),
        *(
            sa.Column(name, sa.Integer(), **COUNT)
            for name in (
                "messages",
                "not_understood",
                "exercises",
                "correct",
                "rounds",
                "levels_up",
                "levels_down",
            )
        ),
    )
    op.create_index("ix_learner_weeks_place_week", "learner_weeks", ["place", "week"])
    op.create_table(
        "item_weeks",
        sa.Column("week", sa.Date(), primary_key=True),
        sa.Column("place", sa.String(32), primary_key=True),
        sa.Column("profile", sa.String(16), primary_key=True),
        sa.Column("theme", sa.String(32), primary_key=True),
        sa.Column("level", sa.Integer(), primary_key=True),
        sa.Column("item_key", sa.String(64), primary_key=True),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("learners", sa.Integer(), nullable=False),
    )
    op.create_index("ix_item_weeks_place_week", "item_weeks", ["place", "week"])
    op.create_table(
        "count_weeks",
        sa.Column("week", sa.Date(), primary_key=True),
        sa.Column("place", sa.String(32), primary_key=True),
        sa.Column("profile", sa.String(16), primary_key=True),
        sa.Column("source", sa.String(16), primary_key=True),
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("detail", sa.String(32), primary_key=True),
        sa.Column("n", sa.Integer(), nullable=False),
    )
    op.create_index("ix_count_weeks_place_week", "count_weeks", ["place", "week"])
    op.create_table(
        "rollup_state",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("week", sa.Date(), nullable=True),
        sa.Column("refreshed_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "voice_overrides",
        sa.Column("text_id", sa.String(96), primary_key=True),
        sa.Column("speed", sa.String(12), primary_key=True),
        sa.Column("text_hash", sa.String(64), nullable=False),
        sa.Column("path", sa.String(255), nullable=False),
        sa.Column("duration", sa.Float(), nullable=False),
        sa.Column("telegram_file_id", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_voice_overrides_text_hash", "voice_overrides", ["text_hash"])
    # The pages filter the raw events by time only while rolling them up; the desk's day
    # and the funnel look up appointments by place and day.
    # A coordinator of several places keeps them comma-separated: more than 32 characters.
    with op.batch_alter_table("person_roles") as batch:
        batch.alter_column("place", type_=sa.String(255), existing_type=sa.String(32))
    op.create_index("ix_appointments_location_starts", "appointments", ["location_id", "starts_at"])


def downgrade() -> None:
    with op.batch_alter_table("person_roles") as batch:
        batch.alter_column("place", type_=sa.String(32), existing_type=sa.String(255))
    op.drop_index("ix_appointments_location_starts", "appointments")
    for table in ("voice_overrides", "rollup_state", "count_weeks", "item_weeks",
                  "learner_weeks", "learner_facts"):  # fmt: skip
        op.drop_table(table)
