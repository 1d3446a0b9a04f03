"""What the web face keeps: each community's choice of what it shows, one-time sign-in links,
web sessions and calendar feed tokens; and who is looking at a community's pages.

The web adapter calls these inside `moot.read` (looking) or `moot.write` (changing). Sign-in
links and sessions are stored as the sha256 of their token, so a copy of the database signs
nobody in: only the person holding the link or the cookie has the token itself. Feed tokens are
stored as they are, because a member is shown theirs again each time they ask; every one belongs
to one member and opens only while they are an active member of its community, so removing
someone stops their calendars and no address is shared by a whole community.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from bot import audit
from bot.errors import UserError
from bot.pages import Viewer, WebAccess
from bot.web import render
from storage.models import Community, Membership, MembershipStatus, Role
from storage.web import CommunityWeb, FeedToken, SignInLink, WebSession

SIGN_IN_FOR = timedelta(minutes=10)  # long enough to open the link, short if it leaks
SESSION_FOR = timedelta(days=30)
LINKS_PER_HOUR = 5
LIMIT_WINDOW = timedelta(hours=1)  # LINKS_PER_HOUR are counted over it


def _token() -> str:
    return secrets.token_urlsafe(32)


def _hashed(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def access_of(session: Session, community_id: int) -> WebAccess:
    """What the community shows on the web (off until an admin chooses)."""
    row = session.get(CommunityWeb, community_id)
    return WebAccess.OFF if row is None else WebAccess(row.access)


def set_access(
    session: Session, community_id: int, access: WebAccess, person_id: int, now: datetime
) -> None:
    row = session.get(CommunityWeb, community_id)
    if row is None:
        session.add(CommunityWeb(community_id=community_id, access=access, changed_at=now))
    else:
        row.access, row.changed_at = access, now
    audit.record(
        session,
        community_id=community_id,
        actor_person_id=person_id,
        action="web.access",
        detail=f"access={access}",
        at=now,
    )


def issue_sign_in(session: Session, person_id: int, now: datetime) -> str:
    """A fresh one-time sign-in token for the person, valid for SIGN_IN_FOR; a UserError once
    they have had LINKS_PER_HOUR in the last hour (a leaked chat account cannot mint many)."""
    recent = session.exec(
        select(SignInLink.created_at)
        .where(SignInLink.person_id == person_id, col(SignInLink.created_at) > now - LIMIT_WINDOW)
        .order_by(col(SignInLink.created_at))
    ).all()
    if len(recent) >= LINKS_PER_HOUR:
        wait = recent[-LINKS_PER_HOUR] + LIMIT_WINDOW - now
        raise UserError(
            render.too_many_links(LINKS_PER_HOUR, math.ceil(wait / timedelta(minutes=1)))
        )
    token = _token()
    session.add(
        SignInLink(
            token_hash=_hashed(token),
            person_id=person_id,
            created_at=now,
            expires_at=now + SIGN_IN_FOR,
        )
    )
    return token


def redeem_sign_in(session: Session, token: str, now: datetime) -> str | None:
    """Use a sign-in token (once): a new session's token, or None when the token is unknown,
    used already or expired. Claimed with one conditional UPDATE, so two browsers racing with
    the same link get one session between them on either store."""
    claimed = session.execute(
        update(SignInLink)
        .where(
            col(SignInLink.token_hash) == _hashed(token),
            col(SignInLink.used_at).is_(None),
            col(SignInLink.expires_at) > now,
        )
        .values(used_at=now)
        .returning(col(SignInLink.person_id))
    ).first()
    if claimed is None:
        return None
    session_token = _token()
    session.add(
        WebSession(
            token_hash=_hashed(session_token),
            person_id=claimed[0],
            created_at=now,
            expires_at=now + SESSION_FOR,
        )
    )
    return session_token


def signed_in(session: Session, session_token: str, now: datetime) -> int | None:
    """The person a session cookie's token belongs to, while it lasts."""
    row = session.get(WebSession, _hashed(session_token))
    return row.person_id if row is not None and row.expires_at > now else None


def sign_out(session: Session, session_token: str) -> None:
    session.exec(delete(WebSession).where(col(WebSession.token_hash) == _hashed(session_token)))


@dataclass(frozen=True)
class FeedOwner:
    """What a feed token opens: one member's calendar of their community's meetings (whole) or
    of only the ones they are going to."""

    community_id: int
    person_id: int
    whole: bool


def known_feed_token(
    session: Session, community_id: int, person_id: int, *, whole: bool
) -> str | None:
    """The member's feed token for the community's calendar (whole) or their own meetings, if
    made already."""
    return session.exec(
        select(FeedToken.token).where(
            FeedToken.community_id == community_id,
            FeedToken.person_id == person_id,
            FeedToken.whole == whole,
        )
    ).first()


def feed_token(session: Session, community_id: int, person_id: int, *, whole: bool) -> str:
    """Inside a write: the member's feed token for the community's calendar (whole) or only the
    meetings they are going to, made the first time it is asked for and the same ever after
    (subscribed calendars keep working)."""
    known = known_feed_token(session, community_id, person_id, whole=whole)
    if known is not None:
        return known
    token = _token()
    session.add(FeedToken(token=token, community_id=community_id, person_id=person_id, whole=whole))
    return token


def feed_owner(session: Session, token: str) -> FeedOwner | None:
    """Whose calendar a token opens; None for an unknown token, and for one whose member is no
    longer an active member of its community (removed, left, banned)."""
    row = session.get(FeedToken, token)
    if row is None or _role(session, row.community_id, row.person_id) is None:
        return None
    return FeedOwner(row.community_id, row.person_id, row.whole)


def viewer(
    session: Session, community_id: int, person_id: int | None, now: datetime
) -> Viewer | None:
    """Who is looking at a community's pages (None: there is no such community). A signed-in
    person who is not an active member there (never was, asked, removed) has no role."""
    community = session.get(Community, community_id)
    if community is None:
        return None
    role = None if person_id is None else _role(session, community_id, person_id)
    return Viewer(
        community_id=community_id,
        community_name=community.name,
        timezone=community.timezone,
        access=access_of(session, community_id),
        person_id=person_id,
        role=role,
        now=now,
    )


def communities_of(session: Session, person_id: int) -> list[tuple[int, str, Role]]:
    """The communities the person is an active member of, by name, with their role there."""
    rows = session.exec(
        select(Community.id, Community.name, Membership.role)
        .join(Membership, col(Membership.community_id) == Community.id)
        .where(Membership.person_id == person_id, Membership.status == MembershipStatus.ACTIVE)
        .order_by(col(Community.name), col(Community.id))
    ).all()
    return [(int(cid), name, Role(role)) for cid, name, role in rows if cid is not None]


def _role(session: Session, community_id: int, person_id: int) -> Role | None:
    role = session.exec(
        select(Membership.role).where(
            Membership.community_id == community_id,
            Membership.person_id == person_id,
            Membership.status == MembershipStatus.ACTIVE,
        )
    ).first()
    return None if role is None else Role(role)
