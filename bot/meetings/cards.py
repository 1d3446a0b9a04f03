"""The meetings feature's live messages, rendered as they stand when the outbox sends them: a
meeting's card and a finding a time's card."""

from __future__ import annotations

from sqlmodel import Session

from bot.events import Reply
from bot.meetings import findtime, render
from bot.meetings.views import load
from bot.runtime import Runtime
from storage.meetings import Meeting


async def meeting_card(runtime: Runtime, key: str) -> Reply | None:
    """The meeting's card as it stands when sent (a live outbox message)."""

    def build(session: Session) -> Reply | None:
        if session.get(Meeting, int(key)) is None:
            return None
        text, buttons = render.card(load(session, int(key)))
        return Reply(text, buttons=tuple(buttons))

    return await runtime.read(build)


async def finder_card(runtime: Runtime, key: str) -> Reply | None:
    def build(session: Session) -> Reply:
        text, buttons = findtime.card(findtime.load_finder(session, int(key)))
        return Reply(text, buttons=tuple(buttons))

    return await runtime.read(build)
