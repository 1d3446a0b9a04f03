"""webhookregistration: a bot's webhook is registered once per change, not by every process

With several Moot processes, each registered Telegram's webhook as it started. Now the first to
find the registration changed (address, secret, connections, kinds of update) registers it and
keeps a digest here; the others, and later restarts, leave it.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-14 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "webhookregistration",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("bot_id", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "bot_id"),
    )


def downgrade() -> None:
    op.drop_table("webhookregistration")
