"""Write operations on communities and the register. Each runs inside one writer transaction and
raises `UserError` (rolling back) when the request cannot be met."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from bot import audit, roles
from bot.codes import new_code
from bot.community import render
from bot.errors import NotAllowedError, UserError
from bot.events import Place, Reply
from bot.numbers import next_number
from bot.outbox import queue as outbox
from bot.outbox.queue import Message
from storage.locking import locked_one, locking
from storage.models import (
    Chat,
    Community,
    JoinPolicy,
    Membership,
    MembershipStatus,
    Person,
    Role,
)

MEMBER_NUMBERS = "member"  # the kind of thing memberships are numbered as, per community
CHAT_CODE = "CHAT"
CLAIM_CODE = "JOIN"


@dataclass(frozen=True)
class Linked:
    community_id: int
    community_name: str
    chat_code: str
    created: bool


def link_chat(
    session: Session,
    place: Place,
    person_id: int,
    name_or_code: str | None,
    code: str | None,
    now: datetime,
) -> Linked:
    """Link the chat at `place` to a new community called `name_or_code`, or to the one `code` opens."""
    existing = _chat(session, place)
    if existing is not None:
        community = session.get_one(Community, existing.community_id)
        raise UserError(f"This chat is already linked to {community.name}.")
    if code is not None:
        community_or_none = session.exec(
            select(Community).where(Community.chat_code == code)
        ).first()
        if community_or_none is None:
            raise UserError(
                "That community code is not valid. Ask an admin of the community for it."
            )
        community = community_or_none
        created = False
    else:
        assert name_or_code is not None
        community = Community(name=name_or_code, chat_code=new_code(CHAT_CODE), created_at=now)
        session.add(community)
        session.flush()
        created = True
    assert community.id is not None
    session.add(
        Chat(
            platform=place.platform,
            platform_chat_id=place.chat_id,
            title=place.title[:80],
            community_id=community.id,
            linked_by_person_id=person_id,
            linked_at=now,
        )
    )
    if created:
        session.add(
            Membership(
                community_id=community.id,
                number=next_number(session, community.id, MEMBER_NUMBERS),
                person_id=person_id,
                role=Role.ADMIN,
                status=MembershipStatus.ACTIVE,
                requested_at=now,
                decided_at=now,
                decided_by_person_id=person_id,
            )
        )
    session.get_one(Person, person_id).current_community_id = community.id
    audit.record(
        session,
        community_id=community.id,
        actor_person_id=person_id,
        action="community.created" if created else "chat.linked",
        detail=f"{place.platform} chat {place.chat_id} ({place.title[:80]})",
        at=now,
    )
    return Linked(community.id, community.name, community.chat_code, created)


@dataclass(frozen=True)
class JoinOutcome:
    number: int
    status: MembershipStatus
    community_name: str
    heard: bool  # a request waiting: an organiser has it, or still may (see tell_someone)


def request_membership(
    session: Session, community_id: int, person_id: int, person_name: str, now: datetime
) -> JoinOutcome:
    """Join at once where joining is open; otherwise ask the organisers, whose direct messages
    carry buttons to decide."""
    community = session.get_one(Community, community_id)
    # Locked: a second /join sent at once finds the first one's request (a first one ever is
    # kept single by the unique (community, person)).
    membership = membership_of(session, community_id, person_id, lock=True)
    if membership is not None and membership.status == MembershipStatus.ACTIVE:
        raise UserError(f"You are already a member of {community.name}.")
    if membership is not None and membership.status == MembershipStatus.PENDING:
        raise UserError(
            f"Your request to join {community.name} is already waiting for an organiser."
        )
    status = (
        MembershipStatus.ACTIVE
        if community.join_policy == JoinPolicy.OPEN
        else MembershipStatus.PENDING
    )
    if membership is None:
        membership = Membership(
            community_id=community_id,
            number=next_number(session, community_id, MEMBER_NUMBERS),
            person_id=person_id,
            requested_at=now,
        )
        session.add(membership)
    membership.role = Role.MEMBER
    membership.status = status
    membership.requested_at = now
    membership.decided_at = now if status == MembershipStatus.ACTIVE else None
    membership.decided_by_person_id = None
    session.flush()
    audit.record(
        session,
        community_id=community_id,
        actor_person_id=person_id,
        action="member.joined" if status == MembershipStatus.ACTIVE else "member.requested",
        detail=f"#{membership.number}",
        at=now,
    )
    number = membership.number
    if status == MembershipStatus.ACTIVE:
        return JoinOutcome(number, status, community.name, heard=False)
    heard = outbox.tell_someone(
        session,
        organisers(session, community_id),
        Message(
            f"{person_name}'s request to join",
            render.join_request(community_id, number, person_name, community.name),
        ),
        now,
        community_id=community_id,
        topic=f"join:{community_id}:{number}",
    )
    return JoinOutcome(number, status, community.name, heard)


def claim_membership(session: Session, code: str, person_id: int, now: datetime) -> tuple[int, str]:
    """Put the person on an imported register entry; returns the community id and name."""
    # Locked: of two people claiming one code at once, the second finds it used.
    entry = session.exec(locking(select(Membership).where(Membership.claim_code == code))).first()
    if entry is None:
        raise UserError("That joining code is not valid or has already been used.")
    community = session.get_one(Community, entry.community_id)
    mine = membership_of(session, entry.community_id, person_id)
    if mine is not None and mine.status == MembershipStatus.ACTIVE:
        raise UserError(f"You are already a member of {community.name}; that code was not used.")
    if mine is not None:
        session.delete(mine)
        session.flush()
    placeholder_id = entry.person_id
    entry.person_id = person_id
    entry.claim_code = None
    entry.status = MembershipStatus.ACTIVE
    entry.decided_at = entry.decided_at or now
    session.flush()
    claimant = session.get_one(Person, person_id)
    placeholder = session.get(Person, placeholder_id)
    if placeholder is not None and placeholder_id != person_id:
        claimant.name = placeholder.name  # the register's name for them, as the organisers wrote it
        session.delete(placeholder)
    claimant.current_community_id = community.id
    audit.record(
        session,
        community_id=community.id,
        actor_person_id=person_id,
        action="member.claimed",
        detail=f"#{entry.number}",
        at=now,
    )
    assert community.id is not None
    return community.id, community.name


@dataclass(frozen=True)
class Decision:
    number: int
    person_id: int
    person_name: str
    community_name: str


def decide_request(
    session: Session,
    community_id: int,
    number: int,
    approve: bool,
    decider_id: int,
    now: datetime,
) -> Decision:
    membership, person = _target(session, community_id, number, MembershipStatus.PENDING)
    membership.status = MembershipStatus.ACTIVE if approve else MembershipStatus.REJECTED
    membership.decided_at = now
    membership.decided_by_person_id = decider_id
    action = "member.approved" if approve else "member.rejected"
    decision = _logged(session, membership, person, decider_id, action, f"#{number}", now)
    name = decision.community_name
    summary, text = (
        ("word that they are in", f"Welcome! You are now a member of {name}.")
        if approve
        else ("word of the decision", f"Your request to join {name} was not approved.")
    )
    return _told(session, community_id, decision, summary, text, decider_id, now)


def check_may_remove_admin(
    session: Session, community_id: int, number: int, actor_role: Role
) -> None:
    """Only an admin removes an admin, and never the last one (checked as the removal is
    written, against the roles as they are then)."""
    if actor_role != Role.ADMIN:
        raise NotAllowedError("Only an admin can remove an admin.")
    _keep_an_admin(session, community_id, number)


def remove_member(
    session: Session,
    community_id: int,
    number: int,
    actor_id: int,
    actor_role: Role,
    now: datetime,
) -> Decision:
    membership, person = _target(session, community_id, number, MembershipStatus.ACTIVE)
    if membership.role == Role.ADMIN:
        check_may_remove_admin(session, community_id, number, actor_role)
    membership.status = MembershipStatus.REMOVED
    membership.decided_at = now
    membership.decided_by_person_id = actor_id
    decision = _logged(session, membership, person, actor_id, "member.removed", f"#{number}", now)
    news = f"You are no longer a member of {decision.community_name}."
    return _told(
        session, community_id, decision, "word that they were removed", news, actor_id, now
    )


def set_role(
    session: Session,
    community_id: int,
    number: int,
    role: Role,
    actor_id: int,
    now: datetime,
) -> Decision:
    membership, person = _target(session, community_id, number, MembershipStatus.ACTIVE)
    if membership.role == Role.ADMIN and role != Role.ADMIN:
        _keep_an_admin(session, community_id, number)
    detail = f"#{number} {membership.role} -> {role}"
    membership.role = role
    decision = _logged(session, membership, person, actor_id, "member.role", detail, now)
    news = f"You are now {roles.as_title(role)} in {decision.community_name}."
    return _told(session, community_id, decision, "word of their new role", news, actor_id, now)


def _target(
    session: Session, community_id: int, number: int, expected: MembershipStatus
) -> tuple[Membership, Person]:
    """The membership an organiser's command is about, in the state the command needs. The
    community's row is locked first, then the membership's, until the decision commits: one
    membership decision at a time per community, so two admins demoting each other at once
    cannot leave it with none, and a request is approved or rejected once."""
    locked_one(session, Community, community_id)
    membership = _in_community(session, community_id, number)
    person = session.get_one(Person, membership.person_id)
    if membership.status != expected:
        needed = (
            "waiting for a decision" if expected == MembershipStatus.PENDING else "an active member"
        )
        raise UserError(f"#{number} {person.name} is not {needed} ({membership.status}).")
    return membership, person


def _logged(
    session: Session,
    membership: Membership,
    person: Person,
    actor_id: int,
    action: str,
    detail: str,
    now: datetime,
) -> Decision:
    """Record the change in the audit log and describe it for the command's replies."""
    audit.record(
        session,
        community_id=membership.community_id,
        actor_person_id=actor_id,
        action=action,
        detail=detail,
        at=now,
    )
    community = session.get_one(Community, membership.community_id)
    assert person.id is not None
    return Decision(membership.number, person.id, person.name, community.name)


def _told(
    session: Session,
    community_id: int,
    decision: Decision,
    summary: str,
    text: str,
    actor_id: int,
    now: datetime,
) -> Decision:
    """The member hears of a change to their membership by direct message, sent with it."""
    outbox.direct(
        session,
        decision.person_id,
        Message(summary, Reply(text)),
        now,
        community_id=community_id,
        requested_by=actor_id,
    )
    return decision


def update_settings(
    session: Session,
    community_id: int,
    actor_id: int,
    now: datetime,
    *,
    join_policy: JoinPolicy | None = None,
    timezone: str | None = None,
) -> Community:
    community = session.get_one(Community, community_id)
    if join_policy is not None:
        community.join_policy = join_policy
    if timezone is not None:
        community.timezone = timezone
    audit.record(
        session,
        community_id=community_id,
        actor_person_id=actor_id,
        action="community.settings",
        detail=f"join_policy={community.join_policy} timezone={community.timezone}",
        at=now,
    )
    return community


def organisers(session: Session, community_id: int) -> list[int]:
    """People to tell about join requests: active organisers and admins."""
    rows = session.exec(
        select(Membership.person_id).where(
            Membership.community_id == community_id,
            Membership.status == MembershipStatus.ACTIVE,
            col(Membership.role).in_([Role.ORGANISER, Role.ADMIN]),
        )
    )
    return list(rows)


def _keep_an_admin(session: Session, community_id: int, leaving: int) -> None:
    others = session.exec(
        select(Membership.id).where(
            Membership.community_id == community_id,
            Membership.status == MembershipStatus.ACTIVE,
            Membership.role == Role.ADMIN,
            Membership.number != leaving,
        )
    ).first()
    if others is None:
        raise UserError("A community needs at least one admin; make someone else admin first.")


def _chat(session: Session, place: Place) -> Chat | None:
    return session.exec(
        select(Chat).where(Chat.platform == place.platform, Chat.platform_chat_id == place.chat_id)
    ).first()


def membership_of(
    session: Session, community_id: int, person_id: int, *, lock: bool = False
) -> Membership | None:
    query = select(Membership).where(
        Membership.community_id == community_id, Membership.person_id == person_id
    )
    return session.exec(locking(query) if lock else query).first()


def active_member(session: Session, community_id: int, number: int) -> Membership | None:
    """Member #number of the community, if they are an active member."""
    return session.exec(
        select(Membership).where(
            Membership.community_id == community_id,
            Membership.number == number,
            Membership.status == MembershipStatus.ACTIVE,
        )
    ).first()


@dataclass(frozen=True)
class NumberedMember:
    number: int
    person_id: int
    name: str

    @property
    def label(self) -> str:
        return f"{self.name} (#{self.number})"


def members_numbered(
    session: Session, community_id: int, numbers: list[int], *, active_only: bool = True
) -> list[NumberedMember]:
    """The community's members with these numbers, in the order given. A number that is not a
    member (with `active_only`, not an active one) is refused by name, so nothing half-happens."""
    rows = {
        number: (person_id, name, status)
        for number, person_id, name, status in session.exec(
            select(Membership.number, Membership.person_id, Person.name, Membership.status)
            .join(Person, col(Person.id) == Membership.person_id)
            .where(Membership.community_id == community_id, col(Membership.number).in_(numbers))
        )
    }
    found = []
    for number in numbers:
        row = rows.get(number)
        if row is None or (active_only and row[2] != MembershipStatus.ACTIVE):
            raise UserError(f"There is no member #{number} in this community. See /members.")
        found.append(NumberedMember(number, row[0], row[1]))
    return found


def _in_community(session: Session, community_id: int, number: int) -> Membership:
    """Member #number's membership, locked until the write commits."""
    query = select(Membership).where(
        Membership.community_id == community_id, Membership.number == number
    )
    membership = session.exec(locking(query)).first()
    if membership is None:
        raise UserError(f"There is no member #{number} in this community. See /members.")
    return membership
