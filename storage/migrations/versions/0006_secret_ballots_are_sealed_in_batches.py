"""secret ballots are sealed in batches: the voter roll holds a ballot until it is sealed

The roll is rebuilt without rowids, so that after a close it keeps no order of voting.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table(
        "voterroll", recreate="always", table_kwargs={"sqlite_with_rowid": False}
    ) as batch_op:
        batch_op.add_column(sa.Column("waiting", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("held", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("voterroll", recreate="always") as batch_op:
        batch_op.drop_column("held")
        batch_op.drop_column("waiting")
