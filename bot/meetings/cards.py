"""The meetings feature's live messages, rendered as they stand when the outbox sends them: a
meeting's card and a finding a time's card."""

from __future__ import annotations

from sqlmodel import Session

from bot.events import Reply
from bot.meetings import findtime, render
from bot.meetings.calendar import calendar_key
from bot.meetings.views import load
from bot.runtime import Runtime
from bot.web.addresses import meeting_url
from bot.web.settings import reachable, web_state
from storage.meetings import Meeting, MeetingSeries, MeetingStatus


async def meeting_card(runtime: Runtime, key: str) -> Reply | None:
    """The meeting's card as it stands when sent (a live outbox message), with a link that adds
    the meeting to a calendar when others can reach the web (not a loopback base URL)."""

    base_url = web_state(runtime).base_url
    linked = reachable(base_url)

    def build(session: Session) -> Reply | None:
        meeting = session.get(Meeting, int(key))
        if meeting is None:
            return None
        link = _calendar_link(session, meeting, base_url) if linked else None
        text, buttons = render.card(load(session, int(key)), link)
        return Reply(text, buttons=tuple(buttons))

    return await runtime.read(build)


def _calendar_link(session: Session, meeting: Meeting, base_url: str) -> str | None:
    """The address of this meeting's calendar file (its series' for an occurrence), keyed by
    the random part of its calendar UID so it opens nothing else; none for a draft or an old
    guessable UID."""
    if meeting.status == MeetingStatus.DRAFT:
        return None
    uid = meeting.calendar_uid
    if meeting.series_id is not None:
        series = session.get(MeetingSeries, meeting.series_id)
        uid = None if series is None else series.calendar_uid
    key = calendar_key(uid)
    return None if key is None else meeting_url(base_url, key)


async def finder_card(runtime: Runtime, key: str) -> Reply | None:
    def build(session: Session) -> Reply:
        text, buttons = findtime.card(findtime.load_finder(session, int(key)))
        return Reply(text, buttons=tuple(buttons))

    return await runtime.read(build)
