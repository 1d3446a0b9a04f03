"""Write operations on meetings. Each runs inside one writer transaction and raises `UserError`
(changing nothing) when the request cannot be met. Everything a meeting sends — its card,
reminders, news of a move or a cancellation, a place freed on the waiting list — is an outbox
delivery written in the same transaction as the change that causes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text, update
from sqlmodel import Session, col, select

from bot import audit
from bot.errors import UserError
from bot.events import Place, Reply
from bot.meetings import agenda, render
from bot.meetings.spec import MeetingSpec, read_stored_reminders, stored_reminders
from bot.meetings.views import is_active_member, load, responders
from bot.numbers import next_number
from bot.outbox import queue as outbox
from bot.outbox.queue import Message
from bot.scheduler import schedule
from storage.meetings import Answer, Meeting, MeetingPost, MeetingResponse, MeetingStatus
from storage.outbox import DeliveryStatus, OutboxEntry

NUMBERS = "meeting"  # numbered per community, like polls
REMIND_JOB = "meetings.remind"
CARD = "meeting-card"  # the live card, rendered when the outbox sends it


def create_draft(
    session: Session,
    community_id: int,
    person_id: int,
    place: Place,
    spec: MeetingSpec,
    now: datetime,
) -> int:
    meeting = Meeting(
        community_id=community_id,
        number=next_number(session, community_id, NUMBERS),
        created_by_person_id=person_id,
        title=spec.title,
        starts_at=spec.starts.moment,
        starts_alternative=spec.starts.alternative,
        duration_minutes=int(spec.length.total_seconds() // 60),
        place=spec.place,
        link=spec.link,
        about=spec.about,
        capacity=spec.capacity,
        reminders=stored_reminders(spec.reminders),
        origin_platform=place.platform,
        origin_chat_id=place.chat_id,
        origin_thread_id=place.thread_id,
        created_at=now,
    )
    session.add(meeting)
    session.flush()
    assert meeting.id is not None
    _log(session, meeting, person_id, "meeting.drafted", now)
    return meeting.id


def choose_start(
    session: Session, meeting_id: int, starts_at: datetime, actor_id: int, now: datetime
) -> None:
    """The organiser picked one reading of an ambiguous date."""
    meeting = _in(session, meeting_id, MeetingStatus.DRAFT)
    if starts_at not in (meeting.starts_at, meeting.starts_alternative):
        raise UserError("That is not one of the times I offered; use the buttons on the preview.")
    if starts_at <= now:
        raise UserError("That time has passed; start again with /meeting.")
    meeting.starts_at, meeting.starts_alternative = starts_at, None
    _log(session, meeting, actor_id, "meeting.edited", now)


def discard(session: Session, meeting_id: int, actor_id: int, now: datetime) -> None:
    meeting = _in(session, meeting_id, MeetingStatus.DRAFT)
    _log(session, meeting, actor_id, "meeting.discarded", now)
    session.delete(meeting)


def announce(session: Session, meeting_id: int, actor_id: int, now: datetime) -> None:
    """A draft becomes a scheduled meeting: its reminders are armed."""
    meeting = _in(session, meeting_id, MeetingStatus.DRAFT)
    if meeting.starts_alternative is not None:
        raise UserError("Choose which time you meant first (the buttons on the preview).")
    if meeting.starts_at <= now:
        raise UserError("The meeting's time has passed while it was a draft; start it again.")
    meeting.status = MeetingStatus.SCHEDULED
    _arm_reminders(session, meeting, now)
    _log(session, meeting, actor_id, "meeting.announced", now)


def add_post(
    session: Session,
    meeting_id: int,
    platform: str,
    chat_id: str,
    thread_id: str | None,
    actor_id: int,
    now: datetime,
) -> bool:
    """Post the meeting's card in a chat (or thread), unless it is there already or on its way;
    a card whose post failed is posted again."""
    meeting = session.get_one(Meeting, meeting_id)
    existing = session.exec(
        select(MeetingPost).where(
            MeetingPost.meeting_id == meeting_id,
            MeetingPost.platform == platform,
            MeetingPost.chat_id == chat_id,
            MeetingPost.thread_id == thread_id,
        )
    ).first()
    if (
        existing is not None
        and session.get_one(OutboxEntry, existing.outbox_id).status != DeliveryStatus.FAILED
    ):
        return False
    entry = outbox.post(
        session,
        platform=platform,
        chat_id=chat_id,
        thread_id=thread_id,
        message=Message(f"meeting #{meeting.number}", live=f"{CARD}:{meeting_id}"),
        now=now,
        community_id=meeting.community_id,
        requested_by=actor_id,
    )
    session.flush()
    assert entry.id is not None
    if existing is None:
        session.add(
            MeetingPost(
                meeting_id=meeting_id,
                platform=platform,
                chat_id=chat_id,
                thread_id=thread_id,
                outbox_id=entry.id,
            )
        )
    else:
        existing.outbox_id = entry.id
    return True


def edit_cards(session: Session, meeting_id: int, now: datetime) -> None:
    """Bring the meeting's card up to date wherever it was posted (rendered when sent)."""
    meeting = session.get_one(Meeting, meeting_id)
    for post in session.exec(select(MeetingPost).where(MeetingPost.meeting_id == meeting_id)):
        delivery = session.get_one(OutboxEntry, post.outbox_id)
        if delivery.status != DeliveryStatus.FAILED:
            outbox.edit(
                session,
                of=delivery,
                message=Message(f"meeting #{meeting.number}", live=f"{CARD}:{meeting_id}"),
                now=now,
            )


@dataclass(frozen=True)
class Answered:
    answer: Answer  # WAITING when they asked to go and it was full
    place_in_line: int = 0  # for WAITING: 1 is next


def respond(
    session: Session,
    meeting_id: int,
    person_id: int,
    answer: Answer,
    platform: str,
    now: datetime,
) -> Answered:
    """Record one person's answer (the latest counts). Asking to go when every place is taken
    puts them in line; giving up a place moves the first in line in, and tells them."""
    meeting = session.get_one(Meeting, meeting_id)
    if meeting.status == MeetingStatus.CANCELLED:
        raise UserError(f"Meeting #{meeting.number} was cancelled, so it takes no answers.")
    if meeting.status != MeetingStatus.SCHEDULED:
        raise UserError(f"Meeting #{meeting.number} has not been announced yet.")
    if meeting.starts_at <= now:
        raise UserError(f"Meeting #{meeting.number} has already started.")
    if not is_active_member(session, meeting.community_id, person_id):
        raise UserError("Only members can answer; send /join in the community's group chat.")
    current = session.get(MeetingResponse, (meeting_id, person_id))
    was = Answer(current.answer) if current is not None else None
    if answer is Answer.GOING and was in (Answer.GOING, Answer.WAITING):
        answer = was  # pressing Going again keeps their place (or place in line)
    elif (
        answer is Answer.GOING
        and meeting.capacity is not None
        and _count(session, meeting_id, Answer.GOING) >= meeting.capacity
    ):
        answer = Answer.WAITING
    if current is None:
        current = MeetingResponse(
            meeting_id=meeting_id,
            person_id=person_id,
            answer=answer,
            platform=platform,
            responded_at=now,
        )
        session.add(current)
    elif answer != was:
        current.answer, current.responded_at = answer, now
    current.platform = platform
    session.flush()
    if was is Answer.GOING and answer is not Answer.GOING:
        _fill_freed_place(session, meeting, now)
    line = _place_in_line(session, meeting_id, person_id) if answer is Answer.WAITING else 0
    return Answered(answer, line)


def _fill_freed_place(session: Session, meeting: Meeting, now: datetime) -> None:
    assert meeting.id is not None
    first = session.exec(
        select(MeetingResponse)
        .where(
            MeetingResponse.meeting_id == meeting.id,
            MeetingResponse.answer == Answer.WAITING,
        )
        .order_by(col(MeetingResponse.responded_at), col(MeetingResponse.person_id))
    ).first()
    if first is None:
        return
    first.answer = Answer.GOING
    view = load(session, meeting.id)
    outbox.direct(
        session,
        first.person_id,
        Message(
            f"a place at meeting #{meeting.number}",
            reply=Reply(render.place_freed(view), buttons=tuple(render.answer_buttons(view))),
        ),
        now,
        community_id=meeting.community_id,
        prefer=first.platform,
    )


def _count(session: Session, meeting_id: int, answer: Answer) -> int:
    return len(
        session.exec(
            select(MeetingResponse.person_id).where(
                MeetingResponse.meeting_id == meeting_id, MeetingResponse.answer == answer
            )
        ).all()
    )


def _place_in_line(session: Session, meeting_id: int, person_id: int) -> int:
    waiting = session.exec(
        select(MeetingResponse.person_id)
        .where(MeetingResponse.meeting_id == meeting_id, MeetingResponse.answer == Answer.WAITING)
        .order_by(col(MeetingResponse.responded_at), col(MeetingResponse.person_id))
    ).all()
    return list(waiting).index(person_id) + 1


def cancel(
    session: Session, meeting_id: int, reason: str | None, actor_id: int, now: datetime
) -> int:
    """Cancel a scheduled meeting and tell everyone who answered; how many were told."""
    meeting = _in(session, meeting_id, MeetingStatus.SCHEDULED)
    meeting.status, meeting.cancelled_at = MeetingStatus.CANCELLED, now
    meeting.sequence += 1
    _log(session, meeting, actor_id, "meeting.cancelled", now)
    told = _tell_responders(
        session, meeting, render.cancelled_notice(load(session, meeting_id), reason), now
    )
    edit_cards(session, meeting_id, now)
    return told


def move(
    session: Session, meeting_id: int, starts_at: datetime, actor_id: int, now: datetime
) -> int:
    """Move a scheduled meeting and tell everyone who answered; how many were told. The old
    reminders find the time changed and send nothing; new ones are armed."""
    meeting = _in(session, meeting_id, MeetingStatus.SCHEDULED)
    if starts_at == meeting.starts_at:
        raise UserError(f"Meeting #{meeting.number} is at that time already.")
    before = meeting.starts_at
    meeting.starts_at = starts_at
    meeting.sequence += 1
    _arm_reminders(session, meeting, now)
    _log(
        session,
        meeting,
        actor_id,
        "meeting.moved",
        now,
        f"{before.isoformat()} -> {starts_at.isoformat()}",
    )
    view = load(session, meeting_id)
    told = _tell_responders(session, meeting, render.moved_notice(view, before), now)
    edit_cards(session, meeting_id, now)
    return told


def _tell_responders(session: Session, meeting: Meeting, text_: str, now: datetime) -> int:
    assert meeting.id is not None
    people = responders(session, meeting.id)
    outbox.tell(
        session,
        sorted(people),
        Message(f"news of meeting #{meeting.number}", reply=Reply(text_)),
        now,
        community_id=meeting.community_id,
        prefer=people,
    )
    return len(people)


def _arm_reminders(session: Session, meeting: Meeting, now: datetime) -> None:
    for before in read_stored_reminders(meeting.reminders):
        due = meeting.starts_at - before
        if due > now:
            schedule(
                session,
                REMIND_JOB,
                due,
                {
                    "meeting": meeting.id,
                    "starts_at": meeting.starts_at.isoformat(),
                    "before": int(before.total_seconds() // 60),
                },
            )


def remind(
    session: Session, meeting_id: int, before: timedelta, late: timedelta, now: datetime
) -> int:
    """Post the reminder where the meeting was announced and send it to everyone going or
    maybe going; how many people it went to. The first reminder carries the agenda."""
    view = load(session, meeting_id)
    reminder = render.reminder(view, before, late)
    if before == max(read_stored_reminders(view.meeting.reminders), default=before):
        items = agenda.accepted_items(session, meeting_id)
        if items:
            reminder += "\n\n" + agenda.agenda_text(view, items)
    for post in view.posts:
        outbox.post(
            session,
            platform=post.platform,
            chat_id=post.chat_id,
            thread_id=post.thread_id,
            message=Message(f"the reminder for meeting #{view.number}", reply=Reply(reminder)),
            now=now,
            community_id=view.meeting.community_id,
        )
    people = responders(session, meeting_id, Answer.GOING, Answer.MAYBE)
    outbox.tell(
        session,
        sorted(people),
        Message(f"the reminder for meeting #{view.number}", reply=Reply(reminder)),
        now,
        community_id=view.meeting.community_id,
        prefer=people,
    )
    return len(people)


def merge_responses(session: Session, source_id: int, target_id: int, now: datetime) -> list[str]:
    """Two accounts becoming one person keep one answer (and one attendance) per meeting: the
    account that asked for the link code keeps its own; everything else moves across."""
    run = session.connection().execute
    params = {"source": source_id, "target": target_id}
    for table in ("meetingresponse", "attendance"):
        run(
            text(
                f"DELETE FROM {table} WHERE person_id = :source AND meeting_id IN "
                f"(SELECT meeting_id FROM {table} WHERE person_id = :target)"
            ),
            params,
        )
        run(text(f"UPDATE {table} SET person_id = :target WHERE person_id = :source"), params)
    for table, column in (
        ("attendance", "marked_by_person_id"),
        ("meeting", "created_by_person_id"),
        ("agendaitem", "proposed_by_person_id"),
        ("actionitem", "owner_person_id"),
        ("actionitem", "created_by_person_id"),
    ):
        run(text(f"UPDATE {table} SET {column} = :target WHERE {column} = :source"), params)
    return []


def move_posts(session: Session, platform: str, old_chat_id: str, new_chat_id: str) -> None:
    """A chat changed its id: the cards posted there are now under the new one."""
    session.exec(
        update(MeetingPost)
        .where(col(MeetingPost.platform) == platform, col(MeetingPost.chat_id) == old_chat_id)
        .values(chat_id=new_chat_id)
    )


def _in(session: Session, meeting_id: int, status: MeetingStatus) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise UserError("That meeting no longer exists.")
    if meeting.status != status:
        raise UserError(
            f"Meeting #{meeting.number} is {meeting.status}, so that can't be done now."
        )
    return meeting


def _log(
    session: Session,
    meeting: Meeting,
    actor_id: int | None,
    action: str,
    now: datetime,
    detail: str = "",
) -> None:
    audit.record(
        session,
        community_id=meeting.community_id,
        actor_person_id=actor_id,
        action=action,
        detail=f"#{meeting.number} {detail}".strip(),
        at=now,
    )
