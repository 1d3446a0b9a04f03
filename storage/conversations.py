"""What a conversation on a chat platform leaves half-way, kept in the store so that whichever
Moot process gets the person's next message carries on: a form being answered one question at a
time (`FormProgress`), and private answers waiting for someone to open a chat with Moot
(`HeldAnswer`). Both are short-lived: the daily tidy-up deletes what is left (bot/housekeeping)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, String, Text
from sqlmodel import Field

from storage.table import Table
from storage.types import UTCDateTime

PLATFORM_MAX = 16
ID_MAX = 64


class FormProgress(Table, table=True):
    """A form someone is answering by replies, in the chat its questions go to (the chat it was
    asked for in, or their private chat for a private form). A finished one stays until its
    answers have been submitted, so that a re-posted last answer still submits it (bot/forms.py)."""

    platform: str = Field(primary_key=True, sa_type=String(PLATFORM_MAX))
    chat_id: str = Field(primary_key=True, sa_type=String(ID_MAX))
    user_id: str = Field(primary_key=True, sa_type=String(ID_MAX))
    form: str = Field(sa_type=Text)  # JSON: the form, where it was asked for, and who answers
    answers: str = Field(sa_type=Text)  # JSON: the answers so far, by field name
    next_question: int
    started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # The platform's id of the update whose reply was the last answer taken.
    last_update: str | None = Field(default=None, sa_type=String(ID_MAX))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class HeldAnswer(Table, table=True):
    """A private answer for someone the platform will not let Moot message until they open a
    chat with it; sent, in order, when they do."""

    __table_args__ = (Index("ix_heldanswer_person", "platform", "user_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(sa_type=String(PLATFORM_MAX))
    user_id: str = Field(sa_type=String(ID_MAX))
    content: str = Field(sa_type=Text)  # the reply as the outbox keeps one (bot.outbox.messages)
    held_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
