"""The interface both stores' vote statements implement (see storage.votes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from sqlmodel import Session

Key = tuple[int, int]  # (poll, person)


@dataclass(slots=True)
class VoterState:
    """What a vote is checked against: its poll, and its voter in that poll (kept up to date
    by the votes of a run: bot.polls.batching)."""

    status: str
    secret: bool
    electorate: str
    electorate_role: str | None
    closes_at: Any  # as stored: read it with storage.types.stored_to_aware
    kind: str
    number: int
    role: str | None  # the voter's membership role and status, None if not a member
    standing: str | None
    choice: int | None  # the choice of their current (open) vote
    voted: bool  # they have a current (open) vote
    on_paper: bool  # marked as voting on paper
    on_register: bool  # on the register fixed when the poll opened (PollElector)


class VoteRow(NamedTuple):
    poll_id: int
    person_id: int
    choice: int | None
    marks: str | None
    cast_at: str  # storage.types.stored_moment


class VoteStatements(Protocol):
    def read(self, session: Session, keys: Sequence[Key]) -> dict[Key, VoterState]:
        """The state of each (poll, person) in `keys` (distinct, sorted); a key whose poll does
        not exist is left out. Holds whatever the store needs held until the commit for the
        checks made against these states to stay true."""

    def write(
        self, session: Session, votes: Sequence[VoteRow], counts: Sequence[tuple[int, int, int]]
    ) -> None:
        """Store `votes` (one per key, sorted), replacing earlier ones, and add each
        (poll, choice, change) in `counts` (sorted) to the running totals."""
