"""ballotdraft: a secret ballot in progress is stored nowhere

A secret ballot being confirmed or filled in was kept in `ballotdraft.sealed`, encrypted under
SECRET_KEY; deleting it at the cast left it in the write-ahead log for whoever held the key. Its
marks now ride in its own buttons (bot/polls/carried.py), so the column goes, with the secret
drafts in it (their voters press Cast on a ballot that no longer has them and are told to vote
again), and with any private answer held for a /start that shows a secret ballot before its
cast: a confirmation, or a ballot being filled in (those are never held now).

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

# What a secret ballot before its cast said: its confirmation, and a ballot being filled in
# (bot/polls/commands/voting.py, bot/polls/render.py).
_SECRET_BEFORE_CAST = (
    "%Once cast it cannot be changed. Cast it?%",
    "%A secret ballot is final once cast.%",
)


def upgrade() -> None:
    op.execute("DELETE FROM ballotdraft WHERE sealed IS NOT NULL OR marks IS NULL")
    for shown in _SECRET_BEFORE_CAST:
        op.execute(
            sa.text("DELETE FROM heldanswer WHERE content LIKE :shown").bindparams(shown=shown)
        )
    with op.batch_alter_table("ballotdraft", schema=None) as batch_op:
        batch_op.drop_column("sealed")
        batch_op.alter_column("marks", existing_type=sa.Text(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("ballotdraft", schema=None) as batch_op:
        batch_op.alter_column("marks", existing_type=sa.Text(), nullable=True)
        batch_op.add_column(sa.Column("sealed", sa.LargeBinary(), nullable=True))
