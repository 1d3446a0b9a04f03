"""The polls feature's state in memory (published polls' definitions, secret ballots waiting to
be sealed), and reading a poll's results.

Poll cards need nothing here: every change to a poll (a vote too) queues the edit of its cards in
its own transaction (bot.polls.service), and the outbox renders the card when it sends the edit,
at most once per the platform's edit interval (bot/outbox/queue.py, bot/outbox/dispatcher.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

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
    # Published polls' definitions by (community, number), which never change
    # (see access.definition_named).
    definitions: dict[tuple[int, int], PollView] = field(default_factory=dict)
    # Secret ballots waiting to be sealed are unreadable without what this keeps in memory.
    sealer: Sealer = field(default_factory=Sealer)


def _start(runtime: Runtime, settings: PollsSettings) -> PollsState:
    return PollsState(runtime, sealer=Sealer(batch=settings.secret_ballot_batch))


STATE = FeatureState("polls", PollsSettings(), _start)


def state_of(runtime: Runtime) -> PollsState:
    return runtime.state(STATE)


async def results_of(runtime: Runtime, poll_id: int) -> tuple[PollView, Results]:
    def read(session: Session) -> tuple[PollView, Results]:
        view = load(session, poll_id)
        return view, compute(view, tally(session, view))

    return await runtime.read(read)
