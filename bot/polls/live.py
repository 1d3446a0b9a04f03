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

from bot.polls import service
from bot.polls.results import Results, compute
from bot.polls.sealing import DEFAULT_BATCH, Sealer
from bot.polls.views import PollView, load, tally
from bot.runtime import FeatureState, Runtime


@dataclass(frozen=True)
class PollsSettings:
    """What the application may set for polls: k, the fewest secret ballots sealed together."""

    secret_ballot_batch: int = DEFAULT_BATCH


@dataclass
class PollsState:
    runtime: Runtime
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
        self.runtime.spawn(self._refresh_later(poll_id))

    async def _refresh_later(self, poll_id: int) -> None:
        posts = await self.runtime.read(lambda s: load(s, poll_id).posts)
        await asyncio.sleep(self.runtime.edit_interval([p.platform for p in posts]))
        self._pending.discard(poll_id)
        await refresh(self.runtime, poll_id)


def _start(runtime: Runtime, settings: PollsSettings) -> PollsState:
    return PollsState(runtime, sealer=Sealer(batch=settings.secret_ballot_batch))


STATE = FeatureState("polls", PollsSettings(), _start)


def state_of(runtime: Runtime) -> PollsState:
    return runtime.state(STATE)


async def refresh(runtime: Runtime, poll_id: int) -> None:
    """Queue an edit of the poll's card in every chat where it was posted."""
    now = runtime.clock.now()
    await runtime.write(lambda s: service.edit_cards(s, poll_id, now))


async def results_of(runtime: Runtime, poll_id: int) -> tuple[PollView, Results]:
    def read(session: Session) -> tuple[PollView, Results]:
        view = load(session, poll_id)
        return view, compute(view, tally(session, view))

    return await runtime.read(read)
