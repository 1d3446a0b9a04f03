"""outbox: an index of the card edits waiting, by the post they edit

A change to a live card (a vote, an answer, a repair update) looks for an edit of the card
already waiting before it queues one (bot.outbox.queue.edit_cards); only waiting entries are
indexed, so the index stays as small as the queue.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_edits_waiting",
            ["edit_of"],
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_edits_waiting")
