"""polls, meetings: indexes for the web's Decisions and Meetings pages

A community's closed polls newest first and its open polls soonest to close first (each one
range, read no further than the page shows), and its meetings by start, both ways from now
(bot/polls/web.py, bot/meetings/web.py).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-09 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_poll_community_closed", "poll", ["community_id", "status", "closed_at", "number"]
    )
    op.create_index(
        "ix_poll_community_closes", "poll", ["community_id", "status", "closes_at", "number"]
    )
    op.create_index(
        "ix_meeting_community_starts", "meeting", ["community_id", "starts_at", "number"]
    )


def downgrade() -> None:
    op.drop_index("ix_meeting_community_starts", "meeting")
    op.drop_index("ix_poll_community_closes", "poll")
    op.drop_index("ix_poll_community_closed", "poll")
