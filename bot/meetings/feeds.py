"""Calendar feeds the web serves (/feeds/<token>.ics): a community's meetings, a member's own,
and one meeting for the "add to calendar" link on its card. Calendars (Google, Apple, Outlook)
fetch them again every few hours; each event keeps its UID, and a move or a cancellation raises
its SEQUENCE, so they update the event they have (bot/meetings/calendar.py)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from bot.meetings.calendar import calendar_file, community_feeds, event, meeting_events
from bot.meetings.views import find, load
from storage.meetings import Answer, Meeting, MeetingResponse, MeetingStatus
from storage.models import Community


def community_feed(session: Session, community_id: int, now: datetime) -> bytes:
    """Every announced meeting, cancelled ones too (so calendars learn of it), each series once
    with its rule."""
    return community_feeds(session, community_id, now)[f"calendar-{community_id}.ics"]


def personal_feed(session: Session, community_id: int, person_id: int, now: datetime) -> bytes:
    """Only the meetings the person said they are going to, each on its own (an occurrence of a
    series too: they may be going to this one and not the next), cancelled ones kept so their
    calendar marks them."""
    community = session.get_one(Community, community_id)
    ids = session.exec(
        select(Meeting.id)
        .join(MeetingResponse, col(MeetingResponse.meeting_id) == Meeting.id)
        .where(
            Meeting.community_id == community_id,
            Meeting.status != MeetingStatus.DRAFT,
            MeetingResponse.person_id == person_id,
            MeetingResponse.answer == Answer.GOING,
        )
        .order_by(col(Meeting.starts_at))
    )
    events = [event(load(session, meeting_id), now) for meeting_id in ids if meeting_id is not None]
    return calendar_file(events, f"{community.name}: my meetings")


def one_meeting(session: Session, community_id: int, number: int, now: datetime) -> bytes | None:
    """One announced meeting of this community (its whole series, for one that repeats), or None
    when it has no such meeting (or only a draft)."""
    view = find(session, community_id, number)
    if view is None or view.status is MeetingStatus.DRAFT:
        return None
    return calendar_file(meeting_events(session, view, now), view.community.name)
