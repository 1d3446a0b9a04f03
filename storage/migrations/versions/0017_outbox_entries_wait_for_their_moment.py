"""outbox entries can wait for their moment (prepared reminders) and be withdrawn by what they
are about

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-22 11:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("not_before", storage.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("about", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_outbox_about", ["about"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_about")
        batch_op.drop_column("about")
        batch_op.drop_column("not_before")
