"""outbox entries get a number per community, for admins' /outbox and /resend

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-22 14:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number", sa.Integer(), nullable=True))
        batch_op.create_index("ux_outbox_number", ["community_id", "number"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ux_outbox_number")
        batch_op.drop_column("number")
