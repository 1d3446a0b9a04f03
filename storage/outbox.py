"""The outbox: every message Moot sends on its own, as a row written with the change that causes it.

A post into a chat, an edit of a message Moot keeps current, a direct message: each is an
`OutboxEntry` committed in the same transaction as the vote, close or approval behind it, so a
crash or a platform that is down loses nothing. Per platform, a dispatcher sends the entries
in order per chat while that platform is connected (bot/outbox/dispatcher.py).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, String, Text, text
from sqlmodel import Field

from storage.table import Table
from storage.types import UTCDateTime

SUMMARY_MAX = 200
ERROR_MAX = 300


class DeliveryKind(StrEnum):
    POST = "post"  # a new message in a chat
    EDIT = "edit"  # replace a message an earlier post sent
    DIRECT = "direct"  # a direct message to one person's account


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # the platform refused for good, or Moot gave up retrying
    # No longer worth sending: a newer edit replaced it, what it was about changed (withdrawn),
    # or its moment passed long ago while Moot was not running.
    SUPERSEDED = "superseded"
    # A live card's earlier message, which can no longer be edited (deleted, or left behind
    # when its chat moved): `edit_of` is the delivery that posted the card again.
    RETIRED = "retired"


class OutboxEntry(Table, table=True):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_waiting", "status", "platform", "id"),
        Index("ux_outbox_number", "community_id", "number", unique=True),
        # "Does an edit of this card wait already?" (bot.outbox.queue.edit_cards), asked by
        # votes once per group: only waiting entries are indexed.
        Index(
            "ix_outbox_edits_waiting",
            "edit_of",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int | None = Field(default=None, foreign_key="community.id", index=True)
    # What the community's admins call it in /outbox and /resend: numbered per community, given
    # when an admin first sees it listed (bot.outbox.status), so queueing costs nothing extra.
    number: int | None = None
    kind: DeliveryKind = Field(sa_type=String(8))
    platform: str = Field(sa_type=String(16))
    # Posts and edits: the chat. Direct messages: the account's direct chat, when known.
    chat_id: str | None = Field(default=None, sa_type=String(64))
    thread_id: str | None = Field(default=None, sa_type=String(64))
    person_id: int | None = Field(default=None, foreign_key="person.id")  # a direct message's
    account_id: int | None = Field(default=None, foreign_key="account.id")  # ...and its account
    # A fixed message (JSON, see bot.outbox.messages), or None when `live` names what to render
    # at the moment of sending, such as "poll-card:17": the latest state, never a stale copy.
    content: str | None = Field(default=None, sa_type=Text)
    live: str | None = Field(default=None, sa_type=String(64))
    edit_of: int | None = Field(default=None, foreign_key="outbox.id")
    # What this is, for the person told about it: "poll #4", "the results of poll #4".
    summary: str = Field(sa_type=String(SUMMARY_MAX))
    requested_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    status: DeliveryStatus = Field(default=DeliveryStatus.PENDING, sa_type=String(12))
    attempts: int = 0
    error: str | None = Field(default=None, sa_type=String(ERROR_MAX))
    message_id: str | None = Field(default=None, sa_type=String(64))
    # Not sent before this moment: a reminder prepared ahead waits here and leaves on the second.
    # On a live card's edit: the moment it was queued, while no dispatcher has taken it for
    # sending yet (later changes to the card count on it: bot.outbox.queue.edit_cards).
    not_before: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # What the message is about, so it can be withdrawn while it waits if that changes
    # ("meeting-reminder:12": moving meeting 12 withdraws its prepared reminders).
    about: str | None = Field(default=None, sa_type=String(64), index=True)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
