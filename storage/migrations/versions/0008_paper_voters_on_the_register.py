"""organisers mark who voted on paper, so no one votes both ways

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 10:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "papervoter",
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("marked_by_person_id", sa.Integer(), nullable=False),
        sa.Column("marked_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["marked_by_person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["poll_id"], ["poll.id"]),
        sa.PrimaryKeyConstraint("poll_id", "person_id"),
    )


def downgrade() -> None:
    op.drop_table("papervoter")
