"""What waits in the outbox or failed, for admins (`/outbox`) and operators (`moot outbox`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, or_, select

from bot.errors import UserError
from bot.numbers import next_number
from bot.outbox import queue, report
from storage.models import Account, Chat
from storage.outbox import DeliveryKind, DeliveryStatus, OutboxEntry

SHOWN = 25
NUMBER_KIND = "message"  # in numbersequence
FAILED_FOR = timedelta(days=14)


def _shown(session: Session, community_id: int | None, now: datetime) -> list[OutboxEntry]:
    """Entries still waiting, then those that failed in the last two weeks, newest first."""
    query = (
        select(OutboxEntry)
        .where(
            col(OutboxEntry.kind) != DeliveryKind.EDIT,
            or_(
                col(OutboxEntry.status) == DeliveryStatus.PENDING,
                (col(OutboxEntry.status) == DeliveryStatus.FAILED)
                & (col(OutboxEntry.finished_at) >= now - FAILED_FOR),
            ),
        )
        .order_by(col(OutboxEntry.id).desc())
        .limit(SHOWN)
    )
    if community_id is not None:
        query = query.where(OutboxEntry.community_id == community_id)
    return list(session.exec(query))


@dataclass(frozen=True)
class Waiting:
    """A platform's entries due to go now and not sent yet (operators' metrics)."""

    entries: int
    since: datetime  # the moment the oldest of them was due


def waiting(session: Session, now: datetime) -> dict[str, Waiting]:
    """By platform, what waits to be sent now: pending entries, less those prepared for a moment
    still to come (a reminder waits for its `not_before`, and is due from then)."""
    pending = col(OutboxEntry.status) == DeliveryStatus.PENDING
    found: dict[str, Waiting] = {}
    for moment, due in (
        (OutboxEntry.created_at, col(OutboxEntry.not_before).is_(None)),
        (OutboxEntry.not_before, col(OutboxEntry.not_before) <= now),
    ):
        rows = session.exec(
            select(OutboxEntry.platform, func.count(), func.min(moment))
            .where(pending, due)
            .group_by(col(OutboxEntry.platform))
        )
        for platform, entries, since in rows:
            assert since is not None  # every row counted has the moment grouped on
            before = found.get(platform)
            if before is not None:
                entries, since = entries + before.entries, min(since, before.since)
            found[platform] = Waiting(entries, since)
    return found


def listing(session: Session, community_id: int | None, now: datetime) -> list[str]:
    """For the operator (`moot outbox`): a line per entry, by its row id."""
    return [
        _line(session, entry, entry.id, f"moot outbox resend {entry.id}")
        for entry in _shown(session, community_id, now)
    ]


def numbered_listing(session: Session, community_id: int, now: datetime) -> list[str]:
    """For a community's admins (`/outbox`, inside a write): a line per entry, by the number the
    community knows it by. Row ids are shared by every community, so showing them would tell
    one how busy the others are (see bot.numbers); an entry gets its number when first listed."""
    entries = _shown(session, community_id, now)
    for entry in sorted(entries, key=lambda e: e.id or 0):
        if entry.number is None:
            entry.number = next_number(session, community_id, NUMBER_KIND)
    return [_line(session, entry, entry.number, f"/resend {entry.number}") for entry in entries]


def _line(session: Session, entry: OutboxEntry, number: int | None, again: str) -> str:
    target = (
        report.where(session, entry)
        if entry.kind == DeliveryKind.POST
        else f"{report.person_name(session, entry)} (direct message)"
    )
    if entry.status == DeliveryStatus.FAILED:
        return f"#{number} failed: {entry.summary} to {target}: {entry.error}. {again}"
    tries = f", {entry.attempts} tries so far ({entry.error})" if entry.attempts else ""
    return f"#{number} waiting: {entry.summary} to {target}{tries}"


def resend_numbered(session: Session, community_id: int, number: int, requested_by: int) -> None:
    """An admin's /resend: the community's failed message with that number."""
    entry = session.exec(
        select(OutboxEntry).where(
            OutboxEntry.community_id == community_id, OutboxEntry.number == number
        )
    ).first()
    if entry is None:
        raise UserError(f"There is no failed message #{number} here; /outbox lists them.")
    _resend(session, entry, number, requested_by)


def resend(session: Session, entry_id: int, community_id: int | None) -> None:
    """The operator's `moot outbox resend`: the failed entry with that row id (within one
    community, if given)."""
    entry = session.get(OutboxEntry, entry_id)
    if entry is None or (community_id is not None and entry.community_id != community_id):
        raise UserError(f"There is no failed message #{entry_id}; `moot outbox` lists them.")
    _resend(session, entry, entry_id, None)


def _resend(session: Session, entry: OutboxEntry, number: int, requested_by: int | None) -> None:
    """Put a failed entry back in the queue, trusting the chat or account again."""
    if entry.status != DeliveryStatus.FAILED:
        raise UserError(f"Message #{number} is {entry.status}; only failed ones are sent again.")
    if entry.content is None and entry.live is None:  # emptied by /forgetme (bot.privacy)
        raise UserError(
            f"Message #{number} cannot be sent again: the person it was for asked Moot to "
            "forget them, and what it said is gone."
        )
    if entry.kind == DeliveryKind.DIRECT and entry.account_id is not None:
        session.get_one(Account, entry.account_id).unreachable = None
    elif entry.chat_id is not None:
        for chat in session.exec(
            select(Chat).where(
                Chat.platform == entry.platform, Chat.platform_chat_id == entry.chat_id
            )
        ):
            chat.unreachable = None
    queue.requeue(session, entry, requested_by)
