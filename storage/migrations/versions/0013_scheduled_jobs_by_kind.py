"""find waiting scheduled jobs of one kind by index (start-up with many reminders stays fast)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22 11:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("scheduledjob", schema=None) as batch_op:
        batch_op.create_index("ix_scheduledjob_kind_pending", ["kind", "done_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scheduledjob", schema=None) as batch_op:
        batch_op.drop_index("ix_scheduledjob_kind_pending")
