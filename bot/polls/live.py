"""Keeping poll messages current, and ballots people are filling in.

Every vote marks its poll as changed; the messages in every chat where the poll was posted are
edited at most once per the slowest of those platforms' edit intervals, however many votes
arrive, so platform rate limits (Telegram: 20 messages a minute in a group) are never approached.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlmodel import Session

from bot.core import Moot
from bot.events import Reply
from bot.polls import render
from bot.polls.results import compute
from bot.polls.views import PollView, load, tally
from storage.polls import PollStatus, ResultsShown


@dataclass
class PollsState:
    moot: Moot
    # Ballots being built by pressing options, kept in memory only: a secret ballot in
    # progress is never written down next to its voter.
    drafts: dict[tuple[int, int], tuple[int, ...]] = field(default_factory=dict)
    # Published polls' definitions, which never change (see commands.definition_of).
    definitions: dict[int, PollView] = field(default_factory=dict)
    _pending: set[int] = field(default_factory=set)

    def changed(self, poll_id: int) -> None:
        if poll_id in self._pending:
            return
        self._pending.add(poll_id)
        self.moot.spawn(self._refresh_later(poll_id))

    async def _refresh_later(self, poll_id: int) -> None:
        posts = await self.moot.read(lambda s: load(s, poll_id).posts)
        await asyncio.sleep(self.moot.edit_interval([p.platform for p in posts]))
        self._pending.discard(poll_id)
        await refresh(self.moot, poll_id)


def state_of(moot: Moot) -> PollsState:
    found = moot.extensions.get("polls")
    if not isinstance(found, PollsState):
        found = PollsState(moot)
        moot.extensions["polls"] = found
    return found


async def poll_reply(moot: Moot, poll_id: int) -> Reply:
    def build(session: Session) -> Reply:
        view = load(session, poll_id)
        results = compute(view, tally(session, view))
        shown = view.poll.results_shown == ResultsShown.LIVE or view.status is PollStatus.CLOSED
        text, buttons = render.poll_message(view, results, show_counts=shown)
        return Reply(text, buttons=tuple(buttons))

    return await moot.read(build)


async def refresh(moot: Moot, poll_id: int) -> None:
    """Edit the poll's message in every chat where it was posted."""
    posts = [
        p for p in await moot.read(lambda s: load(s, poll_id).posts) if p.message_id is not None
    ]
    if not posts:
        return
    reply = await poll_reply(moot, poll_id)
    for post in posts:
        assert post.message_id is not None
        await moot.edit(post.platform, post.chat_id, post.message_id, reply)
