"""Every inbound event starts here: who is this, is it a replay, which community applies.

It runs for every update Moot receives, so it is one prebuilt statement rather than ORM round
trips (see bench/write_path.py for the difference). `recognise` only reads, on the event loop;
what an arrival changes (the replay guard, an account's name or last-seen time) is `Traces`,
written in the same commit as the command's own first write (bot.core), so a button press costs
one commit, not two. Someone Moot has never seen goes through `arrive`, which writes at once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot.errors import UserError
from bot.events import Actor, Place
from bot.text import one_line
from storage.models import NAME_MAX, MembershipStatus, Role
from storage.raw import RawConnection, raw_connection
from storage.types import stored_moment, stored_to_aware

ALREADY_HANDLED = "That was already handled; nothing more was done."

SEEN_REFRESH = timedelta(minutes=5)

# Hand-written statements for both stores (see storage/raw.py).
_RECORD_UPDATE = (
    "INSERT INTO processedupdate (platform, update_id, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
)
_HANDLED = "SELECT 1 FROM processedupdate WHERE platform = ? AND update_id = ?"
# Everything about an event, in one statement: whether its update was handled before, the actor's
# account and person, the chat (in a group) and the community that applies with their membership
# there. The community is the chat's in a group, and the one they last used in a private chat.
# The first join always yields one row; its account columns are NULL for someone never seen.
_ARRIVAL = (
    "SELECT EXISTS (SELECT 1 FROM processedupdate WHERE platform = ? AND update_id = ?), "
    "a.id, a.person_id, a.display_name, a.direct_chat_id, a.last_seen_at, a.unreachable, "
    "p.name, p.current_community_id, c.community_id, c.unreachable, co.id, co.name, m.role, m.status "
    "FROM (SELECT 1) AS one LEFT JOIN account a ON a.platform = ? AND a.platform_user_id = ? "
    "LEFT JOIN person p ON p.id = a.person_id "
    "LEFT JOIN chat c ON c.platform = ? AND c.platform_chat_id = ? "
    "LEFT JOIN community co ON co.id = CASE WHEN ? THEN p.current_community_id ELSE c.community_id END "
    "LEFT JOIN membership m ON m.community_id = co.id AND m.person_id = a.person_id"
)
_NEW_PERSON = "INSERT INTO person (name, created_at) VALUES (?, ?) RETURNING id"
_NEW_ACCOUNT = (
    "INSERT INTO account (platform, platform_user_id, person_id, display_name, direct_chat_id, last_seen_at) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_TOUCH_ACCOUNT = (
    "UPDATE account SET display_name = ?, direct_chat_id = ?, last_seen_at = ?, unreachable = ? "
    "WHERE id = ?"
)
_CHAT_REACHABLE = "UPDATE chat SET unreachable = NULL WHERE platform = ? AND platform_chat_id = ?"
_SET_CURRENT = "UPDATE person SET current_community_id = ? WHERE id = ?"
_STANDING = (
    "SELECT c.name, m.role, m.status FROM community c "
    "LEFT JOIN membership m ON m.community_id = c.id AND m.person_id = ? WHERE c.id = ?"
)


class ReplayedError(UserError):
    """The platform delivered this update before, and it was handled then."""

    def __init__(self) -> None:
        super().__init__(ALREADY_HANDLED)


@dataclass(frozen=True)
class Arrival:
    replay: bool
    person_id: int
    person_name: str
    community_id: int | None
    community_name: str | None
    role: Role | None


@dataclass(frozen=True)
class Traces:
    """What an arrival changes in the store, written inside a later write."""

    platform: str
    update_id: str | None
    at: str
    touch: tuple[Any, ...] | None = None  # the account's new name, DM chat, time, reachability
    reachable_chat: tuple[str, str] | None = None  # someone spoke there: Moot may post again
    current: tuple[int, int] | None = None  # the community the person last used

    def write(self, session: Session) -> None:
        """Raises ReplayedError, changing nothing, if the update was handled meanwhile."""
        db = raw_connection(session)
        recorded = (
            self.update_id is None
            or db.execute(_RECORD_UPDATE, (self.platform, self.update_id, self.at)).rowcount
        )
        if not recorded:
            raise ReplayedError()
        if self.touch is not None:
            db.execute(_TOUCH_ACCOUNT, self.touch)
        if self.reachable_chat is not None:
            db.execute(_CHAT_REACHABLE, self.reachable_chat)
        if self.current is not None:
            db.execute(_SET_CURRENT, self.current)


_REPLAY = Arrival(True, 0, "", None, None, None)


def handled(db: RawConnection, platform: str, update_id: str) -> bool:
    """Whether the update was handled before (by the core, or as an answer to a form)."""
    return db.execute(_HANDLED, (platform, update_id)).fetchone() is not None


def record_handled(db: RawConnection, platform: str, update_id: str, now: datetime) -> None:
    """Inside a write: the update is handled, outside the core (an answer to a form)."""
    db.execute(_RECORD_UPDATE, (platform, update_id, stored_moment(now)))


def recognise(
    db: RawConnection, actor: Actor, place: Place, update_id: str | None, now: datetime
) -> tuple[Arrival, Traces] | None:
    """Who the actor is and where, without writing; None for someone Moot has never seen."""
    at = stored_moment(now)
    chat_id = None if place.is_private else place.chat_id
    asked = (actor.platform, update_id, actor.platform, actor.user_id)
    where = (place.platform, chat_id, place.is_private)
    row = db.execute(_ARRIVAL, (*asked, *where)).fetchall()[0]  # all: no read left open
    seen, account_id, person_id, old_name, old_direct, last_seen, refused, person_name = row[:8]
    current, chat_community, chat_refused, community_id, community_name, member_role, status = row[
        8:
    ]
    if seen:
        return _REPLAY, Traces(actor.platform, None, at)
    if account_id is None:
        return None

    name = one_line(actor.display_name)[:NAME_MAX] or "Someone"
    direct_chat_id = (place.chat_id if place.is_private else None) or old_direct
    # Writing to Moot privately opens the way for direct messages again.
    unreachable = None if place.is_private else refused
    touch = None
    if (old_name, old_direct, refused) != (name, direct_chat_id, unreachable) or (
        now - stored_to_aware(last_seen) > SEEN_REFRESH
    ):
        touch = (name, direct_chat_id, at, unreachable, account_id)
    moved = not place.is_private and chat_community is not None and chat_community != current
    traces = Traces(
        actor.platform,
        update_id,
        at,
        touch=touch,
        reachable_chat=(place.platform, place.chat_id) if chat_refused is not None else None,
        current=(chat_community, person_id) if moved else None,
    )

    role = None
    if community_id is not None:
        if actor.is_chat_admin and not place.is_private:
            role = Role.ADMIN  # the chat's platform admins are community admins
        elif status == MembershipStatus.ACTIVE:
            role = Role(member_role)
    arrival = Arrival(False, int(person_id), person_name, community_id, community_name, role)
    return arrival, traces


def arrive(
    session: Session, actor: Actor, place: Place, update_id: str | None, now: datetime
) -> Arrival:
    """Recognise the actor inside a write, making them a person first if Moot has never seen
    them, and write the traces at once."""
    db = raw_connection(session)
    found = recognise(db, actor, place, update_id, now)
    if found is None:
        at = stored_moment(now)
        name = one_line(actor.display_name)[:NAME_MAX] or "Someone"
        person_id = db.execute(_NEW_PERSON, (name, at)).fetchone()[0]
        direct_chat_id = place.chat_id if place.is_private else None
        db.execute(
            _NEW_ACCOUNT, (actor.platform, actor.user_id, person_id, name, direct_chat_id, at)
        )
        found = recognise(db, actor, place, update_id, now)
        assert found is not None
    arrival, traces = found
    if arrival.replay:
        return arrival
    try:
        traces.write(session)
    except ReplayedError:
        return _REPLAY
    return arrival


def elsewhere(session: Session, arrival: Arrival, community_id: int) -> Arrival:
    """The same person acting in another community (named by a button): their membership's
    role there, if any; a chat's platform admins are admins only in their own chat."""
    standing = (
        raw_connection(session).execute(_STANDING, (arrival.person_id, community_id)).fetchone()
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
