"""Meetings as iCalendar (RFC 5545) files that Google Calendar, Outlook and Apple Calendar
import: one event per meeting with its place and join link. A moved or cancelled meeting keeps
its UID and raises its SEQUENCE, so calendars update the event rather than add another. Each
UID is random and stored with the meeting (or series), so two installations of Moot never share
one; meetings made before that keep `meeting-<id>@moot` / `series-<id>@moot`. A repeating
meeting is one event with its rule (in the community's zone, with the zone's definition), its
cancelled occurrences as EXDATEs and its moved ones as overrides.

A community's feed holds the meetings from FEED_DAYS_BACK days ago onward (all future ones), each
series whole when any of its occurrences falls in that window; it is read in a few queries, not
a few per meeting, since calendars fetch it again every few hours."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from sqlmodel import Session, col, select

from bot.meetings.views import MeetingView
from storage.meetings import Meeting, MeetingSeries, MeetingStatus
from storage.models import Community

PRODUCT = "-//Moot//Meetings//EN"
FEED_DAYS_BACK = 180
# A UID Moot made at random (storage.meetings.new_calendar_uid), not `meeting-<id>@moot`.
_RANDOM_UID = re.compile(r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})@moot")


def calendar_key(uid: str | None) -> str | None:
    """The random part of a calendar UID, which names one meeting's (or series') calendar file
    on the web and opens nothing else; None for an old `meeting-<id>@moot` one, which anyone
    could guess."""
    found = None if uid is None else _RANDOM_UID.fullmatch(uid)
    return None if found is None else found.group(1)


def key_uid(key: str) -> str:
    """The calendar UID a key (calendar_key) names."""
    return f"{key}@moot"


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
    """A repeating meeting: the rule, its cancelled occurrences, and its moved ones (nothing
    while none of its occurrences is announced)."""
    series = session.get_one(MeetingSeries, series_id)
    community = session.get_one(Community, series.community_id)
    views = _occurrences(session, [series_id], community).get(series_id)
    return _series_events(series, views, now) if views else []


def _occurrences(
    session: Session, series_ids: Iterable[int], community: Community
) -> dict[int, list[MeetingView]]:
    """The announced occurrences of these series, in order, read in one query."""
    found: dict[int, list[MeetingView]] = {}
    meetings = session.exec(
        select(Meeting)
        .where(col(Meeting.series_id).in_(list(series_ids)), Meeting.status != MeetingStatus.DRAFT)
        .order_by(col(Meeting.occurrence_at))
    )
    for meeting in meetings:
        assert meeting.series_id is not None
        found.setdefault(meeting.series_id, []).append(MeetingView(meeting, community))
    return found


def _series_events(
    series: MeetingSeries, views: list[MeetingView], now: datetime
) -> list[icalendar.Event]:
    zone = ZoneInfo(series.timezone)
    first = views[0]
    length = timedelta(minutes=first.meeting.duration_minutes)
    uid = series.calendar_uid or f"series-{series.id}@moot"

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


def calendar_file(
    events: Iterable[icalendar.Event], name: str, description: str | None = None
) -> bytes:
    """An .ics file holding these events, with the definitions of the zones they use."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    if description is not None:
        calendar.add("x-wr-caldesc", description)
    for item in events:
        calendar.add_component(item)
    calendar.add_missing_timezones()
    data: bytes = calendar.to_ical()
    return data


def community_feeds(
    session: Session, community_id: int | None, now: datetime, *, windowed: bool = False
) -> dict[str, bytes]:
    """`calendar-N.ics` for each community (or one): its announced meetings, cancelled ones too
    (so calendars that imported them learn of it), each series once. `windowed`: only those
    from FEED_DAYS_BACK days ago onward (a subscribed feed); otherwise all (an export)."""
    query = select(Community).order_by(col(Community.id))
    if community_id is not None:
        query = query.where(Community.id == community_id)
    since = now - timedelta(days=FEED_DAYS_BACK) if windowed else None
    return {
        f"calendar-{community.id}.ics": _community_file(session, community, since, now)
        for community in session.exec(query)
    }


def _community_file(
    session: Session, community: Community, since: datetime | None, now: datetime
) -> bytes:
    query = select(Meeting).where(
        Meeting.community_id == community.id, Meeting.status != MeetingStatus.DRAFT
    )
    if since is not None:
        query = query.where(col(Meeting.starts_at) >= since)
    meetings = session.exec(query.order_by(col(Meeting.starts_at))).all()
    series_ids = {m.series_id for m in meetings if m.series_id is not None}
    series = {
        s.id: s
        for s in session.exec(select(MeetingSeries).where(col(MeetingSeries.id).in_(series_ids)))
    }
    occurrences = _occurrences(session, series_ids, community) if series_ids else {}
    events: list[icalendar.Event] = []
    series_seen: set[int] = set()
    for meeting in meetings:
        if meeting.series_id is None:
            events.append(event(MeetingView(meeting, community), now))
        elif meeting.series_id not in series_seen:
            series_seen.add(meeting.series_id)
            events += _series_events(series[meeting.series_id], occurrences[meeting.series_id], now)
    about = None
    if since is not None:
        about = (
            f"{community.name}'s meetings from {FEED_DAYS_BACK} days ago onward "
            "(every one to come), cancelled ones marked so."
        )
    return calendar_file(events, community.name, about)
