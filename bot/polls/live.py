"""Keeping poll cards current, and ballots people are filling in.

Every vote marks its poll as changed. Once per the slowest edit interval of the platforms it is
posted on, the changed poll's cards get an edit in the outbox; the card's text is rendered when
the edit is sent (bot/polls/cards.py), so it shows the count as it is then, and platform rate
limits (Telegram: 20 messages a minute in a group) are never approached however many votes
arrive.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlmodel import Session

from bot.core import Moot
from bot.polls import service
from bot.polls.results import Results, compute
from bot.polls.sealing import Sealer
from bot.polls.views import PollView, load, tally


@dataclass
class PollsState:
    moot: Moot
    # Ballots being built by pressing options, kept in memory only: a secret ballot in
    # progress is never written down next to its voter.
    drafts: dict[tuple[int, int], tuple[int, ...]] = field(default_factory=dict)
    # Published polls' definitions by (community, number), which never change
    # (see access.definition_named).
    definitions: dict[tuple[int, int], PollView] = field(default_factory=dict)
    # Secret ballots waiting to be sealed are unreadable without what this keeps in memory.
    sealer: Sealer = field(default_factory=Sealer)
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


async def refresh(moot: Moot, poll_id: int) -> None:
    """Queue an edit of the poll's card in every chat where it was posted."""
    now = moot.clock.now()
    await moot.write(lambda s: service.edit_cards(s, poll_id, now))


async def results_of(moot: Moot, poll_id: int) -> tuple[PollView, Results]:
    def read(session: Session) -> tuple[PollView, Results]:
        view = load(session, poll_id)
        return view, compute(view, tally(session, view))

    return await moot.read(read)
