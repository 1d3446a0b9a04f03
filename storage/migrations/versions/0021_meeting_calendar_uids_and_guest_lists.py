"""meetings: calendar UIDs of their own (old ones kept), and whether members see who is going

A meeting or series already announced keeps the UID calendars hold (`meeting-<id>@moot`,
`series-<id>@moot`): a new one would show every imported meeting twice. New ones get a random
UID (storage.meetings.new_calendar_uid), so two installations of Moot never share one.

Columns are added in place (ALTER TABLE ... ADD COLUMN), not by rebuilding the tables: meeting
and meetingseries are referenced by other tables, and with foreign keys on, rebuilding a
referenced table that has rows fails.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 09:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("meeting", sa.Column("calendar_uid", sa.String(length=80), nullable=True))
    op.add_column(
        "meeting", sa.Column("guests_visible", sa.Boolean(), server_default="0", nullable=False)
    )
    op.add_column("meetingseries", sa.Column("calendar_uid", sa.String(length=80), nullable=True))
    op.execute("UPDATE meeting SET calendar_uid = 'meeting-' || id || '@moot'")
    op.execute("UPDATE meetingseries SET calendar_uid = 'series-' || id || '@moot'")


def downgrade() -> None:
    op.drop_column("meetingseries", "calendar_uid")
    op.drop_column("meeting", "guests_visible")
    op.drop_column("meeting", "calendar_uid")
