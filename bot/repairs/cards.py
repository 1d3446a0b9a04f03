"""The repairs team's live card for a report in its triage chat, rendered when it is sent."""

from __future__ import annotations

from sqlmodel import Session

from bot.events import Reply
from bot.repairs import render
from bot.repairs.repeats import with_repeats
from bot.repairs.views import load
from bot.runtime import Runtime
from storage.repairs import RepairReport


async def card(runtime: Runtime, key: str) -> Reply | None:
    """A report's card as it stands when sent (a live outbox message)."""

    def build_card(session: Session) -> Reply | None:
        if session.get(RepairReport, int(key)) is None:
            return None
        words, buttons = render.card(with_repeats(session, load(session, int(key))))
        return Reply(words, buttons=tuple(buttons))

    return await runtime.read(build_card)
