"""a poll started in a thread (or forum post) is posted and edited there

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 10:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.add_column(sa.Column("origin_thread_id", sa.String(length=64), nullable=True))
    with op.batch_alter_table("pollpost", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thread_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pollpost", schema=None) as batch_op:
        batch_op.drop_column("thread_id")
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.drop_column("origin_thread_id")
