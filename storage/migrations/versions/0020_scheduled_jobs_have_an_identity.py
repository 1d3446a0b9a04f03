"""a scheduled job that can be planned again has an identity (kind|subject), and only one job
waits per identity, so re-planning a reminder or alert replaces it instead of adding another;
a repair report remembers which target each of its alerts was last sent for

Jobs already waiting get the key their kind now uses; where the old code left several waiting
for one identity (the duplicates this fixes), the latest plan is kept.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-23 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# kind -> the subject, as SQL over the job's JSON payload (see each kind's `reschedule` call).
_SUBJECTS = {
    "repairs.due_soon": "'report:' || json_extract(payload, '$.report')",
    "repairs.overdue": "'report:' || json_extract(payload, '$.report')",
    "repairs.visit_reminder": "'report:' || json_extract(payload, '$.report')",
    "repairs.digest": "'community:' || json_extract(payload, '$.community')",
    "meetings.remind": (
        "'meeting:' || json_extract(payload, '$.meeting') || ':before:' "
        "|| json_extract(payload, '$.before')"
    ),
    "meetings.personal_reminder": (
        "'meeting:' || json_extract(payload, '$.meeting') || ':person:' "
        "|| json_extract(payload, '$.person')"
    ),
    "meetings.nudge": "'meeting:' || json_extract(payload, '$.meeting')",
    "meetings.series": "'meeting:' || json_extract(payload, '$.meeting')",
    "polls.close": "'poll:' || json_extract(payload, '$.poll')",
    "polls.remind": "'poll:' || json_extract(payload, '$.poll')",
    "polls.review": "'poll:' || json_extract(payload, '$.poll')",
}


def upgrade() -> None:
    with op.batch_alter_table("scheduledjob", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key", sa.String(length=160), nullable=True))
    for kind, subject in _SUBJECTS.items():
        op.execute(
            sa.text(
                f"UPDATE scheduledjob SET key = kind || '|' || {subject} "
                "WHERE done_at IS NULL AND kind = :kind"
            ).bindparams(kind=kind)
        )
    op.execute(
        "DELETE FROM scheduledjob WHERE done_at IS NULL AND key IS NOT NULL AND id NOT IN "
        "(SELECT max(id) FROM scheduledjob WHERE done_at IS NULL AND key IS NOT NULL "
        "GROUP BY key)"
    )
    with op.batch_alter_table("scheduledjob", schema=None) as batch_op:
        batch_op.create_index(
            "ux_scheduledjob_pending_key",
            ["key"],
            unique=True,
            sqlite_where=sa.text("done_at IS NULL"),
            postgresql_where=sa.text("done_at IS NULL"),
        )
    with op.batch_alter_table("repairreport", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("due_soon_told_for", storage.types.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("overdue_told_for", storage.types.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("repairreport", schema=None) as batch_op:
        batch_op.drop_column("overdue_told_for")
        batch_op.drop_column("due_soon_told_for")
    with op.batch_alter_table("scheduledjob", schema=None) as batch_op:
        batch_op.drop_index("ux_scheduledjob_pending_key")
        batch_op.drop_column("key")
