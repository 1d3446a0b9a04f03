"""The homes register: organisers import the community's homes from CSV and link tenants to
them, so that a tenant reports about their own home and nobody else's (communal areas are open
to everyone)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlmodel import Session, col, select

from bot.community.service import active_member
from bot.errors import UserError
from bot.repairs.spec import HOME
from bot.text import one_line
from storage.models import Membership, Person
from storage.repairs import ADDRESS_MAX, HOME_REF_MAX, Home, Tenancy

MAX_BYTES = 512 * 1024
MAX_ROWS = 5000
MAX_REPORTED = 10


@dataclass(frozen=True)
class HomeRow:
    ref: str
    address: str


def parse(data: bytes) -> list[HomeRow]:
    """A CSV with `ref` and `address` columns, every row checked before any is imported."""
    if len(data) > MAX_BYTES:
        raise UserError(
            f"That file is {len(data) // 1024} KB; the limit is {MAX_BYTES // 1024} KB."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UserError("That file is not UTF-8 text; save it as CSV (UTF-8).") from error
    reader = csv.DictReader(io.StringIO(text))
    try:
        fields = {(name or "").strip().lower() for name in reader.fieldnames or ()}
        if not {"ref", "address"} <= fields:
            raise UserError("The first row must name the columns: ref, address.")
        rows: list[HomeRow] = []
        problems: list[str] = []
        seen: set[str] = set()
        for line, raw in enumerate(reader, start=2):
            if len(rows) >= MAX_ROWS:
                raise UserError(f"Import at most {MAX_ROWS} homes at a time.")
            values = {(k or "").strip().lower(): one_line(v or "") for k, v in raw.items()}
            ref, address = values.get("ref", "").strip(), values.get("address", "").strip()
            if not ref or len(ref) > HOME_REF_MAX:
                problems.append(f"line {line}: give a ref of 1 to {HOME_REF_MAX} characters")
            elif ref.lower() in seen:
                problems.append(f"line {line}: {ref} is listed twice")
            elif ref.lower() == HOME:
                problems.append(f"line {line}: call the home something other than 'home'")
            if len(address) > ADDRESS_MAX:
                problems.append(f"line {line}: the address is over {ADDRESS_MAX} characters")
            seen.add(ref.lower())
            rows.append(HomeRow(ref, address or ref))
    except csv.Error as error:
        raise UserError(f"That file is not valid CSV: {error}.") from error
    if problems:
        more = len(problems) - MAX_REPORTED
        raise UserError(
            "Nothing was imported. "
            + "; ".join(problems[:MAX_REPORTED])
            + (f"; and {more} more." if more > 0 else ".")
        )
    if not rows:
        raise UserError("That file lists no homes.")
    return rows


def import_homes(session: Session, community_id: int, rows: list[HomeRow]) -> tuple[int, int]:
    """Add the new homes and update the addresses of known ones; (added, updated)."""
    known = {
        home.ref.lower(): home
        for home in session.exec(select(Home).where(Home.community_id == community_id))
    }
    added = updated = 0
    for row in rows:
        existing = known.get(row.ref.lower())
        if existing is None:
            session.add(Home(community_id=community_id, ref=row.ref, address=row.address))
            added += 1
        elif existing.address != row.address:
            existing.address = row.address
            updated += 1
    return added, updated


def find_home(session: Session, community_id: int, ref: str) -> Home | None:
    return session.exec(
        select(Home).where(Home.community_id == community_id, col(Home.ref).ilike(ref.strip()))
    ).first()


def link_tenant(
    session: Session, community_id: int, member_number: int, ref: str
) -> tuple[str, Home | None]:
    """Link member #N to the home `ref` (or, with `none`, to no home); (their name, the home)."""
    member = active_member(session, community_id, member_number)
    if member is None:
        raise UserError(f"There is no member #{member_number} here. /members lists them.")
    name = session.get_one(Person, member.person_id).name
    if ref.strip().lower() == "none":
        for tenancy in _tenancies(session, community_id, member.person_id):
            session.delete(tenancy)
        return name, None
    home = find_home(session, community_id, ref)
    if home is None:
        raise UserError(
            f"There is no home {one_line(ref)[:40]} in the register. /homes lists them."
        )
    assert home.id is not None
    if session.get(Tenancy, (home.id, member.person_id)) is None:
        session.add(Tenancy(home_id=home.id, person_id=member.person_id))
    return name, home


def homes_of(session: Session, community_id: int, person_id: int) -> list[Home]:
    return list(
        session.exec(
            select(Home)
            .join(Tenancy, col(Tenancy.home_id) == Home.id)
            .where(Home.community_id == community_id, Tenancy.person_id == person_id)
            .order_by(col(Home.ref))
        )
    )


def _tenancies(session: Session, community_id: int, person_id: int) -> list[Tenancy]:
    return list(
        session.exec(
            select(Tenancy)
            .join(Home, col(Home.id) == Tenancy.home_id)
            .where(Home.community_id == community_id, Tenancy.person_id == person_id)
        )
    )


def has_register(session: Session, community_id: int) -> bool:
    return (
        session.exec(select(Home.id).where(Home.community_id == community_id)).first() is not None
    )


def where_reported(
    session: Session, community_id: int, person_id: int, location: str
) -> tuple[str, int | None]:
    """Where a report is about: (HOME and the tenant's home from the register, if there is
    one) or (a communal area, None). A home that is not theirs is refused."""
    mine = homes_of(session, community_id, person_id)
    if location == HOME:
        if len(mine) == 1:
            return HOME, mine[0].id
        if len(mine) > 1:
            refs = " or ".join(f"where: {home.ref}" for home in mine)
            raise UserError(f"You have more than one home here: say which, with {refs}.")
        if has_register(session, community_id):
            raise UserError(
                "You are not linked to a home in the register yet: ask an organiser to link you "
                "(/tenant). A communal area can be reported with where: and its name."
            )
        return HOME, None
    named = find_home(session, community_id, location)
    if named is None:
        return location, None
    if named.id not in {home.id for home in mine}:
        raise UserError(
            f"{named.ref} is not your home in the register: you can report your own home or a "
            "communal area."
        )
    return HOME, named.id


def register(session: Session, community_id: int) -> list[tuple[Home, list[int]]]:
    """Every home with the member numbers of its tenants."""
    homes = session.exec(
        select(Home).where(Home.community_id == community_id).order_by(col(Home.ref))
    ).all()
    tenants: dict[int, list[int]] = {}
    for home_id, number in session.exec(
        select(Tenancy.home_id, Membership.number)
        .join(Home, col(Home.id) == Tenancy.home_id)
        .join(
            Membership,
            (col(Membership.person_id) == Tenancy.person_id)
            & (col(Membership.community_id) == Home.community_id),
        )
        .where(Home.community_id == community_id)
    ):
        tenants.setdefault(home_id, []).append(number)
    return [(home, sorted(tenants.get(home.id or 0, []))) for home in homes]
