"""ballotdraft: a secret ballot in progress is stored nowhere

A secret ballot being confirmed or filled in was kept in `ballotdraft.sealed`, encrypted under
SECRET_KEY; deleting it at the cast left it in the write-ahead log for whoever held the key. Its
marks now ride in its own buttons (bot/polls/carried.py), so the column goes, with the secret
drafts in it (their voters press Cast on a ballot that no longer has them and are told to vote
again), and with any private answer held for a /start that shows a secret choice before its
cast (those are never held now).

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-12 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The confirmation a secret ballot used to ask for (bot/polls/commands/voting.py).
_SECRET_CONFIRMATION = "%Once cast it cannot be changed. Cast it?%"


def upgrade() -> None:
    op.execute("DELETE FROM ballotdraft WHERE sealed IS NOT NULL OR marks IS NULL")
    op.execute(
        sa.text("DELETE FROM heldanswer WHERE content LIKE :shown").bindparams(
            shown=_SECRET_CONFIRMATION
        )
    )
    with op.batch_alter_table("ballotdraft", schema=None) as batch_op:
        batch_op.drop_column("sealed")
        batch_op.alter_column("marks", existing_type=sa.Text(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("ballotdraft", schema=None) as batch_op:
        batch_op.alter_column("marks", existing_type=sa.Text(), nullable=True)
        batch_op.add_column(sa.Column("sealed", sa.LargeBinary(), nullable=True))
