"""notice is kept in minutes, so that `notice: 36h` means 36 hours

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 09:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notice_minutes", sa.Integer(), nullable=True))
    op.execute("UPDATE poll SET notice_minutes = notice_days * 1440 WHERE notice_days IS NOT NULL")
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.drop_column("notice_days")


def downgrade() -> None:
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notice_days", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE poll SET notice_days = notice_minutes / 1440 WHERE notice_minutes IS NOT NULL"
    )
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.drop_column("notice_minutes")
