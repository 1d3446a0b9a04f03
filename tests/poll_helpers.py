"""Shortcuts for poll tests: a community with members, and polls published in it."""

from __future__ import annotations

import re

from bot.core import Moot
from bot.events import Reply
from tests.helpers import RecordingOutlet, Resident, button, shown, texts


async def members(moot: Moot, host: Resident, *names: str) -> list[Resident]:
    """Open joining and have each name join the console group."""
    await host.say("/joinpolicy open")
    people = [Resident(moot, "console", name.lower(), name) for name in names]
    for person in people:
        await person.say("/join")
    return people


async def draft(host: Resident, definition: str) -> tuple[int, Reply]:
    replies = await host.say(f"/poll {definition}")
    preview = replies[0]
    match = re.search(r"Draft poll #(\d+)", preview.text)
    assert match is not None, texts(replies)
    return int(match.group(1)), preview


async def published(host: Resident, definition: str) -> int:
    poll_id, _ = await draft(host, definition)
    replies = await host.say(f"/publish {poll_id}")
    assert "is open" in texts(replies) or "announced" in texts(replies), texts(replies)
    return poll_id


async def cast_secretly(voter: Resident, poll: int | str, choices: int | str) -> list[Reply]:
    """A secret ballot voted in a direct message, then cast with the confirmation's button."""
    asked = await voter.privately(f"/vote {poll} {choices}")
    return await voter.press(button(asked, "Cast my ballot"))


def poll_messages(outlet: RecordingOutlet) -> list[Reply]:
    return [reply for _, reply in outlet.chats if reply.text.startswith("📊 Poll")]


def latest_poll_text(outlet: RecordingOutlet) -> str:
    """The poll message as readers see it now: the last edit, or the message as posted."""
    if outlet.edits:
        return shown(outlet.edits[-1][2])
    return shown(poll_messages(outlet)[-1])
