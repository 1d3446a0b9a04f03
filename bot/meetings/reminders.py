"""Each person's choice of meeting reminders by direct message (none, the meeting's own times,
or their own time before each meeting), and the nudge to members who have not answered.

A personal reminder is a scheduled row like any other; one whose meeting moved, whose person
stopped going or changed their choice finds that out when it runs and sends nothing.

Every reminder (the meeting's own, a personal one, the nudge) is prepared `PREPARED_AHEAD` of
its moment: its job runs then and puts the messages in the outbox to wait for the moment, so a
thousand reminders due in the same second leave on that second rather than queue behind a
thousand jobs. What changes in between (a move, a cancellation, someone no longer going)
withdraws the waiting messages by what they are about."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from bot.dates import length
from bot.events import Reply
from bot.meetings import render
from bot.meetings.views import load, responders
from bot.outbox import queue as outbox
from bot.outbox.queue import Message
from bot.scheduler import reschedule, unschedule
from storage.meetings import Answer, Meeting, MeetingResponse, MeetingStatus, ReminderChoice
from storage.models import Membership, MembershipStatus

PERSONAL_JOB = "meetings.personal_reminder"
NUDGE_JOB = "meetings.nudge"
PREPARED_AHEAD = timedelta(minutes=2)
REMINDER_GRACE = outbox.LATE_AT_MOST  # fell due while Moot was down: sent this late at most

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Moment:
    """When a reminder leaves: on its moment (`not_before`), or at once and `late`."""

    late: timedelta
    not_before: datetime | None


def moment(due: datetime, now: datetime, what: str) -> Moment | None:
    """How a reminder due at `due` goes out, prepared at `now`: waiting for its moment, at once
    marked late within the grace period, or (logged) not at all after it."""
    if due > now:
        return Moment(timedelta(0), due)
    late = now - due
    if late > REMINDER_GRACE:
        log.warning(
            "skipped %s: it fell due %s ago, while Moot was not running (reminders are sent up "
            "to %s late)",
            what,
            length(late),
            length(REMINDER_GRACE),
        )
        return None
    return Moment(late, None)


def reminder_about(meeting_id: int) -> str:
    return f"meeting-reminder:{meeting_id}"


def nudge_about(meeting_id: int) -> str:
    return f"meeting-nudge:{meeting_id}"


def withdraw_prepared(session: Session, meeting_id: int, now: datetime) -> None:
    """The meeting moved or was cancelled: its prepared reminders and nudge do not go."""
    outbox.withdraw(session, reminder_about(meeting_id), now)
    outbox.withdraw(session, nudge_about(meeting_id), now)


def choice_of(session: Session, person_id: int, community_id: int) -> ReminderChoice:
    found = session.get(ReminderChoice, (person_id, community_id))
    return found or ReminderChoice(person_id=person_id, community_id=community_id)


def on_meeting_times(
    session: Session, community_id: int, people: Mapping[int, str]
) -> dict[int, str]:
    """Of these people, those who take reminders at the meeting's own times."""
    chosen = {
        choice.person_id: choice
        for choice in session.exec(
            select(ReminderChoice).where(
                ReminderChoice.community_id == community_id,
                col(ReminderChoice.person_id).in_(list(people)),
            )
        )
    }
    return {
        person: platform
        for person, platform in people.items()
        if person not in chosen or (chosen[person].direct and chosen[person].before_minutes is None)
    }


def personal_subject(meeting_id: int, person_id: int) -> str:
    return f"meeting:{meeting_id}:person:{person_id}"


def disarm_personal(session: Session, meeting_id: int, person_id: int) -> None:
    unschedule(session, PERSONAL_JOB, personal_subject(meeting_id, person_id))


def arm_personal(session: Session, meeting: Meeting, person_id: int, now: datetime) -> None:
    """If this person keeps their own reminder time, (re)plan theirs for this meeting: one per
    person and meeting, whatever was planned before."""
    assert meeting.id is not None
    choice = choice_of(session, person_id, meeting.community_id)
    due = meeting.starts_at - timedelta(minutes=choice.before_minutes or 0)
    if not choice.direct or choice.before_minutes is None or due <= now:
        disarm_personal(session, meeting.id, person_id)
        return
    reschedule(
        session,
        PERSONAL_JOB,
        personal_subject(meeting.id, person_id),
        due - PREPARED_AHEAD,
        {
            "meeting": meeting.id,
            "person": person_id,
            "starts_at": meeting.starts_at.isoformat(),
            "before": choice.before_minutes,
        },
    )


def arm_everyone(session: Session, meeting: Meeting, now: datetime) -> None:
    """After a move: personal reminders for everyone going or maybe going, and the nudge."""
    assert meeting.id is not None
    for person in responders(session, meeting.id, Answer.GOING, Answer.MAYBE):
        arm_personal(session, meeting, person, now)
    arm_nudge(session, meeting, now)


def still_due(session: Session, payload: Mapping[str, Any]) -> Meeting | None:
    """The meeting a reminder was armed for, if it is still on at the time it was armed for."""
    meeting = session.get(Meeting, int(payload["meeting"]))
    if (
        meeting is None
        or meeting.id is None
        or meeting.status != MeetingStatus.SCHEDULED
        or meeting.starts_at.isoformat() != payload["starts_at"]
    ):
        return None
    return meeting


def personal_reminder(session: Session, payload: Mapping[str, Any], now: datetime) -> None:
    meeting = still_due(session, payload)
    person = int(payload["person"])
    if meeting is None or meeting.id is None:
        return
    answer = session.get(MeetingResponse, (meeting.id, person))
    choice = choice_of(session, person, meeting.community_id)
    if (
        answer is None
        or answer.answer not in (Answer.GOING, Answer.MAYBE)
        or not choice.direct
        or choice.before_minutes != int(payload["before"])
    ):
        return
    before = timedelta(minutes=int(payload["before"]))
    view = load(session, meeting.id)
    what = f"your reminder for meeting #{view.number}"
    when = moment(meeting.starts_at - before, now, f"{what} (person {person})")
    if when is None:
        return
    outbox.direct(
        session,
        person,
        Message(
            what,
            reply=Reply(render.reminder(view, before, when.late)),
            not_before=when.not_before,
            about=reminder_about(meeting.id),
        ),
        now,
        community_id=meeting.community_id,
        prefer=answer.platform,
    )


def arm_nudge(session: Session, meeting: Meeting, now: datetime) -> None:
    """(Re)plan the meeting's one nudge, if it has one still to come."""
    subject = f"meeting:{meeting.id}"
    if meeting.nudge_minutes is None:
        unschedule(session, NUDGE_JOB, subject)
        return
    due = meeting.starts_at - timedelta(minutes=meeting.nudge_minutes)
    if due <= now:
        unschedule(session, NUDGE_JOB, subject)
        return
    reschedule(
        session,
        NUDGE_JOB,
        subject,
        due - PREPARED_AHEAD,
        {"meeting": meeting.id, "starts_at": meeting.starts_at.isoformat()},
    )


def nudge(session: Session, payload: Mapping[str, Any], now: datetime) -> None:
    """Ask the members who have not answered (and have not turned direct reminders off)."""
    meeting = still_due(session, payload)
    if meeting is None or meeting.id is None or meeting.nudge_minutes is None:
        return
    what = f"a nudge about meeting #{meeting.number}"
    when = moment(meeting.starts_at - timedelta(minutes=meeting.nudge_minutes), now, what)
    if when is None:
        return
    members = set(
        session.exec(
            select(Membership.person_id).where(
                Membership.community_id == meeting.community_id,
                Membership.status == MembershipStatus.ACTIVE,
            )
        )
    )
    silent = members - set(responders(session, meeting.id))
    quiet = {
        choice.person_id
        for choice in session.exec(
            select(ReminderChoice).where(
                ReminderChoice.community_id == meeting.community_id,
                col(ReminderChoice.direct).is_(False),
            )
        )
    }
    view = load(session, meeting.id)
    outbox.tell(
        session,
        sorted(silent - quiet),
        Message(
            what,
            reply=Reply(render.nudge(view), buttons=tuple(render.answer_buttons(view))),
            not_before=when.not_before,
            about=nudge_about(meeting.id),
        ),
        now,
        community_id=meeting.community_id,
    )


def set_choice(
    session: Session,
    person_id: int,
    community_id: int,
    direct: bool,
    before: timedelta | None,
    now: datetime,
) -> int:
    """Keep the person's choice and re-arm their reminders for meetings they are going (or
    might go) to (withdrawing any prepared under the old choice); how many such meetings."""
    choice = choice_of(session, person_id, community_id)
    was = (choice.direct, choice.before_minutes)
    choice.direct = direct
    choice.before_minutes = int(before.total_seconds() // 60) if before is not None else None
    session.add(choice)
    session.flush()
    upcoming = session.exec(
        select(Meeting)
        .join(MeetingResponse, col(MeetingResponse.meeting_id) == Meeting.id)
        .where(
            Meeting.community_id == community_id,
            Meeting.status == MeetingStatus.SCHEDULED,
            col(Meeting.starts_at) > now,
            MeetingResponse.person_id == person_id,
            col(MeetingResponse.answer).in_([Answer.GOING, Answer.MAYBE]),
        )
    ).all()
    if was == (choice.direct, choice.before_minutes):
        return len(upcoming)  # the same choice again: what is planned stands
    for meeting in upcoming:
        assert meeting.id is not None
        outbox.withdraw(session, reminder_about(meeting.id), now, person_id=person_id)
        arm_personal(session, meeting, person_id, now)
    return len(upcoming)


def describe_choice(choice: ReminderChoice) -> str:
    if not choice.direct:
        return "no reminders by direct message (you still see them in the group)"
    if choice.before_minutes is None:
        return "direct reminders at each meeting's own times"
    return (
        f"a direct reminder {length(timedelta(minutes=choice.before_minutes))} before each meeting"
    )
