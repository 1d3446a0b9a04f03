"""formprogress.last_update, formprogress.finished_at: a re-posted form answer is applied once

Telegram posts an update again when the process handling it died before answering; the store now
keeps the update id of the last answer applied to a form, and keeps a finished form (marked by
`finished_at`) until its answers have been submitted, so a re-posted answer is taken once and a
re-posted last answer still submits the form (bot/forms.py). Rows already there are forms under
way, with neither.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-13 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("formprogress", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_update", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("finished_at", storage.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("formprogress", schema=None) as batch_op:
        batch_op.drop_column("finished_at")
        batch_op.drop_column("last_update")
