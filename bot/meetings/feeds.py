"""Calendar feeds the web serves: a community's meetings and a member's own (/feeds/<token>.ics),
and one meeting for the "add to calendar" link on its card (/calendar/<key>.ics, the key being
the random part of its calendar UID, so it opens that meeting and nothing else). Calendars (Google, Apple, Outlook)
fetch them again every few hours; each event keeps its UID, and a move or a cancellation raises
its SEQUENCE, so they update the event they have (bot/meetings/calendar.py)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from bot.meetings.calendar import (
    calendar_file,
    community_feeds,
    event,
    key_uid,
    series_events,
)
from bot.meetings.views import MeetingView, load
from storage.meetings import Answer, Meeting, MeetingResponse, MeetingSeries, MeetingStatus
from storage.models import Community


def community_feed(session: Session, community_id: int, now: datetime) -> bytes:
    """The announced meetings from calendar.FEED_DAYS_BACK days ago onward, cancelled ones too
    (so calendars learn of it), each series once with its rule."""
    feeds = community_feeds(session, community_id, now, windowed=True)
    return feeds[f"calendar-{community_id}.ics"]


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


def one_meeting(session: Session, key: str, now: datetime) -> bytes | None:
    """The announced meeting (or series) whose calendar UID's random part is `key`, or None when
    there is none (a draft, an old guessable UID, a made-up key)."""
    uid = key_uid(key)
    series = session.exec(select(MeetingSeries).where(MeetingSeries.calendar_uid == uid)).first()
    if series is not None and series.id is not None:
        events = series_events(session, series.id, now)
        community = session.get_one(Community, series.community_id)
        return calendar_file(events, community.name) if events else None
    meeting = session.exec(
        select(Meeting).where(
            Meeting.calendar_uid == uid,
            col(Meeting.series_id).is_(None),
            Meeting.status != MeetingStatus.DRAFT,
        )
    ).first()
    if meeting is None:
        return None
    community = session.get_one(Community, meeting.community_id)
    return calendar_file([event(MeetingView(meeting, community), now)], community.name)
