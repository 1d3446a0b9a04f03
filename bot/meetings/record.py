"""What happened at a meeting: who was there (checked in, or marked by an organiser), who sent
apologies, whether it was quorate by the community's rule, the minutes, and action items with
an owner and a due date (the owner is reminded the day before)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot import audit, roles
from bot.community.service import members_numbered
from bot.dates import format_due, format_moment, is_end_of_day
from bot.errors import UserError
from bot.events import Reply
from bot.meetings.service import post_where_announced
from bot.meetings.views import MeetingView, is_active_member, load
from bot.numbers import next_number
from bot.outbox import queue as outbox
from bot.outbox.queue import Message
from bot.scheduler import schedule
from bot.text import clean, one_line
from storage.meetings import (
    ITEM_MAX,
    MINUTES_MAX,
    ActionItem,
    Answer,
    Attendance,
    Meeting,
    MeetingQuorum,
    MeetingResponse,
    MeetingStatus,
)
from storage.models import Membership, MembershipStatus, Person, Role

ACTION_JOB = "meetings.action_due"
ACTIONS = "action"  # numbered per community
# Check-in opens an hour before the start and closes two hours after the end.
CHECK_IN_EARLY, CHECK_IN_LATE = timedelta(hours=1), timedelta(hours=2)


def _started(meeting: Meeting, now: datetime, what: str) -> None:
    if meeting.status != MeetingStatus.SCHEDULED:
        raise UserError(f"Meeting #{meeting.number} is {meeting.status}.")
    if now < meeting.starts_at - CHECK_IN_EARLY:
        raise UserError(f"{what} opens an hour before meeting #{meeting.number} starts.")


def check_in(session: Session, meeting_id: int, person_id: int, now: datetime) -> None:
    view = load(session, meeting_id)
    meeting = view.meeting
    if not is_active_member(session, meeting.community_id, person_id):
        raise UserError("Only members can check in; send /join in the community's group chat.")
    _started(meeting, now, "Checking in")
    if now > view.ends_at + CHECK_IN_LATE:
        raise UserError(f"Meeting #{meeting.number} is over; an organiser can mark you as there.")
    _mark(session, meeting_id, person_id, person_id, now)


def mark_attended(
    session: Session, meeting_id: int, numbers: list[int], actor_id: int, now: datetime
) -> tuple[list[str], Turnout]:
    """Organisers mark members as there, by member number; the names marked, and the turnout
    with them."""
    meeting = session.get_one(Meeting, meeting_id)
    _started(meeting, now, "Taking attendance")
    people = members_numbered(session, meeting.community_id, numbers)
    for member in people:
        _mark(session, meeting_id, member.person_id, actor_id, now)
    return [member.label for member in people], turnout(session, load(session, meeting_id))


def _mark(session: Session, meeting_id: int, person_id: int, by: int, now: datetime) -> None:
    if session.get(Attendance, (meeting_id, person_id)) is None:
        session.add(
            Attendance(meeting_id=meeting_id, person_id=person_id, marked_by_person_id=by, at=now)
        )


@dataclass(frozen=True)
class Turnout:
    attended: list[str]
    apologies: list[str]
    quorum: str | None  # "met: 12 there, 10 needed", or None without a rule


def turnout(session: Session, view: MeetingView) -> Turnout:
    names = dict(session.exec(select(Person.id, Person.name)).all())
    there = session.exec(select(Attendance.person_id).where(Attendance.meeting_id == view.id))
    attended = sorted(names[p] for p in there)
    sorry = session.exec(
        select(MeetingResponse.person_id).where(
            MeetingResponse.meeting_id == view.id, MeetingResponse.answer == Answer.CANT
        )
    )
    apologies = sorted(names[p] for p in sorry)
    rule = session.get(MeetingQuorum, view.meeting.community_id)
    quorum = None
    if rule is not None and (rule.members or rule.percent):
        members = len(
            session.exec(
                select(Membership.person_id).where(
                    Membership.community_id == view.meeting.community_id,
                    Membership.status == MembershipStatus.ACTIVE,
                )
            ).all()
        )
        needed = rule.members or -(-members * (rule.percent or 0) // 100)
        rule_text = (
            f"{needed} members"
            if rule.members
            else f"{rule.percent}% of {members} members, so {needed}"
        )
        verdict = "met" if len(attended) >= needed else "not met"
        quorum = f"Quorum {verdict}: {len(attended)} there, {rule_text} needed."
    return Turnout(attended, apologies, quorum)


def set_quorum(
    session: Session,
    community_id: int,
    members: int | None,
    percent: int | None,
    actor_id: int,
    now: datetime,
) -> None:
    rule = session.get(MeetingQuorum, community_id) or MeetingQuorum(community_id=community_id)
    rule.members, rule.percent = members, percent
    session.add(rule)
    audit.record(
        session,
        community_id=community_id,
        actor_person_id=actor_id,
        action="meetings.quorum",
        detail=f"{members or ''}{f'{percent}%' if percent else ''}" or "none",
        at=now,
    )


def add_action(
    session: Session,
    meeting_id: int,
    owner_number: int,
    text: str,
    due_at: datetime,
    actor_id: int,
    now: datetime,
) -> ActionItem:
    """An action item for a member; they are told now and reminded a day before it is due."""
    meeting = session.get_one(Meeting, meeting_id)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise UserError(f"Meeting #{meeting.number} is {meeting.status}.")
    what = one_line(text)
    if not what:
        raise UserError("Say what is to be done: /actionitem 3 7 | Fix the gate | due: Friday")
    if len(what) > ITEM_MAX:
        raise UserError(f"An action item can be up to {ITEM_MAX} characters.")
    (owner_member,) = members_numbered(session, meeting.community_id, [owner_number])
    owner = owner_member.person_id
    item = ActionItem(
        community_id=meeting.community_id,
        number=next_number(session, meeting.community_id, ACTIONS),
        meeting_id=meeting_id,
        owner_person_id=owner,
        text=what,
        due_at=due_at,
        created_by_person_id=actor_id,
        created_at=now,
    )
    session.add(item)
    session.flush()
    view = load(session, meeting_id)
    zone = view.community.timezone
    outbox.direct(
        session,
        owner,
        Message(
            f"action #{item.number}",
            reply=Reply(
                f"From meeting #{view.number}, {view.meeting.title}, you have action "
                f"#{item.number}: {what} — due {format_due(due_at, zone)}. When it is done, "
                f"send /done {item.number}."
            ),
        ),
        now,
        community_id=meeting.community_id,
        requested_by=actor_id,
    )
    remind_at = reminder_at(due_at, zone)
    if remind_at > now:
        schedule(session, ACTION_JOB, remind_at, {"action": item.id})
    audit.record(
        session,
        community_id=meeting.community_id,
        actor_person_id=actor_id,
        action="meetings.action",
        detail=f"#{item.number} for member #{owner_number}",  # no name: see /forgetme
        at=now,
    )
    return item


def reminder_at(due_at: datetime, zone: str) -> datetime:
    """When an action's owner is reminded: 09:00 the day before one due by the end of a day,
    otherwise a day before it is due."""
    if not is_end_of_day(due_at, zone):
        return due_at - timedelta(days=1)
    local = ZoneInfo(zone)
    day = due_at.astimezone(local).date() - timedelta(days=1)
    return datetime.combine(day, time(9, 0), local).astimezone(UTC)


def remind_owner(session: Session, action_id: int, now: datetime) -> None:
    item = session.get(ActionItem, action_id)
    if item is None or item.done_at is not None:
        return
    zone = load(session, item.meeting_id).community.timezone
    outbox.direct(
        session,
        item.owner_person_id,
        Message(
            f"a reminder of action #{item.number}",
            reply=Reply(
                f"⏰ Action #{item.number} is due {format_due(item.due_at, zone)}: {item.text}. "
                f"When it is done, send /done {item.number}."
            ),
        ),
        now,
        community_id=item.community_id,
    )


def finish(
    session: Session,
    community_id: int,
    number: int,
    actor_id: int,
    actor_role: Role | None,
    now: datetime,
) -> ActionItem:
    """Mark action #number done: its owner's to close, or any organiser's. To anyone else it
    does not exist."""
    item = session.exec(
        select(ActionItem).where(
            ActionItem.community_id == community_id, ActionItem.number == number
        )
    ).first()
    if item is None or not (
        roles.allows(actor_role, Role.ORGANISER) or item.owner_person_id == actor_id
    ):
        raise UserError(f"You have no action #{number}. /actions lists yours.")
    if item.done_at is not None:
        raise UserError(f"Action #{item.number} is done already.")
    item.done_at = now
    session.add(item)
    audit.record(
        session,
        community_id=community_id,
        actor_person_id=actor_id,
        action="meetings.action_done",
        detail=f"#{number}",
        at=now,
    )
    return item


def actions_of(session: Session, meeting_id: int) -> list[tuple[ActionItem, str]]:
    return [
        (item, name)
        for item, name in session.exec(
            select(ActionItem, Person.name)
            .join(Person, col(Person.id) == ActionItem.owner_person_id)
            .where(ActionItem.meeting_id == meeting_id)
            .order_by(col(ActionItem.number))
        )
    ]


def record_minutes(
    session: Session, meeting_id: int, minutes: str, actor_id: int, now: datetime
) -> str:
    """Keep the minutes and post them, with attendance, apologies, quorum and action items,
    wherever the meeting was announced; the text posted."""
    view = load(session, meeting_id)
    meeting = view.meeting
    if meeting.status != MeetingStatus.SCHEDULED or now < meeting.starts_at:
        raise UserError(
            f"Minutes of meeting #{meeting.number} can be recorded once it has started."
        )
    body = clean(minutes).strip()
    if not body:
        raise UserError("Write the minutes after the meeting's number: /minutes 3 We agreed …")
    if len(body) > MINUTES_MAX:
        raise UserError(
            f"Minutes can be up to {MINUTES_MAX:,} characters; attach the rest elsewhere."
        )
    meeting.minutes, meeting.minutes_at = body, now
    text = minutes_text(session, view, body)
    said = Message(f"the minutes of meeting #{view.number}", reply=Reply(text))
    post_where_announced(session, view, said, now, actor_id)
    audit.record(
        session,
        community_id=meeting.community_id,
        actor_person_id=actor_id,
        action="meetings.minutes",
        detail=f"#{meeting.number}",
        at=now,
    )
    return text


def minutes_text(session: Session, view: MeetingView, body: str) -> str:
    counted = turnout(session, view)
    zone = view.community.timezone
    lines = [
        f"📝 Minutes · Meeting #{view.number}: {view.meeting.title} "
        f"({format_moment(view.meeting.starts_at, zone)})",
        f"Present ({len(counted.attended)}): {', '.join(counted.attended) or 'not recorded'}",
        f"Apologies ({len(counted.apologies)}): {', '.join(counted.apologies) or 'none'}",
    ]
    if counted.quorum:
        lines.append(counted.quorum)
    lines += ["", body]
    actions = actions_of(session, view.id)
    if actions:
        lines += ["", "Actions:"]
        lines += [
            f"#{item.number} {item.text} — {name}, due {format_due(item.due_at, zone)}"
            for item, name in actions
        ]
    return "\n".join(lines)
