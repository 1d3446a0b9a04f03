"""repair reports, their timelines, pauses and followers, the homes register, and each
community's repairs settings

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-22 12:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "home",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=40), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "ref"),
    )
    with op.batch_alter_table("home", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_home_community_id"), ["community_id"], unique=False)
    op.create_table(
        "tenancy",
        sa.Column("home_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["home_id"], ["home.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("home_id", "person_id"),
    )
    with op.batch_alter_table("tenancy", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tenancy_person_id"), ["person_id"], unique=False)
    op.create_table(
        "repairsettings",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("nation", sa.String(length=24), nullable=False),
        sa.Column("triage_platform", sa.String(length=16), nullable=True),
        sa.Column("triage_chat_id", sa.String(length=64), nullable=True),
        sa.Column("triage_thread_id", sa.String(length=64), nullable=True),
        sa.Column("targets", sa.String(length=500), nullable=True),
        sa.Column("next_digest_at", storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
        ),
        sa.PrimaryKeyConstraint("community_id"),
    )
    op.create_table(
        "repairreport",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("reporter_person_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("location", sa.String(length=100), nullable=False),
        sa.Column("home_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("access", sa.String(length=300), nullable=True),
        sa.Column("vulnerability", sa.String(length=500), nullable=True),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reported_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("target_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("fix_hours", sa.Float(), nullable=True),
        sa.Column("fixed_on_time", sa.Boolean(), nullable=True),
        sa.Column("assignee_person_id", sa.Integer(), nullable=True),
        sa.Column("visit_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("investigated_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("summary_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("fixed_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("closed_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("card_delivery_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["card_delivery_id"],
            ["outbox.id"],
        ),
        sa.ForeignKeyConstraint(["home_id"], ["home.id"]),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reporter_person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "number"),
    )
    with op.batch_alter_table("repairreport", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_repairreport_community_id"), ["community_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_repairreport_reporter_person_id"), ["reporter_person_id"], unique=False
        )
        batch_op.create_index(
            "ix_repairreport_stats", ["community_id", "status", "priority"], unique=False
        )
        batch_op.create_index(
            "ix_repairreport_targets", ["community_id", "target_at"], unique=False
        )
        batch_op.create_index(
            "ix_repairreport_fixes",
            ["community_id", "priority", "fix_hours", "fixed_on_time"],
            unique=False,
        )

    op.create_table(
        "repairevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("actor_person_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("detail", sa.String(length=2000), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["repairreport.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("repairevent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repairevent_report_id"), ["report_id"], unique=False)

    op.create_table(
        "repairsupporter",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("added_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["report_id"], ["repairreport.id"]),
        sa.PrimaryKeyConstraint("report_id", "person_id"),
    )
    op.create_table(
        "repairphoto",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("added_by_person_id", sa.Integer(), nullable=False),
        sa.Column("added_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["added_by_person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["report_id"], ["repairreport.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("report_id", "sha256"),
    )
    with op.batch_alter_table("repairphoto", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repairphoto_report_id"), ["report_id"], unique=False)
    op.create_table(
        "repairpause",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("began", storage.types.UTCDateTime(), nullable=False),
        sa.Column("ended", storage.types.UTCDateTime(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["repairreport.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("repairpause", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repairpause_report_id"), ["report_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("repairpause", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repairpause_report_id"))

    op.drop_table("repairpause")
    op.drop_table("repairsupporter")
    with op.batch_alter_table("repairphoto", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repairphoto_report_id"))
    op.drop_table("repairphoto")
    with op.batch_alter_table("repairevent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repairevent_report_id"))

    op.drop_table("repairevent")
    with op.batch_alter_table("repairreport", schema=None) as batch_op:
        batch_op.drop_index("ix_repairreport_fixes")
        batch_op.drop_index("ix_repairreport_targets")
        batch_op.drop_index("ix_repairreport_stats")
        batch_op.drop_index(batch_op.f("ix_repairreport_reporter_person_id"))
        batch_op.drop_index(batch_op.f("ix_repairreport_community_id"))

    op.drop_table("repairreport")
    op.drop_table("repairsettings")
    with op.batch_alter_table("tenancy", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tenancy_person_id"))
    op.drop_table("tenancy")
    with op.batch_alter_table("home", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_home_community_id"))
    op.drop_table("home")
