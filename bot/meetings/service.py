"""Write operations on meetings. Each runs inside one writer transaction and raises `UserError`
(changing nothing) when the request cannot be met. Everything a meeting sends — its card,
reminders, news of a move or a cancellation, a place freed on the waiting list — is an outbox
delivery written in the same transaction as the change that causes it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot import audit
from bot.errors import UserError
from bot.events import Place, Reply
from bot.meetings import agenda, native, recurrence, reminders, render
from bot.meetings.spec import MeetingSpec, read_stored_reminders, stored_reminders
from bot.meetings.views import MeetingView, is_active_member, load, responders
from bot.numbers import next_number
from bot.outbox import queue as outbox
from bot.outbox.queue import Message
from bot.scheduler import reschedule, unschedule
from storage.locking import locked, locked_one
from storage.meetings import (
    Answer,
    Meeting,
    MeetingPost,
    MeetingResponse,
    MeetingSeries,
    MeetingStatus,
)
from storage.models import Community

NUMBERS = "meeting"  # numbered per community, like polls
REMIND_JOB = "meetings.remind"
SERIES_JOB = "meetings.series"  # at an occurrence's end: the next one is announced
# Occurrences of a series exist (and take answers) this far ahead.
SERIES_AHEAD = timedelta(days=35)
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
        nudge_minutes=int(spec.nudge.total_seconds() // 60) if spec.nudge else None,
        guests_visible=spec.guests_visible,
        origin_platform=place.platform,
        origin_chat_id=place.chat_id,
        origin_thread_id=place.thread_id,
        created_at=now,
    )
    if spec.repeat is not None:
        zone = session.get_one(Community, community_id).timezone
        series = MeetingSeries(community_id=community_id, rule=spec.repeat, timezone=zone)
        session.add(series)
        session.flush()
        meeting.series_id, meeting.occurrence_at = series.id, meeting.starts_at
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
    if meeting.series_id is not None:
        series = session.get_one(MeetingSeries, meeting.series_id)
        recurrence.first_fits(series.rule, starts_at, series.timezone)
        meeting.occurrence_at = starts_at
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
    reminders.arm_nudge(session, meeting, now)
    _log(session, meeting, actor_id, "meeting.announced", now)
    if meeting.series_id is not None:
        extend_series(session, meeting.series_id, now)
        _arm_next(session, meeting)


def announce_in(
    session: Session,
    meeting_id: int,
    chats: Iterable[tuple[str, str, str | None]],
    actor_id: int,
    now: datetime,
) -> int:
    """Announce the meeting if it is still a draft, and post its card in each chat (platform,
    chat id, thread); how many cards were not there already."""
    meeting = locked(session, Meeting, meeting_id)
    if meeting is None or meeting.status == MeetingStatus.DRAFT:
        announce(session, meeting_id, actor_id, now)  # refuses a draft discarded meanwhile
    return sum(add_post(session, meeting_id, *chat, actor_id, now) for chat in chats)


def extend_series(session: Session, series_id: int, now: datetime) -> None:
    """Make the series' occurrences up to `SERIES_AHEAD` from now (at least the next one), each
    a scheduled meeting like the last, with its reminders armed. The series stays locked until
    the write commits, so two processes extending it at once do not both add the next one."""
    series = locked_one(session, MeetingSeries, series_id)
    if series.ended_at is not None:
        return
    last = session.exec(
        select(Meeting)
        .where(Meeting.series_id == series_id)
        .order_by(col(Meeting.occurrence_at).desc())
    ).first()
    assert last is not None
    assert last.occurrence_at is not None
    upcoming = occurrences_after(series, last.occurrence_at)
    for moment in upcoming:
        if moment > now + SERIES_AHEAD and last.starts_at > now:
            break
        last = _occurrence_like(session, last, moment, now)


def occurrences_after(series: MeetingSeries, moment: datetime) -> Iterator[datetime]:
    return (
        at for at in recurrence.occurrences(series.rule, moment, series.timezone) if at > moment
    )


def _occurrence_like(session: Session, model: Meeting, moment: datetime, now: datetime) -> Meeting:
    occurrence = Meeting(
        community_id=model.community_id,
        number=next_number(session, model.community_id, NUMBERS),
        created_by_person_id=model.created_by_person_id,
        title=model.title,
        starts_at=moment,
        duration_minutes=model.duration_minutes,
        place=model.place,
        link=model.link,
        about=model.about,
        capacity=model.capacity,
        reminders=model.reminders,
        nudge_minutes=model.nudge_minutes,
        guests_visible=model.guests_visible,
        status=MeetingStatus.SCHEDULED,
        origin_platform=model.origin_platform,
        origin_chat_id=model.origin_chat_id,
        origin_thread_id=model.origin_thread_id,
        created_at=now,
        series_id=model.series_id,
        occurrence_at=moment,
    )
    session.add(occurrence)
    session.flush()
    _arm_reminders(session, occurrence, now)
    reminders.arm_nudge(session, occurrence, now)
    return occurrence


def _arm_next(session: Session, meeting: Meeting) -> None:
    """When this occurrence ends, the next one is announced where this one was."""
    ends = meeting.starts_at + timedelta(minutes=meeting.duration_minutes)
    reschedule(session, SERIES_JOB, f"meeting:{meeting.id}", ends, {"meeting": meeting.id})


def next_in_series(session: Session, meeting_id: int, now: datetime) -> None:
    """An occurrence is over (or its time passed cancelled): make more occurrences, and post
    the next one's card in this one's chats."""
    meeting = session.get_one(Meeting, meeting_id)
    ends = meeting.starts_at + timedelta(minutes=meeting.duration_minutes)
    if now < ends:  # moved later since: come back at its new end
        _arm_next(session, meeting)
        return
    assert meeting.series_id is not None
    extend_series(session, meeting.series_id, now)
    later = session.exec(
        select(Meeting)
        .where(
            Meeting.series_id == meeting.series_id,
            col(Meeting.occurrence_at) > meeting.occurrence_at,
        )
        .order_by(col(Meeting.occurrence_at))
    ).all()
    # After an outage, occurrences already over get no card: the next one still to end does.
    following = next(
        (m for m in later if m.starts_at + timedelta(minutes=m.duration_minutes) > now), None
    )
    if following is None:
        return
    assert following.id is not None
    if following.status == MeetingStatus.SCHEDULED:
        for post in _series_posts(session, meeting):
            add_post(session, following.id, post.platform, post.chat_id, post.thread_id, None, now)
    _arm_next(session, following)


def _series_posts(session: Session, meeting: Meeting) -> list[MeetingPost]:
    """Where the series is announced: the posts of the latest occurrence up to `meeting` that
    was posted anywhere (a cancelled occurrence gets no card, and the series goes on where the
    one before it was)."""
    posted = session.exec(
        select(MeetingPost, Meeting.occurrence_at)
        .join(Meeting, col(Meeting.id) == MeetingPost.meeting_id)
        .where(
            Meeting.series_id == meeting.series_id,
            col(Meeting.occurrence_at) <= meeting.occurrence_at,
        )
        .order_by(col(Meeting.occurrence_at).desc())
    ).all()
    if not posted:
        return []
    latest = posted[0][1]
    return [post for post, at in posted if at == latest]


def add_post(
    session: Session,
    meeting_id: int,
    platform: str,
    chat_id: str,
    thread_id: str | None,
    actor_id: int | None,
    now: datetime,
) -> bool:
    """Post the meeting's card in a chat (or thread), unless it is there already or on its way;
    a card whose post failed is posted again."""
    meeting = locked_one(session, Meeting, meeting_id)  # one card per chat, however many post it
    existing = session.exec(
        select(MeetingPost).where(
            MeetingPost.meeting_id == meeting_id,
            MeetingPost.platform == platform,
            MeetingPost.chat_id == chat_id,
            MeetingPost.thread_id == thread_id,
        )
    ).first()
    placed = outbox.place_card(
        session,
        existing,
        lambda delivery: MeetingPost(
            meeting_id=meeting_id,
            platform=platform,
            chat_id=chat_id,
            thread_id=thread_id,
            outbox_id=delivery,
        ),
        platform=platform,
        chat_id=chat_id,
        thread_id=thread_id,
        message=Message(f"meeting #{meeting.number}", live=f"{CARD}:{meeting_id}"),
        now=now,
        community_id=meeting.community_id,
        requested_by=actor_id,
    )
    if placed:
        native.schedule_sync(session, meeting_id, now)
    return placed


def edit_cards(session: Session, meeting_id: int, now: datetime) -> None:
    """Bring the meeting's card up to date wherever it was posted (rendered when sent)."""
    meeting = session.get_one(Meeting, meeting_id)
    posts = session.exec(select(MeetingPost.outbox_id).where(MeetingPost.meeting_id == meeting_id))
    message = Message(f"meeting #{meeting.number}", live=f"{CARD}:{meeting_id}")
    outbox.edit_cards(session, posts, message, now)


def set_guests_visible(
    session: Session, meeting_id: int, visible: bool, actor_id: int, now: datetime
) -> int:
    """Whether every member may see who is going: for this meeting and, in a series, for every
    later occurrence (and so the ones made after them). How many meetings changed."""
    meeting = session.get_one(Meeting, meeting_id)
    meetings = [meeting]
    if meeting.series_id is not None:
        meetings += session.exec(
            select(Meeting).where(
                Meeting.series_id == meeting.series_id,
                col(Meeting.occurrence_at) > meeting.occurrence_at,
                Meeting.status != MeetingStatus.CANCELLED,
            )
        ).all()
    changed = [m for m in meetings if m.guests_visible != visible]
    for other in changed:
        other.guests_visible = visible
        assert other.id is not None
        edit_cards(session, other.id, now)
    if changed:
        _log(
            session,
            meeting,
            actor_id,
            "meeting.guests",
            now,
            "members see who is going" if visible else "only organisers see who is going",
        )
    return len(changed)


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
    puts them in line; giving up a place moves the first in line in, and tells them. The
    meeting stays locked until the answer commits: answers to one meeting are counted one at a
    time, so the last place goes to one person however many processes take answers."""
    meeting = locked_one(session, Meeting, meeting_id)
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
    outbox.withdraw(session, reminders.nudge_about(meeting_id), now, person_id=person_id)
    if answer in (Answer.GOING, Answer.MAYBE) and was not in (Answer.GOING, Answer.MAYBE):
        reminders.arm_personal(session, meeting, person_id, now)
    if was in (Answer.GOING, Answer.MAYBE) and answer not in (Answer.GOING, Answer.MAYBE):
        outbox.withdraw(session, reminders.reminder_about(meeting_id), now, person_id=person_id)
        reminders.disarm_personal(session, meeting_id, person_id)
    if was is Answer.GOING and answer is not Answer.GOING:
        _fill_freed_place(session, meeting, now)
    line = _place_in_line(session, meeting_id, person_id) if answer is Answer.WAITING else 0
    return Answered(answer, line)


def answer(
    session: Session,
    meeting_id: int,
    person_id: int,
    given: Answer,
    platform: str,
    now: datetime,
) -> Answered:
    """Record one person's answer (see `respond`) and bring the meeting's card up to date
    (edits of one card waiting in the outbox coalesce)."""
    answered = respond(session, meeting_id, person_id, given, platform, now)
    edit_cards(session, meeting_id, now)
    return answered


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


def cancel_series(
    session: Session, meeting_id: int, reason: str | None, actor_id: int, now: datetime
) -> int:
    """End a series from this occurrence on: it and every later one are cancelled; how many
    people who answered were told."""
    meeting = _in(session, meeting_id, MeetingStatus.SCHEDULED)
    if meeting.series_id is None:
        raise UserError(f"Meeting #{meeting.number} does not repeat.")
    locked_one(session, MeetingSeries, meeting.series_id).ended_at = now
    later = session.exec(
        select(Meeting.id).where(
            Meeting.series_id == meeting.series_id,
            col(Meeting.occurrence_at) >= meeting.occurrence_at,
            Meeting.status == MeetingStatus.SCHEDULED,
        )
    ).all()
    return sum(cancel(session, other, reason, actor_id, now) for other in later if other)


def cancel(
    session: Session, meeting_id: int, reason: str | None, actor_id: int, now: datetime
) -> int:
    """Cancel a scheduled meeting and tell everyone who answered; how many were told."""
    meeting = _in(session, meeting_id, MeetingStatus.SCHEDULED)
    meeting.status, meeting.cancelled_at = MeetingStatus.CANCELLED, now
    meeting.sequence += 1
    reminders.withdraw_prepared(session, meeting_id, now)
    _log(session, meeting, actor_id, "meeting.cancelled", now)
    native.schedule_sync(session, meeting_id, now)
    told = _tell_responders(
        session, meeting, render.cancelled_notice(load(session, meeting_id), reason), now, actor_id
    )
    edit_cards(session, meeting_id, now)
    return told


def move(
    session: Session, meeting_id: int, starts_at: datetime, actor_id: int, now: datetime
) -> int:
    """Move a scheduled meeting and tell everyone who answered; how many were told. Reminders
    already prepared are withdrawn, the old ones still to run find the time changed and send
    nothing, and new ones are armed."""
    meeting = _in(session, meeting_id, MeetingStatus.SCHEDULED)
    if starts_at == meeting.starts_at:
        raise UserError(f"Meeting #{meeting.number} is at that time already.")
    before = meeting.starts_at
    meeting.starts_at = starts_at
    meeting.sequence += 1
    reminders.withdraw_prepared(session, meeting_id, now)
    _arm_reminders(session, meeting, now)
    reminders.arm_everyone(session, meeting, now)
    native.schedule_sync(session, meeting_id, now)
    _log(
        session,
        meeting,
        actor_id,
        "meeting.moved",
        now,
        f"{before.isoformat()} -> {starts_at.isoformat()}",
    )
    view = load(session, meeting_id)
    told = _tell_responders(session, meeting, render.moved_notice(view, before), now, actor_id)
    edit_cards(session, meeting_id, now)
    return told


def _tell_responders(
    session: Session, meeting: Meeting, text_: str, now: datetime, actor_id: int
) -> int:
    """Send everyone who answered the news; how many it goes to. The organiser who caused it
    hears of anyone it does not reach (at once, or later by direct message)."""
    assert meeting.id is not None
    people = responders(session, meeting.id)
    outbox.tell(
        session,
        sorted(people),
        Message(f"news of meeting #{meeting.number}", reply=Reply(text_)),
        now,
        community_id=meeting.community_id,
        requested_by=actor_id,
        prefer=people,
    )
    return len(people)


def _arm_reminders(session: Session, meeting: Meeting, now: datetime) -> None:
    """(Re)plan the meeting's own reminders: one job per meeting and reminder time."""
    for before in read_stored_reminders(meeting.reminders):
        minutes = int(before.total_seconds() // 60)
        subject = f"meeting:{meeting.id}:before:{minutes}"
        due = meeting.starts_at - before
        if due <= now:
            unschedule(session, REMIND_JOB, subject)
            continue
        reschedule(
            session,
            REMIND_JOB,
            subject,
            due - reminders.PREPARED_AHEAD,
            {"meeting": meeting.id, "starts_at": meeting.starts_at.isoformat(), "before": minutes},
        )


def remind(
    session: Session, meeting_id: int, before: timedelta, when: reminders.Moment, now: datetime
) -> int:
    """Post the reminder where the meeting was announced and send it to everyone going or
    maybe going, each to leave at its moment; how many people it goes to. The first reminder
    carries the agenda."""
    view = load(session, meeting_id)
    reminder = render.reminder(view, before, when.late)
    if before == max(read_stored_reminders(view.meeting.reminders), default=before):
        items = agenda.accepted_items(session, meeting_id)
        if items:
            reminder += "\n\n" + agenda.agenda_text(view, items)
    said = Message(
        f"the reminder for meeting #{view.number}",
        reply=Reply(reminder),
        not_before=when.not_before,
        about=reminders.reminder_about(meeting_id),
    )
    post_where_announced(session, view, said, now, None)
    going = responders(session, meeting_id, Answer.GOING, Answer.MAYBE)
    people = reminders.on_meeting_times(session, view.meeting.community_id, going)
    outbox.tell(
        session,
        sorted(people),
        said,
        now,
        community_id=view.meeting.community_id,
        prefer=people,
    )
    return len(people)


def post_where_announced(
    session: Session, view: MeetingView, message: Message, now: datetime, actor_id: int | None
) -> None:
    """Post `message` in every chat (and thread) the meeting was announced in."""
    for post in view.posts:
        outbox.post(
            session,
            platform=post.platform,
            chat_id=post.chat_id,
            thread_id=post.thread_id,
            message=message,
            now=now,
            community_id=view.meeting.community_id,
            requested_by=actor_id,
        )


def move_posts(session: Session, platform: str, old_chat_id: str, new_chat_id: str) -> None:
    """A chat changed its id: the cards posted there are now under the new one."""
    session.exec(
        update(MeetingPost)
        .where(col(MeetingPost.platform) == platform, col(MeetingPost.chat_id) == old_chat_id)
        .values(chat_id=new_chat_id)
    )


def _in(session: Session, meeting_id: int, status: MeetingStatus) -> Meeting:
    """The meeting, locked for the change its status allows (announce, move, cancel)."""
    meeting = locked(session, Meeting, meeting_id)
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
