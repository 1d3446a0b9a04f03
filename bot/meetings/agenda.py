"""A meeting's agenda: members propose items before it; organisers accept and order them (or
decline them), and the proposer hears which. The agenda goes out with the first reminder."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, func, select

from bot.community.service import organisers
from bot.errors import UserError
from bot.events import Button, ButtonStyle, Reply
from bot.meetings.views import MeetingView, is_active_member, load
from bot.outbox import queue as outbox
from bot.outbox.queue import Message
from bot.text import one_line
from storage.locking import locked_one
from storage.meetings import ITEM_MAX, AgendaItem, ItemStatus, Meeting, MeetingStatus

MOST_ITEMS = 50


def propose(session: Session, meeting_id: int, person_id: int, text: str, now: datetime) -> int:
    """Add a proposed item; its number on this meeting's list (the meeting stays locked until
    the write commits, so two items proposed at once get different numbers)."""
    meeting = locked_one(session, Meeting, meeting_id)
    if not is_active_member(session, meeting.community_id, person_id):
        raise UserError("Only members can propose agenda items; send /join in the group chat.")
    if meeting.status != MeetingStatus.SCHEDULED or meeting.starts_at <= now:
        raise UserError(f"Meeting #{meeting.number} takes agenda items only before it starts.")
    item_text = one_line(text)
    if not item_text:
        raise UserError("Say what the item is, e.g. /propose 3 Bike storage.")
    if len(item_text) > ITEM_MAX:
        raise UserError(f"An agenda item can be up to {ITEM_MAX} characters.")
    numbers = session.exec(select(AgendaItem.number).where(AgendaItem.meeting_id == meeting_id))
    taken = list(numbers)
    if len(taken) >= MOST_ITEMS:
        raise UserError(f"Meeting #{meeting.number} has {MOST_ITEMS} proposed items already.")
    number = max(taken, default=0) + 1
    session.add(
        AgendaItem(
            meeting_id=meeting_id,
            number=number,
            text=item_text,
            proposed_by_person_id=person_id,
            proposed_at=now,
        )
    )
    ref = f"{meeting.community_id}.{meeting.number}"
    others = [p for p in organisers(session, meeting.community_id) if p != person_id]
    if not others:  # the proposer is the only organiser: they know
        return number
    outbox.tell_someone(
        session,
        others,
        Message(
            f"an agenda item for meeting #{meeting.number}",
            reply=Reply(
                f"Proposed for the agenda of meeting #{meeting.number}, {meeting.title}: "
                f"{item_text}",
                buttons=decision_buttons(ref, number),
            ),
        ),
        now,
        community_id=meeting.community_id,
        topic=f"agenda:{meeting_id}:{number}",
    )
    return number


def decision_buttons(meeting_ref: str, number: int) -> tuple[Button, ...]:
    return (
        Button("Accept", f"agendaitem {meeting_ref} {number} accept", ButtonStyle.PRIMARY),
        Button("Decline", f"agendaitem {meeting_ref} {number} decline", ButtonStyle.DANGER),
    )


def decide(
    session: Session,
    meeting_id: int,
    number: int,
    accept: bool,
    now: datetime,
    actor_id: int | None = None,
) -> AgendaItem:
    """Accept an item onto the end of the agenda, or decline it; the proposer is told."""
    meeting = locked_one(session, Meeting, meeting_id)  # one decision at a time, one position each
    item = _item(session, meeting, number)
    wanted = ItemStatus.ACCEPTED if accept else ItemStatus.DECLINED
    if item.status == wanted:
        raise UserError(f"Item {number} is {wanted} already.")
    if accept:
        last = session.exec(
            select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting_id)
        ).one()
        item.status, item.position = ItemStatus.ACCEPTED, (last or 0) + 1
    else:
        item.status, item.position = ItemStatus.DECLINED, None
        _renumber(session, meeting_id)
    verdict = "is on the agenda" if accept else "was not taken onto the agenda"
    outbox.direct(
        session,
        item.proposed_by_person_id,
        Message(
            f"agenda item {number} of meeting #{meeting.number}",
            reply=Reply(
                f"Your item for meeting #{meeting.number}, {meeting.title} — {item.text} — "
                f"{verdict}."
            ),
        ),
        now,
        community_id=meeting.community_id,
        requested_by=actor_id,
    )
    return item


def reorder(session: Session, meeting_id: int, numbers: list[int]) -> str:
    """Put the accepted items in this order (every one of them, each once); the agenda as it
    now reads."""
    meeting = session.get_one(Meeting, meeting_id)
    accepted = accepted_items(session, meeting_id)
    if sorted(numbers) != sorted(item.number for item in accepted):
        listed = " ".join(str(item.number) for item in accepted) or "none yet"
        raise UserError(
            f"Give every accepted item of meeting #{meeting.number} once, in the new order "
            f"(accepted: {listed})."
        )
    by_number = {item.number: item for item in accepted}
    for position, number in enumerate(numbers, start=1):
        by_number[number].position = position
    return agenda_text(load(session, meeting_id), accepted_items(session, meeting_id))


def accepted_items(session: Session, meeting_id: int) -> list[AgendaItem]:
    return list(
        session.exec(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting_id, AgendaItem.status == ItemStatus.ACCEPTED)
            .order_by(col(AgendaItem.position))
        )
    )


def proposed_items(session: Session, meeting_id: int) -> list[AgendaItem]:
    return list(
        session.exec(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting_id, AgendaItem.status == ItemStatus.PROPOSED)
            .order_by(col(AgendaItem.number))
        )
    )


def agenda_text(view: MeetingView, items: list[AgendaItem]) -> str:
    if not items:
        return (
            f"Meeting #{view.number} has no agenda yet. Propose an item: /propose {view.number} …"
        )
    lines = [f"Agenda · Meeting #{view.number}: {view.meeting.title}"]
    lines += [f"{position}. {item.text}" for position, item in enumerate(items, start=1)]
    return "\n".join(lines)


def _item(session: Session, meeting: Meeting, number: int) -> AgendaItem:
    item = session.exec(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id, AgendaItem.number == number)
    ).first()
    if item is None:
        raise UserError(f"Meeting #{meeting.number} has no agenda item {number}. See /agenda.")
    return item


def _renumber(session: Session, meeting_id: int) -> None:
    """Close the gap a declined item leaves in the agenda's order."""
    for position, item in enumerate(accepted_items(session, meeting_id), start=1):
        item.position = position
