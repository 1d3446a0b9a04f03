"""Meetings as iCalendar (RFC 5545) files that Google Calendar, Outlook and Apple Calendar
import: one event per meeting with its place and join link; a moved or cancelled meeting keeps
its UID and raises its SEQUENCE, so calendars update the event rather than add another."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import icalendar
from sqlmodel import Session, col, select

from bot.meetings.views import MeetingView, load
from storage.meetings import Meeting, MeetingStatus
from storage.models import Community

PRODUCT = "-//Moot//Meetings//EN"


def event(view: MeetingView, now: datetime) -> icalendar.Event:
    meeting = view.meeting
    item = icalendar.Event()
    item.add("uid", f"meeting-{view.id}@moot")
    item.add("dtstamp", now)
    item.add("dtstart", meeting.starts_at)
    item.add("dtend", view.ends_at)
    item.add("summary", meeting.title)
    item.add("sequence", meeting.sequence)
    cancelled = view.status is MeetingStatus.CANCELLED
    item.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if meeting.place:
        item.add("location", meeting.place)
    elif meeting.link:
        item.add("location", meeting.link)
    if meeting.link:
        item.add("url", meeting.link)
    about = [meeting.about or "", f"Join online: {meeting.link}" if meeting.link else ""]
    about.append(f"{view.community.name}, meeting #{view.number}")
    item.add("description", "\n\n".join(part for part in about if part))
    return item


def calendar_file(views: Iterable[MeetingView], now: datetime, name: str) -> bytes:
    """An .ics file holding these meetings."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for view in views:
        calendar.add_component(event(view, now))
    data: bytes = calendar.to_ical()
    return data


def community_feeds(session: Session, community_id: int | None, now: datetime) -> dict[str, bytes]:
    """`calendar-N.ics` for each community (or one): every announced meeting, cancelled ones
    too (so calendars that imported them learn of it)."""
    communities = session.exec(select(Community).order_by(col(Community.id)))
    feeds = {}
    for community in communities:
        if community_id is not None and community.id != community_id:
            continue
        meetings = session.exec(
            select(Meeting.id)
            .where(Meeting.community_id == community.id, Meeting.status != MeetingStatus.DRAFT)
            .order_by(col(Meeting.starts_at))
        )
        views = [load(session, meeting_id) for meeting_id in meetings if meeting_id is not None]
        feeds[f"calendar-{community.id}.ics"] = calendar_file(views, now, community.name)
    return feeds
