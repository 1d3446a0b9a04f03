"""The first write for every inbound event: who is this, is it a replay, which community applies.

It runs for every update Moot receives, so it is a handful of prebuilt statements rather than ORM
round trips (see bench/write_path.py for the difference), and it only touches an account row
when something about it changed or it was last seen a while ago.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlmodel import Session

from bot.events import Actor, Place
from bot.text import one_line
from storage.models import NAME_MAX, MembershipStatus, Role
from storage.types import UTCDateTime, naive_utc

SEEN_REFRESH = timedelta(minutes=5)
_AT = UTCDateTime()

_SEEN_UPDATE = text(
    "SELECT 1 FROM processedupdate WHERE platform = :platform AND update_id = :update_id"
)
_RECORD_UPDATE = text(
    "INSERT INTO processedupdate (platform, update_id, at) VALUES (:platform, :update_id, :at)"
)
_ACCOUNT = text(
    "SELECT a.id, a.person_id, a.display_name, a.direct_chat_id, a.last_seen_at, a.unreachable, "
    "p.name, p.current_community_id "
    "FROM account a JOIN person p ON p.id = a.person_id "
    "WHERE a.platform = :platform AND a.platform_user_id = :user_id"
).columns(last_seen_at=_AT)
_NEW_PERSON = text("INSERT INTO person (name, created_at) VALUES (:name, :at)")
_NEW_ACCOUNT = text(
    "INSERT INTO account (platform, platform_user_id, person_id, display_name, direct_chat_id, last_seen_at) "
    "VALUES (:platform, :user_id, :person_id, :name, :direct_chat_id, :at)"
)
_TOUCH_ACCOUNT = text(
    "UPDATE account SET display_name = :name, direct_chat_id = :direct_chat_id, last_seen_at = :at, "
    "unreachable = :unreachable WHERE id = :id"
)
_CHAT_COMMUNITY = text(
    "SELECT community_id, unreachable FROM chat WHERE platform = :platform AND platform_chat_id = :chat_id"
)
_CHAT_REACHABLE = text(
    "UPDATE chat SET unreachable = NULL WHERE platform = :platform AND platform_chat_id = :chat_id"
)
_SET_CURRENT = text("UPDATE person SET current_community_id = :community_id WHERE id = :person_id")
_STANDING = text(
    "SELECT c.name, m.role, m.status FROM community c "
    "LEFT JOIN membership m ON m.community_id = c.id AND m.person_id = :person_id WHERE c.id = :community_id"
)


@dataclass(frozen=True)
class Arrival:
    replay: bool
    person_id: int
    person_name: str
    community_id: int | None
    community_name: str | None
    role: Role | None


def arrive(
    session: Session, actor: Actor, place: Place, update_id: str | None, now: datetime
) -> Arrival:
    run = session.connection().execute
    at = naive_utc(now)
    replay = False
    if update_id is not None:
        key = {"platform": actor.platform, "update_id": update_id}
        replay = run(_SEEN_UPDATE, key).first() is not None
        if not replay:
            run(_RECORD_UPDATE, key | {"at": at})

    name = one_line(actor.display_name)[:NAME_MAX] or "Someone"
    direct_chat_id = place.chat_id if place.is_private else None
    row = run(_ACCOUNT, {"platform": actor.platform, "user_id": actor.user_id}).first()
    if row is None:
        person_id = run(_NEW_PERSON, {"name": name, "at": at}).lastrowid
        run(
            _NEW_ACCOUNT,
            {
                "platform": actor.platform,
                "user_id": actor.user_id,
                "person_id": person_id,
                "name": name,
                "direct_chat_id": direct_chat_id,
                "at": at,
            },
        )
        person_name, current = name, None
    else:
        account_id, person_id, old_name, old_direct, last_seen, refused, person_name, current = row
        direct_chat_id = direct_chat_id or old_direct
        # Writing to Moot privately opens the way for direct messages again.
        unreachable = None if place.is_private else refused
        if (old_name, old_direct, refused) != (
            name,
            direct_chat_id,
            unreachable,
        ) or now - last_seen > SEEN_REFRESH:
            run(
                _TOUCH_ACCOUNT,
                {
                    "name": name,
                    "direct_chat_id": direct_chat_id,
                    "at": at,
                    "unreachable": unreachable,
                    "id": account_id,
                },
            )

    chat_admin = False
    if place.is_private:
        community_id = current
    else:
        chat = {"platform": place.platform, "chat_id": place.chat_id}
        community_id, refused_here = run(_CHAT_COMMUNITY, chat).first() or (None, None)
        if refused_here is not None:  # someone speaks there: Moot may post there again
            run(_CHAT_REACHABLE, chat)
        chat_admin = actor.is_chat_admin and community_id is not None
        if community_id is not None and community_id != current:
            run(_SET_CURRENT, {"community_id": community_id, "person_id": person_id})

    community_name, role = None, None
    if community_id is not None:
        standing = run(_STANDING, {"person_id": person_id, "community_id": community_id}).first()
        if standing is not None:
            community_name, member_role, status = standing
            if chat_admin:
                role = Role.ADMIN  # the chat's platform admins are community admins
            elif status == MembershipStatus.ACTIVE:
                role = Role(member_role)
    return Arrival(replay, int(person_id), person_name, community_id, community_name, role)


def elsewhere(session: Session, arrival: Arrival, community_id: int) -> Arrival:
    """The same person acting in another community (named by a button): their membership's
    role there, if any; a chat's platform admins are admins only in their own chat."""
    standing = (
        session.connection()
        .execute(_STANDING, {"person_id": arrival.person_id, "community_id": community_id})
        .first()
    )
    if standing is None:
        return replace(arrival, community_id=None, community_name=None, role=None)
    name, role, status = standing
    active = status == MembershipStatus.ACTIVE
    return replace(
        arrival,
        community_id=community_id,
        community_name=name,
        role=Role(role) if active else None,
    )
