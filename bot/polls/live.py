"""Keeping poll cards current, and ballots people are filling in.

Every vote marks its poll as changed. Once per the slowest edit interval of the platforms it is
posted on, the changed poll's cards get an edit in the outbox; the card's text is rendered when
the edit is sent, so it shows the count as it is then, and platform rate limits (Telegram: 20
messages a minute in a group) are never approached however many votes arrive.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlmodel import Session

from bot.core import Moot
from bot.events import FileOut, Reply
from bot.polls import render, service
from bot.polls.chart import results_chart
from bot.polls.results import Results, compute
from bot.polls.sealing import Sealer
from bot.polls.views import PollView, load, tally
from storage.polls import Poll, PollStatus, ResultsShown


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


async def card(moot: Moot, key: str) -> Reply | None:
    """The poll's card as it stands at this moment (a live outbox message)."""

    def build(session: Session) -> Reply | None:
        if session.get(Poll, int(key)) is None:
            return None
        view = load(session, int(key))
        results = compute(view, tally(session, view))
        shown = view.poll.results_shown == ResultsShown.LIVE or view.status is PollStatus.CLOSED
        text, buttons = render.poll_message(view, results, show_counts=shown)
        return Reply(text, buttons=tuple(buttons))

    return await moot.read(build)


async def final_results(moot: Moot, key: str) -> Reply | None:
    """A closed poll's results with their chart (a live outbox message: drawn when sent)."""
    view, counted = await results_of(moot, int(key))
    if view.status is not PollStatus.CLOSED:
        return None
    chart = FileOut(f"poll-{view.id}-results.png", await results_chart(view, counted), "image/png")
    return Reply(render.results_text(view, counted, final=True), file=chart)
