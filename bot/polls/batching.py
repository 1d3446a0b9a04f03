"""The votes of one writer group, checked and written together.

Votes that follow one another in a writer group form a run (storage/writer.py, `Batched`).
Before the first, `VOTES.prepare` reads the state of every (poll, voter) of the run in one go
(storage.votes: one statement per vote on SQLite, one for the run on PostgreSQL). Each vote is
then checked against its state as the run's earlier votes left it, so someone who changes their
mind twice in one group counts once, with their last choice; its row and its change to the
running totals wait. After the last vote, `VOTES.finish` writes every vote row and the totals'
summed changes, sorted by (poll, choice) so that groups in several processes lock the total
rows in one order.

A vote that finds no run prepared (called on its own, or in a group replayed write by write
because one of its writes failed) is a run of one (bot.polls.service.cast)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import cast

from sqlmodel import Session

from storage.votes import Key, VoteRow, VoterState, statements
from storage.writer import Batched

_RUN = "polls.votes"  # the session.info entry holding the run in progress


@dataclass
class _Run:
    states: dict[Key, VoterState]
    votes: dict[Key, VoteRow] = field(default_factory=dict)
    counts: Counter[tuple[int, int]] = field(default_factory=Counter)


class _Votes:
    def prepare(self, session: Session, keys: Sequence[Hashable]) -> None:
        wanted = sorted(set(cast(Sequence[Key], keys)))  # the keys of `vote` below
        states = statements(session).read(session, wanted)
        session.info[_RUN] = _Run(states)

    def finish(self, session: Session) -> None:
        run: _Run = session.info.pop(_RUN)
        counts = sorted((poll, choice, n) for (poll, choice), n in run.counts.items() if n)
        votes = [run.votes[key] for key in sorted(run.votes)]
        statements(session).write(session, votes, counts)


VOTES = _Votes()


def vote(poll_id: int, person_id: int) -> Batched:
    """Marks a write that casts this person's vote in this poll (bot.polls.service.cast)."""
    return Batched(VOTES, (poll_id, person_id))


def running(session: Session) -> bool:
    """Whether a run of votes is prepared in this transaction."""
    return _RUN in session.info


def discard(session: Session) -> None:
    """Forget a run whose vote failed (a run of one), writing nothing."""
    session.info.pop(_RUN, None)


def state(session: Session, poll_id: int, person_id: int) -> VoterState | None:
    """This person's state in this poll as the run's earlier votes left it; None if the poll
    does not exist."""
    run: _Run = session.info[_RUN]
    return run.states.get((poll_id, person_id))


def record(session: Session, vote: VoteRow, counted: bool) -> None:
    """Keep `vote` for the end of the run, replacing the voter's earlier one; with `counted`, move
    the running totals from their earlier choice to this one."""
    run: _Run = session.info[_RUN]
    key = (vote.poll_id, vote.person_id)
    state = run.states[key]
    if counted and state.choice != vote.choice:
        if state.choice is not None:
            run.counts[vote.poll_id, state.choice] -= 1
        if vote.choice is not None:
            run.counts[vote.poll_id, vote.choice] += 1
    run.votes[key] = vote
    state.choice, state.voted = vote.choice, True
