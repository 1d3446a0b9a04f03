"""The first write for every inbound event: who is this, is it a replay, which community applies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from bot.events import Actor, Place
from bot.text import one_line
from storage.models import (
    NAME_MAX,
    Account,
    Chat,
    Community,
    Membership,
    MembershipStatus,
    Person,
    ProcessedUpdate,
    Role,
)


@dataclass(frozen=True)
class Arrival:
    replay: bool
    person_id: int
    person_name: str
    community_id: int | None
    community_name: str | None
    # The chat the event came from is linked to `community_id` (not just the DM's current one).
    in_community_chat: bool
    role: Role | None


def arrive(
    session: Session, actor: Actor, place: Place, update_id: str | None, now: datetime
) -> Arrival:
    replay = update_id is not None and not _claim_update(session, actor.platform, update_id, now)
    display_name = one_line(actor.display_name)[:NAME_MAX] or "Someone"
    account = session.exec(
        select(Account).where(
            Account.platform == actor.platform, Account.platform_user_id == actor.user_id
        )
    ).first()
    if account is None:
        person = Person(name=display_name, created_at=now)
        session.add(person)
        session.flush()
        assert person.id is not None
        account = Account(
            platform=actor.platform,
            platform_user_id=actor.user_id,
            person_id=person.id,
            display_name=display_name,
            last_seen_at=now,
        )
        session.add(account)
    else:
        account.display_name = display_name
        account.last_seen_at = now
        person = session.get_one(Person, account.person_id)
    if place.is_private:
        account.direct_chat_id = place.chat_id

    chat = None
    if not place.is_private:
        chat = session.exec(
            select(Chat).where(
                Chat.platform == place.platform, Chat.platform_chat_id == place.chat_id
            )
        ).first()
        if chat is not None:
            person.current_community_id = chat.community_id
    community_id = (
        chat.community_id
        if chat is not None
        else (person.current_community_id if place.is_private else None)
    )
    community = session.get(Community, community_id) if community_id is not None else None
    assert person.id is not None
    return Arrival(
        replay=replay,
        person_id=person.id,
        person_name=person.name,
        community_id=community_id,
        community_name=community.name if community else None,
        in_community_chat=chat is not None,
        role=_role(session, community_id, person.id, actor.is_chat_admin and chat is not None),
    )


def _claim_update(session: Session, platform: str, update_id: str, now: datetime) -> bool:
    """Record an update id; False if it was seen before."""
    if session.get(ProcessedUpdate, (platform, update_id)) is not None:
        return False
    session.add(ProcessedUpdate(platform=platform, update_id=update_id, at=now))
    return True


def _role(
    session: Session, community_id: int | None, person_id: int, chat_admin: bool
) -> Role | None:
    """The person's effective role: the chat's platform admins are community admins."""
    if community_id is None:
        return None
    if chat_admin:
        return Role.ADMIN
    membership = session.exec(
        select(Membership).where(
            Membership.community_id == community_id, Membership.person_id == person_id
        )
    ).first()
    if membership is None or membership.status != MembershipStatus.ACTIVE:
        return None
    return Role(membership.role)
