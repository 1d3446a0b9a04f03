"""`/link`: one-time codes that make two platform accounts one person."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot import audit
from bot.codes import new_code
from bot.errors import UserError
from bot.runtime import PersonMerge
from bot.scheduler import schedule
from storage.models import Account, AuditEntry, LinkCode, Person
from storage.outbox import OutboxEntry

LINK_CODE = "LINK"
CODE_LIFETIME = timedelta(minutes=15)
EXPIRE_JOB = "identity.expire_link_code"


def issue_code(session: Session, person_id: int, now: datetime) -> str:
    """A fresh code for this person; any older unused code of theirs stops working."""
    for old in session.exec(select(LinkCode).where(LinkCode.person_id == person_id)):
        session.delete(old)
    code = new_code(LINK_CODE)
    expires = now + CODE_LIFETIME
    session.add(LinkCode(code=code, person_id=person_id, created_at=now, expires_at=expires))
    schedule(session, EXPIRE_JOB, expires, {"code": code})
    return code


@dataclass(frozen=True)
class LinkResult:
    person_id: int
    name: str
    platforms: tuple[str, ...]
    notes: tuple[str, ...] = ()  # what the features said about the merge


def redeem_code(
    session: Session, code: str, person_id: int, now: datetime, merges: Sequence[PersonMerge]
) -> LinkResult:
    """Join the redeeming person into the person who asked for the code."""
    link = session.get(LinkCode, code)
    if link is None:
        raise UserError(
            "That link code is not valid: it may be mistyped, used already, or expired (codes last "
            f"{CODE_LIFETIME.seconds // 60} minutes). Send /link again on your other account."
        )
    if link.expires_at <= now:
        session.delete(link)
        raise UserError("That link code has expired. Send /link again on your other account.")
    if link.person_id == person_id:
        raise UserError("That code is for your other account: send /link with it from there.")
    target_id = link.person_id
    session.delete(link)
    notes = [note for merge in merges for note in merge(session, person_id, target_id, now)]
    for account in session.exec(select(Account).where(Account.person_id == person_id)):
        account.person_id = target_id
    for entry in session.exec(select(AuditEntry).where(AuditEntry.actor_person_id == person_id)):
        entry.actor_person_id = target_id
    for column in (OutboxEntry.person_id, OutboxEntry.requested_by_person_id):
        session.exec(
            update(OutboxEntry).where(col(column) == person_id).values({column: target_id})
        )
    for stale in session.exec(select(LinkCode).where(LinkCode.person_id == person_id)):
        session.delete(stale)
    source = session.get_one(Person, person_id)
    target = session.get_one(Person, target_id)
    if target.current_community_id is None:
        target.current_community_id = source.current_community_id
    session.flush()
    session.delete(source)
    audit.record(
        session,
        community_id=None,
        actor_person_id=target_id,
        action="person.linked",
        detail=f"person {person_id} merged into {target_id}",
        at=now,
    )
    platforms = session.exec(select(Account.platform).where(Account.person_id == target_id)).all()
    return LinkResult(target_id, target.name, tuple(sorted(set(platforms))), tuple(notes))


def expire_code(session: Session, code: str) -> None:
    link = session.get(LinkCode, code)
    if link is not None:
        session.delete(link)
