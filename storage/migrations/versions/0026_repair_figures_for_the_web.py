"""repairs: indexes for the web's Repairs page

Fixes by date (the figures month by month, one range of a covering index), the open problems
in shared places (a partial index, counted without reading reports about homes), and each
tenant's own reports newest first (bot/repairs/web.py).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As storage.repairs.COMMUNAL_OPEN says it today (a migration keeps its own copy).
COMMUNAL_OPEN = (
    "location <> 'home' AND status IN ('reported', 'acknowledged', 'investigating', "
    "'visit-scheduled', 'in-progress', 'needs-info', 'no-access')"
)


def upgrade() -> None:
    op.create_index(
        "ix_repairreport_fixed_on",
        "repairreport",
        ["community_id", "fixed_at", "priority", "fix_hours", "fixed_on_time"],
    )
    op.create_index(
        "ix_repairreport_communal",
        "repairreport",
        ["community_id", "number"],
        sqlite_where=sa.text(COMMUNAL_OPEN),
        postgresql_where=sa.text(COMMUNAL_OPEN),
    )
    op.create_index(
        "ix_repairreport_reporter", "repairreport", ["community_id", "reporter_person_id", "number"]
    )


def downgrade() -> None:
    op.drop_index("ix_repairreport_reporter", "repairreport")
    op.drop_index("ix_repairreport_communal", "repairreport")
    op.drop_index("ix_repairreport_fixed_on", "repairreport")
