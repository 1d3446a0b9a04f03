"""Importing a register of members from CSV: every row is checked first, then all are imported
or none are (a half-imported register is worse than none)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert
from sqlmodel import Session, col, select

from bot import audit
from bot.codes import new_code
from bot.community.service import CLAIM_CODE, MEMBER_NUMBERS
from bot.errors import UserError
from bot.numbers import next_numbers
from bot.spreadsheet import csv_bytes, read_csv
from bot.text import one_line
from storage.models import NAME_MAX, Membership, MembershipStatus, Person, Role

MAX_BYTES = 256 * 1024
MAX_ROWS = 2000
MAX_REPORTED = 15
IMPORTABLE_ROLES = (Role.MEMBER, Role.ORGANISER, Role.REPAIRS)


@dataclass(frozen=True)
class Row:
    line: int
    name: str
    role: Role
    unit: str | None


@dataclass(frozen=True)
class Imported:
    name: str
    unit: str | None
    role: Role
    number: int  # the member's number in their community
    code: str


def parse(data: bytes) -> list[Row]:
    """Read and check a CSV with a `name` column and optional `role` and `unit` columns."""
    reader = read_csv(data, MAX_BYTES)
    try:
        return _rows(reader)
    except csv.Error as error:  # a field over the csv module's limit, a NUL, a broken quote
        raise UserError(
            f"That file could not be read as CSV near line {reader.line_num + 1} ({error}); "
            "nothing was imported."
        ) from error


def _rows(reader: csv.DictReader[str]) -> list[Row]:
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "name" not in header:
        raise UserError(
            "The first line must be a header with a `name` column (and optionally `role`, `unit`)."
        )
    unknown = [h for h in header if h not in ("name", "role", "unit")]
    if unknown:
        raise UserError(f"Unknown column(s): {', '.join(unknown)}. Use name, role and unit.")
    reader.fieldnames = header
    rows: list[Row] = []
    problems: list[str] = []
    seen: set[tuple[str, str | None]] = set()
    for line, record in enumerate(reader, start=2):
        if len(rows) + len(problems) >= MAX_ROWS:
            raise UserError(
                f"That file has more than {MAX_ROWS} rows; split it and import each part."
            )
        name = one_line(record.get("name") or "")
        unit = one_line(record.get("unit") or "") or None
        role_text = one_line(record.get("role") or "member").lower()
        if not name:
            problems.append(f"line {line}: the name is empty")
        elif len(name) > NAME_MAX:
            problems.append(f"line {line}: the name is over {NAME_MAX} characters")
        elif unit is not None and len(unit) > NAME_MAX:
            problems.append(f"line {line}: the unit is over {NAME_MAX} characters")
        elif role_text not in IMPORTABLE_ROLES:
            problems.append(
                f"line {line}: role {role_text[:20]!r} is not member, organiser or repairs"
            )
        elif (name.lower(), unit) in seen:
            problems.append(f"line {line}: {name} ({unit or 'no unit'}) appears twice")
        else:
            seen.add((name.lower(), unit))
            rows.append(Row(line, name, Role(role_text), unit))
    if problems:
        shown = problems[:MAX_REPORTED]
        more = len(problems) - len(shown)
        tail = f"\n…and {more} more." if more else ""
        raise UserError(
            f"Nothing was imported: {len(problems)} row(s) need fixing.\n" + "\n".join(shown) + tail
        )
    if not rows:
        raise UserError("That file has a header but no members; nothing was imported.")
    return rows


def import_rows(
    session: Session, community_id: int, rows: list[Row], actor_id: int, now: datetime
) -> list[Imported]:
    """Add every row to the register as a member who can claim their place with a code."""
    pending_claims = session.exec(
        select(Person.name, Membership.unit)
        .join(Membership, Membership.person_id == Person.id)  # type: ignore[arg-type]
        .where(Membership.community_id == community_id, Membership.claim_code.is_not(None))  # type: ignore[union-attr]
    ).all()
    already = {(name.lower(), unit) for name, unit in pending_claims}
    clashes = [row for row in rows if (row.name.lower(), row.unit) in already]
    if clashes:
        listed = "\n".join(
            f"line {r.line}: {r.name} ({r.unit or 'no unit'})" for r in clashes[:MAX_REPORTED]
        )
        raise UserError(
            f"Nothing was imported: {len(clashes)} row(s) were imported before and not yet claimed.\n{listed}"
        )
    # Thousands of rows: written as two multi-row statements rather than ORM objects, so the
    # write is quick and makes little garbage for the collector (bench/stalls.py).
    people = (
        session.execute(
            insert(Person).returning(col(Person.id), sort_by_parameter_order=True),
            [{"name": row.name, "created_at": now} for row in rows],
        )
        .scalars()
        .all()
    )
    numbers = next_numbers(session, community_id, MEMBER_NUMBERS, len(rows))
    codes = [new_code(CLAIM_CODE) for _ in rows]
    session.execute(
        insert(Membership),
        [
            {
                "community_id": community_id,
                "number": number,
                "person_id": person_id,
                "role": row.role,
                "status": MembershipStatus.ACTIVE,
                "unit": row.unit,
                "claim_code": code,
                "requested_at": now,
                "decided_at": now,
                "decided_by_person_id": actor_id,
            }
            for row, person_id, number, code in zip(rows, people, numbers, codes, strict=True)
        ],
    )
    imported = [
        Imported(row.name, row.unit, row.role, number, code)
        for row, number, code in zip(rows, numbers, codes, strict=True)
    ]
    audit.record(
        session,
        community_id=community_id,
        actor_person_id=actor_id,
        action="members.imported",
        detail=f"{len(imported)} rows",
        at=now,
    )
    return imported


def claim_codes_csv(imported: list[Imported]) -> bytes:
    return csv_bytes(
        ["member", "name", "unit", "role", "code"],
        ([f"#{i.number}", i.name, i.unit or "", i.role, i.code] for i in imported),
    )


def unclaimed(session: Session, community_id: int) -> list[Imported]:
    """Imported members who have not claimed their place yet, with their codes (for an
    organiser who lost the file the import gave them)."""
    rows = session.exec(
        select(Person.name, Membership)
        .join(Membership, Membership.person_id == Person.id)  # type: ignore[arg-type]
        .where(Membership.community_id == community_id, Membership.claim_code.is_not(None))  # type: ignore[union-attr]
        .order_by(Membership.number)  # type: ignore[arg-type]
    ).all()
    return [Imported(name, m.unit, Role(m.role), m.number, m.claim_code or "") for name, m in rows]
