"""ballotkey: secret ballots held before sealing are encrypted to the sealing process's key

A ballot cast on any of several Moot processes is held encrypted to the public key of the one
process that seals (bot/polls/sealing.py), instead of with a one-time pad kept in the memory of
the process that took it; held ballots of the old kind are unreadable to the new code and
are reported lost at the first start, as after any restart.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-10 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ballotkey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.LargeBinary(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("ballotkey")
