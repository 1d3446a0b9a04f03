"""repairs: each community's out-of-hours emergency message, and Awaab's Law emergency hazards
(when the team said a report is one, and when it was made safe)

A tenant withdrawing a report is a new status, "withdrawn", which the status column (a string
with no constraint) holds as it is. Columns are added in place (ALTER TABLE ... ADD COLUMN), not
by rebuilding the tables: repairreport is referenced by other tables.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("repairsettings", sa.Column("emergency_text", sa.String(1000), nullable=True))
    op.add_column("repairreport", sa.Column("emergency_at", storage.types.UTCDateTime()))
    op.add_column("repairreport", sa.Column("made_safe_at", storage.types.UTCDateTime()))


def downgrade() -> None:
    op.drop_column("repairreport", "made_safe_at")
    op.drop_column("repairreport", "emergency_at")
    op.drop_column("repairsettings", "emergency_text")
