"""recurring meetings: a series with its rule, and each occurrence's place in it

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22 10:36:14.325396
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meetingseries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=100), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("ended_at", storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("meetingseries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meetingseries_community_id"), ["community_id"], unique=False
        )

    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("series_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("occurrence_at", storage.types.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_meeting_series_id"), ["series_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_meeting_series_id_meetingseries", "meetingseries", ["series_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_constraint("fk_meeting_series_id_meetingseries", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_meeting_series_id"))
        batch_op.drop_column("occurrence_at")
        batch_op.drop_column("series_id")

    with op.batch_alter_table("meetingseries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meetingseries_community_id"))

    op.drop_table("meetingseries")
