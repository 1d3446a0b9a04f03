"""What waits in the outbox or failed, for admins (`/outbox`) and operators (`moot outbox`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, or_, select

from bot.errors import UserError
from bot.outbox import queue, report
from storage.models import Account, Chat
from storage.outbox import DeliveryKind, DeliveryStatus, OutboxEntry

SHOWN = 25
FAILED_FOR = timedelta(days=14)


def listing(session: Session, community_id: int | None, now: datetime) -> list[str]:
    """A line for each entry still waiting, then each that failed in the last two weeks."""
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
    return [_line(session, entry) for entry in session.exec(query)]


def _line(session: Session, entry: OutboxEntry) -> str:
    target = (
        report.where(session, entry)
        if entry.kind == DeliveryKind.POST
        else f"{report.person_name(session, entry)} (direct message)"
    )
    if entry.status == DeliveryStatus.FAILED:
        return f"#{entry.id} failed: {entry.summary} to {target}: {entry.error}. /resend {entry.id}"
    tries = f", {entry.attempts} tries so far ({entry.error})" if entry.attempts else ""
    return f"#{entry.id} waiting: {entry.summary} to {target}{tries}"


def resend(
    session: Session, entry_id: int, community_id: int | None, requested_by: int | None
) -> None:
    """Put a failed entry back in the queue, trusting the chat or account again."""
    entry = session.get(OutboxEntry, entry_id)
    if entry is None or (community_id is not None and entry.community_id != community_id):
        raise UserError(f"There is no failed message #{entry_id} here; /outbox lists them.")
    if entry.status != DeliveryStatus.FAILED:
        raise UserError(f"Message #{entry_id} is {entry.status}; only failed ones are sent again.")
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
