"""repairs: a table for photos' bytes, where the store is PostgreSQL

A photo beside a SQLite file is kept in the folder next to it; a PostgreSQL server is reached by
every Moot process, which a folder on one machine is not, so there the cleaned bytes are kept in
the store itself (bot.repairs.photos).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "repairphotodata",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )


def downgrade() -> None:
    op.drop_table("repairphotodata")
