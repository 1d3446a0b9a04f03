"""Meetings mirrored in platforms' own calendars (Discord's scheduled events), kept in step with
moves and cancellations. Only adapters that offer `EventOutlet` take part; the others ignore it.

Every change that a calendar must show schedules one sync job; the job brings the meeting's event
in each calendar it was announced in up to date. Chats that share a calendar (two channels of one
Discord server) share one event. A platform that is not connected is tried again later; one that
refuses (Moot may not manage events there) is logged and the organiser told."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlmodel import Session, select

from bot.events import CalendarEvent, Reply
from bot.meetings.views import load
from bot.outbox import queue as outbox
from bot.outbox.queue import Message
from bot.outlet import EventOutlet, RefusedError
from bot.runtime import FeatureState, Runtime
from bot.scheduler import is_planned, reschedule
from storage.meetings import MeetingEvent, MeetingStatus

log = logging.getLogger(__name__)

EVENT_JOB = "meetings.events"
NOT_CONNECTED_RETRY = timedelta(minutes=5)
LOCATION_MAX = 100  # Discord's limit for an external event's location


def schedule_sync(session: Session, meeting_id: int, now: datetime) -> None:
    """Inside a write that changed what calendars show: sync the meeting's events (one sync
    waits per meeting, however often it changes before the sync runs)."""
    reschedule(session, EVENT_JOB, f"meeting:{meeting_id}", now, {"meeting": meeting_id})


def _start(runtime: Runtime, settings: None) -> dict[int, asyncio.Lock]:
    return {}


# A lock by meeting id, held while its events sync. No settings.
SYNC_LOCKS = FeatureState("meetings.sync-locks", None, _start)


def _syncing(runtime: Runtime, meeting_id: int) -> asyncio.Lock:
    """One sync of a meeting's events at a time, so two never both create its event."""
    return runtime.state(SYNC_LOCKS).setdefault(meeting_id, asyncio.Lock())


def calendar_event(session: Session, meeting_id: int) -> CalendarEvent:
    view = load(session, meeting_id)
    meeting = view.meeting
    location = meeting.place or meeting.link or "Online"
    about = [meeting.about or "", f"Join online: {meeting.link}" if meeting.link else ""]
    about.append(f"Answer with /rsvp {view.number} going|maybe|cant")
    return CalendarEvent(
        title=meeting.title,
        starts_at=meeting.starts_at,
        ends_at=view.ends_at,
        location=location[:LOCATION_MAX],
        description="\n\n".join(part for part in about if part),
        cancelled=view.status is MeetingStatus.CANCELLED,
    )


async def sync(runtime: Runtime, meeting_id: int) -> None:
    """Bring the meeting's events up to date in every calendar it was announced in (the sync
    job, jobs.sync_job)."""
    async with _syncing(runtime, meeting_id):
        await _sync(runtime, meeting_id, runtime.clock.now())


async def _sync(runtime: Runtime, meeting_id: int, now: datetime) -> None:

    def read(
        session: Session,
    ) -> tuple[CalendarEvent, list[tuple[str, str]], dict[tuple[str, str], str], bool]:
        view = load(session, meeting_id)
        chats = sorted({(post.platform, post.chat_id) for post in view.posts})
        known = {
            (row.platform, row.chat_id): row.event_id
            for row in session.exec(
                select(MeetingEvent).where(MeetingEvent.meeting_id == meeting_id)
            )
        }
        over = view.ends_at <= now
        return calendar_event(session, meeting_id), chats, known, over

    event, chats, known, over = await runtime.read(read)
    if over:
        return
    waiting = False
    # (platform, calendar) -> the platform's adapter and the calendar's chats
    calendars: dict[tuple[str, str], tuple[EventOutlet, list[str]]] = {}
    for platform, chat_id in chats:
        outlet = runtime.outlet(platform)
        if outlet is None:
            waiting = True
            continue
        if not isinstance(outlet, EventOutlet):
            continue
        try:
            calendar = await outlet.calendar_of(chat_id)
        except RefusedError as refusal:
            await _refused(runtime, meeting_id, platform, chat_id, refusal, now)
            continue
        calendars.setdefault((platform, calendar), (outlet, []))[1].append(chat_id)
    for (platform, _), (events_outlet, chat_ids) in calendars.items():
        await _sync_calendar(
            runtime, events_outlet, meeting_id, platform, chat_ids, event, known, now
        )
    if waiting:  # a platform with events may connect later: try again then

        def retry_later(session: Session) -> None:
            subject = f"meeting:{meeting_id}"
            if not is_planned(session, EVENT_JOB, subject):  # else a sync comes sooner anyway
                payload = {"meeting": meeting_id}
                reschedule(session, EVENT_JOB, subject, now + NOT_CONNECTED_RETRY, payload)

        await runtime.write(retry_later)


async def _sync_calendar(
    runtime: Runtime,
    outlet: EventOutlet,
    meeting_id: int,
    platform: str,
    chat_ids: list[str],
    event: CalendarEvent,
    known: dict[tuple[str, str], str],
    now: datetime,
) -> None:
    """Bring the meeting's event in one calendar up to date (creating it the first time), and
    remember it for each of the calendar's chats."""
    existing = sorted({known[(platform, c)] for c in chat_ids if (platform, c) in known})
    if event.cancelled and not existing:
        return
    try:
        # One event per calendar; events made before chats were grouped are each kept in step.
        targets: list[str | None] = [*existing] or [None]
        synced = [await outlet.sync_event(chat_ids[0], event, e) for e in targets]
    except RefusedError as refusal:
        await _refused(runtime, meeting_id, platform, chat_ids[0], refusal, now)
        return
    events = {c: known.get((platform, c), synced[0]) for c in chat_ids}
    await runtime.write(lambda s: _remember(s, meeting_id, platform, events))


async def _refused(
    runtime: Runtime,
    meeting_id: int,
    platform: str,
    chat_id: str,
    refusal: RefusedError,
    now: datetime,
) -> None:
    log.warning("meeting %d not mirrored in %s chat %s: %s", meeting_id, platform, chat_id, refusal)
    reason = str(refusal)
    await runtime.write(lambda s: _tell_organiser(s, meeting_id, platform, reason, now))


def _remember(session: Session, meeting_id: int, platform: str, events: Mapping[str, str]) -> None:
    """Each chat's event (by chat id)."""
    for chat_id, event_id in events.items():
        row = session.get(MeetingEvent, (meeting_id, platform, chat_id))
        if row is None:
            session.add(
                MeetingEvent(
                    meeting_id=meeting_id, platform=platform, chat_id=chat_id, event_id=event_id
                )
            )
        else:
            row.event_id = event_id


def _tell_organiser(
    session: Session, meeting_id: int, platform: str, reason: str, now: datetime
) -> None:
    view = load(session, meeting_id)
    outbox.direct(
        session,
        view.meeting.created_by_person_id,
        Message(
            f"the {platform} event for meeting #{view.number}",
            reply=Reply(
                f"Meeting #{view.number} could not be added to {platform.title()}'s events: "
                f"{reason}. Give Moot the Manage Events permission there to have it listed."
            ),
        ),
        now,
        community_id=view.meeting.community_id,
    )
