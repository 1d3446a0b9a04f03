"""When two people become one (`/link`), their memberships become one per community."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from bot.community.service import membership_of
from storage.models import Chat, Membership, MembershipStatus, Role


def merge_memberships(session: Session, source_id: int, target_id: int, now: datetime) -> list[str]:
    """When two accounts become one person, keep one membership per community: the stronger one."""
    for moved in session.exec(select(Membership).where(Membership.person_id == source_id)).all():
        kept = membership_of(session, moved.community_id, target_id)
        if kept is None:
            moved.person_id = target_id
            continue
        if _strength(moved) > _strength(kept):
            kept.role, kept.status = moved.role, moved.status
            kept.decided_at, kept.decided_by_person_id = (
                moved.decided_at,
                moved.decided_by_person_id,
            )
        session.delete(moved)
    for decided in session.exec(
        select(Membership).where(Membership.decided_by_person_id == source_id)
    ):
        decided.decided_by_person_id = target_id
    for chat in session.exec(select(Chat).where(Chat.linked_by_person_id == source_id)):
        chat.linked_by_person_id = target_id
    return []


_STATUS_RANK = {
    MembershipStatus.ACTIVE: 3,
    MembershipStatus.PENDING: 2,
    MembershipStatus.REJECTED: 1,
    MembershipStatus.REMOVED: 0,
}
_ROLE_RANK = {Role.MEMBER: 0, Role.REPAIRS: 1, Role.ORGANISER: 2, Role.ADMIN: 3}


def _strength(membership: Membership) -> tuple[int, int]:
    return _STATUS_RANK[MembershipStatus(membership.status)], _ROLE_RANK[Role(membership.role)]
