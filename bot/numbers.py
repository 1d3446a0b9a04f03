"""Numbers people see: per community, sequential, never reused.

Internal row ids are shared by every community, so showing them would tell one community how
busy the others are, and a discarded draft's id would be reused by SQLite. Each community
counts its own polls (and later meetings and repairs) in `numbersequence` instead.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

_NEXT = text(
    "INSERT INTO numbersequence (community_id, kind, last) VALUES (:community, :kind, 1) "
    "ON CONFLICT (community_id, kind) DO UPDATE SET last = numbersequence.last + 1 RETURNING last"
)


_RESERVE = text(
    "INSERT INTO numbersequence (community_id, kind, last) VALUES (:community, :kind, :count) "
    "ON CONFLICT (community_id, kind) DO UPDATE SET last = numbersequence.last + :count RETURNING last"
)


def next_numbers(session: Session, community_id: int, kind: str, count: int) -> range:
    """Inside a write: the next `count` numbers of `kind` in the community, in one statement."""
    last = int(
        session.connection()
        .execute(_RESERVE, {"community": community_id, "kind": kind, "count": count})
        .scalar_one()
    )
    return range(last - count + 1, last + 1)


def next_number(session: Session, community_id: int, kind: str) -> int:
    """Inside a write: the next number of `kind` in the community (1, 2, 3 …)."""
    return int(
        session.connection().execute(_NEXT, {"community": community_id, "kind": kind}).scalar_one()
    )
