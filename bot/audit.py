"""The audit log: who changed what, when."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from storage.models import AuditEntry


def record(
    session: Session,
    *,
    community_id: int | None,
    actor_person_id: int | None,
    action: str,
    detail: str,
    at: datetime,
) -> None:
    session.add(
        AuditEntry(
            community_id=community_id,
            actor_person_id=actor_person_id,
            action=action,
            detail=detail,
            at=at,
        )
    )
