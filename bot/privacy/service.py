"""What Moot holds about a person itself (their name, accounts, memberships), and forgetting
it: the person stays as an anonymous row so that what others rely on still adds up (votes
counted, repair statistics), but nothing in it says who they were or how to reach them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from bot.errors import UserError
from bot.runtime import PersonForget, Runtime
from storage.conversations import FormProgress, HeldAnswer
from storage.models import (
    Account,
    AuditEntry,
    Community,
    LinkCode,
    Membership,
    MembershipStatus,
    Person,
    Role,
)
from storage.outbox import DeliveryStatus, OutboxEntry

FORGOTTEN_NAME = "Former member"


def own_data(session: Session, person_id: int) -> dict[str, Any]:
    person = session.get_one(Person, person_id)
    accounts = session.exec(select(Account).where(Account.person_id == person_id)).all()
    memberships = session.exec(
        select(Membership, Community)
        .join(Community, col(Community.id) == Membership.community_id)
        .where(Membership.person_id == person_id)
    ).all()
    return {
        "person": {"name": person.name, "since": person.created_at.isoformat()},
        "accounts": [
            {
                "platform": account.platform,
                "name_there": account.display_name,
                "last_seen": account.last_seen_at.isoformat(),
            }
            for account in accounts
        ],
        "memberships": [
            {
                "community": community.name,
                "member_number": membership.number,
                "role": membership.role,
                "status": membership.status,
                "unit": membership.unit,
            }
            for membership, community in memberships
        ],
    }


def leaves_without_an_admin(session: Session, person_id: int) -> list[str]:
    """The communities this person is the only active admin of (on the register), which
    forgetting them would leave with nobody to run them."""
    alone = []
    for membership, community in session.exec(
        select(Membership, Community)
        .join(Community, col(Community.id) == Membership.community_id)
        .where(
            Membership.person_id == person_id,
            Membership.status == MembershipStatus.ACTIVE,
            Membership.role == Role.ADMIN,
        )
    ):
        others = session.exec(
            select(Membership.id).where(
                Membership.community_id == membership.community_id,
                Membership.status == MembershipStatus.ACTIVE,
                Membership.role == Role.ADMIN,
                Membership.person_id != person_id,
            )
        ).first()
        if others is None:
            alone.append(community.name)
    return alone


def check_may_be_forgotten(session: Session, person_id: int) -> None:
    """Refuse (UserError) while they are the only admin of a community: a community always
    keeps one admin. Checked before anything is asked or changed, and again inside the write."""
    alone = leaves_without_an_admin(session, person_id)
    if alone:
        raise UserError(
            f"You are the only admin of {', '.join(alone)}; a community always keeps one admin. "
            "Make someone else admin first (/role N admin), then send /forgetme again."
        )


def forget_everywhere(
    runtime: Runtime,
    session: Session,
    person_id: int,
    forgets: Iterable[PersonForget],
    now: datetime,
) -> list[Path]:
    """Forget the person in every feature (`forgets`, each feature's own) and here, checking
    again inside the write that they may be forgotten; the files to delete once it commits."""
    check_may_be_forgotten(session, person_id)
    files: list[Path] = []
    for forget_person in forgets:
        files += forget_person(runtime, session, person_id, now)
    forget(session, person_id, now)
    return files


def forget(session: Session, person_id: int, now: datetime) -> None:
    """No name, no way to reach them, no place in any community; messages waiting for them
    are withdrawn and the ones sent to them emptied (`check_may_be_forgotten` first)."""
    person = session.get_one(Person, person_id)
    old_name = person.name
    person.name, person.current_community_id = FORGOTTEN_NAME, None
    for account in session.exec(select(Account).where(Account.person_id == person_id)):
        for half_way in (HeldAnswer, FormProgress):  # what their conversations left half-way
            session.exec(
                delete(half_way).where(
                    col(half_way.platform) == account.platform,
                    col(half_way.user_id) == account.platform_user_id,
                )
            )
        account.platform_user_id = f"forgotten-{uuid.uuid4().hex}"
        account.display_name, account.direct_chat_id = FORGOTTEN_NAME, None
        account.unreachable = "forgotten at their request"
    for membership in session.exec(select(Membership).where(Membership.person_id == person_id)):
        membership.status, membership.unit = MembershipStatus.REMOVED, None
        membership.claim_code = None
        _unname_in_audit(session, membership.community_id, old_name, membership.number)
    for code in session.exec(select(LinkCode).where(LinkCode.person_id == person_id)):
        session.delete(code)
    to_them = col(OutboxEntry.person_id) == person_id
    session.exec(
        update(OutboxEntry)
        .where(
            to_them,
            col(OutboxEntry.status).in_((DeliveryStatus.PENDING, DeliveryStatus.FAILED)),
        )
        .values(status=DeliveryStatus.SUPERSEDED, finished_at=now, error="forgotten")
    )
    session.exec(update(OutboxEntry).where(to_them).values(content=None, chat_id=None))


def _unname_in_audit(session: Session, community_id: int, name: str, number: int) -> None:
    """Audit entries written before the log named members by number alone said "Name (#7)"."""
    named = f"{name} (#{number})"
    session.exec(
        update(AuditEntry)
        .where(col(AuditEntry.community_id) == community_id, col(AuditEntry.detail).contains(named))
        .values(detail=func.replace(AuditEntry.detail, named, f"member #{number}"))
    )
