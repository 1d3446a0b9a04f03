"""Meetings as iCalendar (RFC 5545) files that Google Calendar, Outlook and Apple Calendar
import: one event per meeting with its place and join link. A moved or cancelled meeting keeps
its UID and raises its SEQUENCE, so calendars update the event rather than add another. Each
UID is random and stored with the meeting (or series), so two installations of Moot never share
one; meetings made before that keep `meeting-<id>@moot` / `series-<id>@moot`. A repeating
meeting is one event with its rule (in the community's zone, with the zone's definition), its
cancelled occurrences as EXDATEs and its moved ones as overrides."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from sqlmodel import Session, col, select

from bot.meetings.views import MeetingView, load
from storage.meetings import Meeting, MeetingSeries, MeetingStatus
from storage.models import Community

PRODUCT = "-//Moot//Meetings//EN"


def event(view: MeetingView, now: datetime) -> icalendar.Event:
    """A single meeting."""
    item = _described(view, now)
    item.add("uid", view.meeting.calendar_uid or f"meeting-{view.id}@moot")
    item.add("dtstart", view.meeting.starts_at)
    item.add("dtend", view.ends_at)
    return item


def _described(view: MeetingView, now: datetime) -> icalendar.Event:
    meeting = view.meeting
    item = icalendar.Event()
    item.add("dtstamp", now)
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


def series_events(session: Session, series_id: int, now: datetime) -> list[icalendar.Event]:
    """A repeating meeting: the rule, its cancelled occurrences, and its moved ones."""
    series = session.get_one(MeetingSeries, series_id)
    zone = ZoneInfo(series.timezone)
    ids = session.exec(
        select(Meeting.id)
        .where(Meeting.series_id == series_id, Meeting.status != MeetingStatus.DRAFT)
        .order_by(col(Meeting.occurrence_at))
    )
    views = [load(session, meeting_id) for meeting_id in ids if meeting_id is not None]
    first = views[0]
    length = timedelta(minutes=first.meeting.duration_minutes)
    uid = series.calendar_uid or f"series-{series_id}@moot"

    def local(moment: datetime | None) -> datetime:
        assert moment is not None
        return moment.astimezone(zone)

    master = _described(first, now)
    master.add("uid", uid)
    master.add("dtstart", local(first.meeting.occurrence_at))
    master.add("dtend", local(first.meeting.occurrence_at) + length)
    master["status"] = icalendar.vText("CONFIRMED")
    rule = icalendar.vRecur.from_ical(series.rule)
    if series.ended_at is not None:
        kept = [v for v in views if v.status is MeetingStatus.SCHEDULED]
        last = kept[-1].meeting.occurrence_at if kept else first.meeting.occurrence_at
        assert last is not None
        rule["UNTIL"] = [last]
    master.add("rrule", rule)
    cancelled = [
        local(v.meeting.occurrence_at) for v in views if v.status is MeetingStatus.CANCELLED
    ]
    if series.ended_at is not None:
        cancelled = [c for c in cancelled if c <= local(rule["UNTIL"][0])]
    if cancelled:
        master.add("exdate", cancelled)
    events = [master]
    for view in views:
        meeting = view.meeting
        if view.status is MeetingStatus.SCHEDULED and meeting.starts_at != meeting.occurrence_at:
            moved = _described(view, now)
            moved.add("uid", uid)
            moved.add("recurrence-id", local(meeting.occurrence_at))
            moved.add("dtstart", local(meeting.starts_at))
            moved.add("dtend", local(view.ends_at))
            events.append(moved)
    return events


def meeting_events(session: Session, view: MeetingView, now: datetime) -> list[icalendar.Event]:
    if view.meeting.series_id is not None:
        return series_events(session, view.meeting.series_id, now)
    return [event(view, now)]


def calendar_file(events: Iterable[icalendar.Event], name: str) -> bytes:
    """An .ics file holding these events, with the definitions of the zones they use."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for item in events:
        calendar.add_component(item)
    calendar.add_missing_timezones()
    data: bytes = calendar.to_ical()
    return data


def community_feeds(session: Session, community_id: int | None, now: datetime) -> dict[str, bytes]:
    """`calendar-N.ics` for each community (or one): every announced meeting, cancelled ones
    too (so calendars that imported them learn of it), each series once."""
    communities = session.exec(select(Community).order_by(col(Community.id)))
    feeds = {}
    for community in communities:
        if community_id is not None and community.id != community_id:
            continue
        meetings = session.exec(
            select(Meeting)
            .where(Meeting.community_id == community.id, Meeting.status != MeetingStatus.DRAFT)
            .order_by(col(Meeting.starts_at))
        )
        events: list[icalendar.Event] = []
        series_seen: set[int] = set()
        for meeting in meetings:
            if meeting.series_id is not None:
                if meeting.series_id not in series_seen:
                    series_seen.add(meeting.series_id)
                    events += series_events(session, meeting.series_id, now)
            elif meeting.id is not None:
                events.append(event(load(session, meeting.id), now))
        feeds[f"calendar-{community.id}.ics"] = calendar_file(events, community.name)
    return feeds
