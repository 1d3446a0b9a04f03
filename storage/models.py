"""The tables of Moot's foundation: people, their platform accounts, communities and chats.

A *person* is one human; an *account* is that human on one platform. Everything that says who did
something points at the person, never at an account or a display name, so linking a Discord and a
Telegram account makes one member everywhere.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, String, UniqueConstraint, text
from sqlmodel import Field

from storage.table import Table
from storage.types import UTCDateTime

NAME_MAX = 80
CODE_MAX = 32


def _utc_column(*, nullable: bool = False, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class Role(StrEnum):
    """A member's role in a community. Admin includes organiser; every role includes member."""

    MEMBER = "member"
    ORGANISER = "organiser"
    REPAIRS = "repairs"
    ADMIN = "admin"


class MembershipStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    REMOVED = "removed"
    REJECTED = "rejected"


class JoinPolicy(StrEnum):
    APPROVAL = "approval"
    OPEN = "open"


class PollsBy(StrEnum):
    """Who may start quick polls (binding ballots are always for organisers)."""

    MEMBERS = "members"
    ORGANISERS = "organisers"


class Person(Table, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=String(NAME_MAX))
    created_at: datetime = Field(sa_column=_utc_column())
    # The community a person's direct-message commands apply to: the last one they used in a group.
    current_community_id: int | None = Field(default=None, foreign_key="community.id")


class Account(Table, table=True):
    __table_args__ = (UniqueConstraint("platform", "platform_user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(sa_type=String(16))
    platform_user_id: str = Field(sa_type=String(64))
    person_id: int = Field(foreign_key="person.id", index=True)
    display_name: str = Field(sa_type=String(NAME_MAX))
    # Where Moot can send this account a direct message, once known (Telegram: the private chat).
    direct_chat_id: str | None = Field(default=None, sa_type=String(64))
    last_seen_at: datetime = Field(sa_column=_utc_column())
    # Why direct messages to this account fail (never opened a chat, blocked Moot); cleared when
    # the person next writes to Moot privately.
    unreachable: str | None = Field(default=None, sa_type=String(300))


class Community(Table, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=String(NAME_MAX))
    timezone: str = Field(default="Europe/London", sa_type=String(64))
    join_policy: JoinPolicy = Field(default=JoinPolicy.APPROVAL, sa_type=String(16))
    polls_by: PollsBy = Field(
        default=PollsBy.MEMBERS, sa_type=String(16), sa_column_kwargs={"server_default": "members"}
    )
    # Given privately to admins: links another chat (on any platform) to this community.
    chat_code: str = Field(sa_type=String(CODE_MAX), unique=True)
    created_at: datetime = Field(sa_column=_utc_column())


class Chat(Table, table=True):
    __table_args__ = (UniqueConstraint("platform", "platform_chat_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(sa_type=String(16))
    platform_chat_id: str = Field(sa_type=String(64))
    title: str = Field(sa_type=String(NAME_MAX))
    community_id: int = Field(foreign_key="community.id", index=True)
    linked_by_person_id: int = Field(foreign_key="person.id")
    linked_at: datetime = Field(sa_column=_utc_column())
    # Why Moot stopped posting here (removed, no permission); cleared when the chat speaks again.
    unreachable: str | None = Field(default=None, sa_type=String(300))


class Membership(Table, table=True):
    __table_args__ = (
        UniqueConstraint("community_id", "person_id"),
        UniqueConstraint("community_id", "number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    number: int  # what organisers call it: Elm Court's member #12 (see bot/numbers.py)
    person_id: int = Field(foreign_key="person.id", index=True)
    role: Role = Field(default=Role.MEMBER, sa_type=String(16))
    status: MembershipStatus = Field(default=MembershipStatus.PENDING, sa_type=String(16))
    unit: str | None = Field(default=None, sa_type=String(NAME_MAX))
    # Imported members claim their place on the register with this code through /join.
    claim_code: str | None = Field(default=None, sa_type=String(CODE_MAX), unique=True)
    requested_at: datetime = Field(sa_column=_utc_column())
    decided_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    decided_by_person_id: int | None = Field(default=None, foreign_key="person.id")


class LinkCode(Table, table=True):
    """A one-time code that joins the account which redeems it to the person who asked for it."""

    code: str = Field(primary_key=True, sa_type=String(CODE_MAX))
    person_id: int = Field(foreign_key="person.id", index=True)
    created_at: datetime = Field(sa_column=_utc_column())
    expires_at: datetime = Field(sa_column=_utc_column())


class ScheduledJob(Table, table=True):
    """Anything Moot must do later. The scheduler is rebuilt from the undone rows at start-up."""

    __table_args__ = (
        Index("ix_scheduledjob_pending", "done_at", "due_at"),
        # "Is one of these waiting?" (housekeeping's daily job) without reading every reminder.
        Index("ix_scheduledjob_kind_pending", "kind", "done_at"),
        # One waiting job per logical message (bot.scheduler.reschedule): re-planning replaces.
        Index(
            "ux_scheduledjob_pending_key",
            "key",
            unique=True,
            sqlite_where=text("done_at IS NULL"),
            postgresql_where=text("done_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_type=String(64))
    # kind|subject ("repairs.overdue|report:17"); None for one-off jobs.
    key: str | None = Field(default=None, sa_type=String(160))
    payload: str = Field(default="{}")
    due_at: datetime = Field(sa_column=_utc_column())
    done_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class AuditEntry(Table, table=True):
    id: int | None = Field(default=None, primary_key=True)
    community_id: int | None = Field(default=None, foreign_key="community.id", index=True)
    actor_person_id: int | None = Field(default=None, foreign_key="person.id")
    action: str = Field(sa_type=String(64))
    detail: str = Field(default="")
    at: datetime = Field(sa_column=_utc_column())


class NumberSequence(Table, table=True):
    """The last number a community gave to each kind of thing (polls, meetings, repairs): numbers
    people see are per community, sequential and never reused, even after a draft is discarded."""

    community_id: int = Field(foreign_key="community.id", primary_key=True)
    kind: str = Field(primary_key=True, sa_type=String(16))
    last: int = 0


class ProcessedUpdate(Table, table=True):
    """Platform update ids already handled, so a replayed update changes nothing."""

    platform: str = Field(primary_key=True, sa_type=String(16))
    update_id: str = Field(primary_key=True, sa_type=String(64))
    at: datetime = Field(sa_column=_utc_column(index=True))


class WebhookRegistration(Table, table=True):
    """The webhook a bot was last registered with (Telegram's `setWebhook`), as a digest of its
    address, secret and settings, never the secret itself: of several Moot processes, and their
    restarts, only one that finds it changed registers it again (bot/webhooks.py)."""

    platform: str = Field(primary_key=True, sa_type=String(16))
    bot_id: str = Field(primary_key=True, sa_type=String(64))
    digest: str = Field(sa_type=String(64))
    at: datetime = Field(sa_column=_utc_column())
