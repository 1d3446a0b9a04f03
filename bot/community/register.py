"""Reading the register: who is in a community, in what role, on which platforms."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from storage.models import Account, Membership, MembershipStatus, Person, Role


@dataclass(frozen=True)
class Entry:
    number: int
    name: str
    role: Role
    status: MembershipStatus
    unit: str | None
    platforms: tuple[str, ...]
    claimed: bool


def entries(
    session: Session, community_id: int, statuses: tuple[MembershipStatus, ...]
) -> list[Entry]:
    rows = session.exec(
        select(Membership, Person)
        .join(Person, Person.id == Membership.person_id)  # type: ignore[arg-type]
        .where(Membership.community_id == community_id, col(Membership.status).in_(statuses))
        .order_by(col(Membership.number))
    ).all()
    person_ids = [person.id for _, person in rows]
    platforms: dict[int, set[str]] = {}
    for person_id, platform in session.exec(
        select(Account.person_id, Account.platform).where(col(Account.person_id).in_(person_ids))
    ):
        platforms.setdefault(person_id, set()).add(platform)
    return [
        Entry(
            number=membership.number,
            name=person.name,
            role=Role(membership.role),
            status=MembershipStatus(membership.status),
            unit=membership.unit,
            platforms=tuple(sorted(platforms.get(person.id or 0, ()))),
            claimed=membership.claim_code is None,
        )
        for membership, person in rows
    ]
