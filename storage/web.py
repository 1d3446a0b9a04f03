"""The tables of Moot's web face: what each community shows, sign-in links, web sessions and
calendar feed tokens (bot/web).

Sign-in links and sessions are kept as the sha256 of their token only: a copy of the database
signs nobody in. Feed tokens are kept as they are, since a member is shown theirs again; each
belongs to one member and opens only while they are an active member of its community.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, String
from sqlmodel import Field

from storage.table import Table
from storage.types import UTCDateTime

HASH_MAX = 64  # a sha256, in hex
TOKEN_MAX = 64  # secrets.token_urlsafe(32) is 43 characters


def _utc(*, nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class CommunityWeb(Table, table=True):
    """What a community shows on the web (bot.pages.WebAccess); no row: off."""

    community_id: int = Field(foreign_key="community.id", primary_key=True)
    access: str = Field(sa_type=String(16))
    changed_at: datetime = Field(sa_column=_utc())


class SignInLink(Table, table=True):
    """A one-time link from the bot that starts a web session."""

    __table_args__ = (Index("ix_signinlink_person_created", "person_id", "created_at"),)

    token_hash: str = Field(primary_key=True, sa_type=String(HASH_MAX))
    person_id: int = Field(foreign_key="person.id")
    created_at: datetime = Field(sa_column=_utc())
    expires_at: datetime = Field(sa_column=_utc())
    used_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class WebSession(Table, table=True):
    """A signed-in browser: the sha256 of its cookie's token."""

    token_hash: str = Field(primary_key=True, sa_type=String(HASH_MAX))
    person_id: int = Field(foreign_key="person.id", index=True)
    created_at: datetime = Field(sa_column=_utc())
    expires_at: datetime = Field(sa_column=_utc())


class FeedToken(Table, table=True):
    """The secret part of one member's calendar subscription URL: their community's meetings
    (whole) or only the ones they are going to. One of each per community, made once; it opens
    only while they are an active member there (bot.web.service.feed_owner)."""

    __table_args__ = (
        Index("ux_feedtoken_member", "community_id", "person_id", "whole", unique=True),
        Index("ix_feedtoken_person_id", "person_id"),
    )

    token: str = Field(primary_key=True, sa_type=String(TOKEN_MAX))
    community_id: int = Field(foreign_key="community.id")
    person_id: int = Field(foreign_key="person.id")
    whole: bool  # the community's calendar; False: only the meetings they are going to
