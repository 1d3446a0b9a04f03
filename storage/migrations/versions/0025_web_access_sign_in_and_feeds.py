"""web: what each community shows, sign-in links, web sessions and calendar feed tokens

A community shows nothing until an admin says otherwise (no row: off). Sign-in links and
sessions keep only the sha256 of their token; feed tokens are kept as they are, two for each
member of a community (its whole calendar, and the meetings they are going to; bot.web.service).
Meetings and series are indexed by calendar UID, which a card's "add to calendar" link names.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "communityweb",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("access", sa.String(length=16), nullable=False),
        sa.Column("changed_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("community_id"),
    )
    op.create_table(
        "signinlink",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("used_at", storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("signinlink", schema=None) as batch_op:
        batch_op.create_index("ix_signinlink_person_created", ["person_id", "created_at"])
    op.create_table(
        "websession",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("websession", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_websession_person_id"), ["person_id"])
    op.create_table(
        "feedtoken",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("whole", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("token"),
    )
    with op.batch_alter_table("feedtoken", schema=None) as batch_op:
        batch_op.create_index("ix_feedtoken_person_id", ["person_id"])
        batch_op.create_index(
            "ux_feedtoken_member", ["community_id", "person_id", "whole"], unique=True
        )
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_calendar_uid"), ["calendar_uid"])
    with op.batch_alter_table("meetingseries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meetingseries_calendar_uid"), ["calendar_uid"])


def downgrade() -> None:
    with op.batch_alter_table("meetingseries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meetingseries_calendar_uid"))
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_calendar_uid"))
    op.drop_table("feedtoken")
    op.drop_table("websession")
    op.drop_table("signinlink")
    op.drop_table("communityweb")
