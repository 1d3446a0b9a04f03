"""finding a time: candidate slots, who can make each, and the meeting picked from them

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-22 10:55:25.024884
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "timefinder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_by_person_id", sa.Integer(), nullable=False),
        sa.Column("origin_platform", sa.String(length=16), nullable=False),
        sa.Column("origin_chat_id", sa.String(length=64), nullable=False),
        sa.Column("origin_thread_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by_person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
        ),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["outbox.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "number"),
    )
    with op.batch_alter_table("timefinder", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_timefinder_community_id"), ["community_id"], unique=False
        )

    op.create_table(
        "slotanswer",
        sa.Column("finder_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["finder_id"],
            ["timefinder.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("finder_id", "number", "person_id"),
    )
    op.create_table(
        "timeslot",
        sa.Column("finder_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("starts_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["finder_id"],
            ["timefinder.id"],
        ),
        sa.PrimaryKeyConstraint("finder_id", "number"),
    )


def downgrade() -> None:
    op.drop_table("timeslot")
    op.drop_table("slotanswer")
    with op.batch_alter_table("timefinder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_timefinder_community_id"))

    op.drop_table("timefinder")
