"""The meetings feature's live messages, rendered as they stand when the outbox sends them: a
meeting's card and a finding a time's card."""

from __future__ import annotations

from sqlmodel import Session

from bot.events import Reply
from bot.meetings import findtime, render
from bot.meetings.views import load
from bot.runtime import Runtime
from bot.web.addresses import meeting_url
from bot.web.service import known_feed_token
from bot.web.settings import web_state
from storage.meetings import Meeting


async def meeting_card(runtime: Runtime, key: str) -> Reply | None:
    """The meeting's card as it stands when sent (a live outbox message), with a link that adds
    the meeting to a calendar."""

    base_url = web_state(runtime).base_url

    def build(session: Session) -> Reply | None:
        meeting = session.get(Meeting, int(key))
        if meeting is None:
            return None
        # Made when the card was posted (service.add_post); a card older than feeds has none.
        token = known_feed_token(session, meeting.community_id, None)
        link = None if token is None else meeting_url(base_url, token, meeting.number)
        text, buttons = render.card(load(session, int(key)), link)
        return Reply(text, buttons=tuple(buttons))

    return await runtime.read(build)


async def finder_card(runtime: Runtime, key: str) -> Reply | None:
    def build(session: Session) -> Reply:
        text, buttons = findtime.card(findtime.load_finder(session, int(key)))
        return Reply(text, buttons=tuple(buttons))

    return await runtime.read(build)
