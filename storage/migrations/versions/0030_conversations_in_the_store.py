"""formprogress, heldanswer, ballotdraft: what a conversation leaves half-way is in the store

Forms answered one question at a time, private answers waiting for someone to open a chat with
Moot, and ballots being filled in by pressing options were kept in the memory of the process that
took the last message; with several processes, the next message may reach another one. Nothing
is carried over: what one process held in memory is lost at the upgrade's restart, as before.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-11 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "formprogress",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("form", sa.Text(), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("next_question", sa.Integer(), nullable=False),
        sa.Column("started_at", storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "chat_id", "user_id"),
    )
    op.create_table(
        "heldanswer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("held_at", storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("heldanswer", schema=None) as batch_op:
        batch_op.create_index("ix_heldanswer_person", ["platform", "user_id", "id"])
    op.create_table(
        "ballotdraft",
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("marks", sa.Text(), nullable=True),
        sa.Column("sealed", sa.LargeBinary(), nullable=True),
        sa.Column("changed_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["poll_id"], ["poll.id"]),
        sa.PrimaryKeyConstraint("poll_id", "person_id"),
    )


def downgrade() -> None:
    op.drop_table("ballotdraft")
    with op.batch_alter_table("heldanswer", schema=None) as batch_op:
        batch_op.drop_index("ix_heldanswer_person")
    op.drop_table("heldanswer")
    op.drop_table("formprogress")
