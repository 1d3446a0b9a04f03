"""a scheduled job that can be planned again has an identity (kind|subject), and only one job
waits per identity, so re-planning a reminder or alert replaces it instead of adding another;
a repair report remembers which target each of its alerts was last sent for

Jobs already waiting get the key their kind now uses; where the old code left several waiting
for one identity (the duplicates this fixes), the latest plan is kept.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-23 10:00:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# kind -> the payload fields its subject is made of (see each kind's `reschedule` call).
_SUBJECTS: dict[str, tuple[tuple[str, str], ...]] = {
    "repairs.due_soon": (("report", "report"),),
    "repairs.overdue": (("report", "report"),),
    "repairs.visit_reminder": (("report", "report"),),
    "repairs.digest": (("community", "community"),),
    "meetings.remind": (("meeting", "meeting"), ("before", "before")),
    "meetings.personal_reminder": (("meeting", "meeting"), ("person", "person")),
    "meetings.nudge": (("meeting", "meeting"),),
    "meetings.series": (("meeting", "meeting"),),
    "meetings.events": (("meeting", "meeting"),),
    "polls.close": (("poll", "poll"),),
    "polls.remind": (("poll", "poll"),),
    "polls.review": (("poll", "poll"),),
}


def _key(kind: str, payload: str) -> str:
    """kind|subject, as bot.scheduler.job_key builds it ("meetings.remind|meeting:3:before:60");
    read in Python so the migration runs the same on every database."""
    fields = json.loads(payload or "{}")
    parts = [f"{label}:{fields.get(name)}" for label, name in _SUBJECTS[kind]]
    return f"{kind}|{':'.join(parts)}"


def upgrade() -> None:
    with op.batch_alter_table("scheduledjob", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key", sa.String(length=160), nullable=True))
    bind = op.get_bind()
    waiting = bind.execute(
        sa.text("SELECT id, kind, payload FROM scheduledjob WHERE done_at IS NULL")
    ).all()
    for job_id, kind, payload in waiting:
        if kind in _SUBJECTS:
            bind.execute(
                sa.text("UPDATE scheduledjob SET key = :key WHERE id = :id"),
                {"key": _key(kind, payload), "id": job_id},
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
