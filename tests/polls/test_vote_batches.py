"""Votes committed in one writer group are read and written together (bot.polls.batching), and
each still counts exactly once: a change of mind within the group, a refused vote beside
accepted ones, a close between votes. Then two stores on one database, as two processes would
have: a close racing votes, and the same people voting through both at once."""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from collections.abc import AsyncIterator, Awaitable
from datetime import datetime
from typing import Protocol, TypeVar

import pytest
from sqlmodel import Session, func, select

from bot.clock import ManualClock
from bot.core import Moot
from bot.errors import UserError
from bot.polls import batching, service
from bot.polls.ballots import Ballot
from bot.polls.sealing import Sealer
from storage.models import Account
from storage.polls import Poll, PollCount, PollStatus, Vote
from storage.store import Store
from storage.writer import Batched, WriteOp
from tests.helpers import RecordingOutlet, Resident
from tests.poll_helpers import members, published

T = TypeVar("T")


class Writes(Protocol):
    async def write(self, op: WriteOp[T], *, batched: Batched | None = None) -> T: ...


class Voting:
    """Votes in one poll, marked as the vote command marks them, and its close, through one
    store (or Moot)."""

    def __init__(self, store: Writes, poll_id: int, now: datetime) -> None:
        self.store, self.poll_id, self.now, self.sealer = store, poll_id, now, Sealer()

    def vote(self, person: int, choice: int) -> Awaitable[service.Cast]:
        poll_id, now, sealer = self.poll_id, self.now, self.sealer
        return self.store.write(
            lambda s: service.cast(s, poll_id, person, Ballot(choice=choice), now, sealer),
            batched=batching.vote(poll_id, person),
        )

    def close(self) -> Awaitable[bool]:
        poll_id, now, sealer = self.poll_id, self.now, self.sealer
        return self.store.write(lambda s: service.close(s, poll_id, None, now, sealer))


async def person_ids(moot: Moot, residents: list[Resident]) -> list[int]:
    def look(session: Session) -> list[int]:
        return [
            session.exec(
                select(Account.person_id).where(
                    Account.platform == "console", Account.platform_user_id == r.user_id
                )
            ).one()
            for r in residents
        ]

    return await moot.read(look)


async def open_poll(moot: Moot, host: Resident, voters: int) -> tuple[int, list[int]]:
    """An open poll (Yes | No | Later) and the person ids of `voters` members."""
    residents = await members(moot, host, *(f"Voter{n}" for n in range(voters)))
    number = await published(host, "Paint the hall? | Yes | No | Later")
    poll_id = await moot.read(lambda s: s.exec(select(Poll.id).where(Poll.number == number)).one())
    assert poll_id is not None
    return poll_id, await person_ids(moot, residents)


def totals_and_rows(session: Session, poll_id: int) -> tuple[dict[int, int], dict[int, int]]:
    """The running totals, and the vote rows counted afresh."""
    totals = session.exec(select(PollCount).where(PollCount.poll_id == poll_id))
    rows = session.exec(
        select(Vote.choice, func.count()).where(Vote.poll_id == poll_id).group_by(Vote.choice)  # type: ignore[arg-type]
    )
    return (
        {c.choice: c.votes for c in totals if c.votes},
        {choice: n for choice, n in rows if choice is not None},
    )


def frozen(session: Session, poll_id: int) -> dict[int, int]:
    """A closed poll's counts as frozen at the close (what its results show from then on)."""
    poll = session.get_one(Poll, poll_id)
    assert poll.status == PollStatus.CLOSED
    assert poll.final_tally is not None
    return {choice: n for choice, n in json.loads(poll.final_tally)["counts"] if n}


async def test_a_change_of_mind_within_one_group_counts_once_with_the_last_choice(
    moot: Moot, community: str, host: Resident
) -> None:
    poll_id, (ann, ben, cat) = await open_poll(moot, host, 3)
    voting = Voting(moot, poll_id, moot.clock.now())
    groups = moot.store.writer.groups_committed
    casts = await asyncio.gather(
        voting.vote(ann, 1), voting.vote(ben, 2), voting.vote(ann, 2), voting.vote(cat, 1)
    )
    assert moot.store.writer.groups_committed == groups + 1  # one group
    assert [c.first for c in casts] == [True, True, False, True]
    totals, rows = await moot.read(lambda s: totals_and_rows(s, poll_id))
    assert totals == rows == {1: 1, 2: 2}

    # Back and forth within the next group, starting from a vote already stored.
    again = await asyncio.gather(voting.vote(ann, 3), voting.vote(ann, 1), voting.vote(ann, 3))
    assert [c.first for c in again] == [False, False, False]
    totals, rows = await moot.read(lambda s: totals_and_rows(s, poll_id))
    assert totals == rows == {1: 1, 2: 1, 3: 1}


async def test_a_refused_vote_in_a_group_leaves_the_others_counted(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    poll_id, (ann, ben, cat) = await open_poll(moot, host, 3)
    outsider = Resident(moot, "console", "eve", "Eve")
    await outsider.say("/help")  # known to Moot, not a member
    (eve,) = await person_ids(moot, [outsider])
    voting = Voting(moot, poll_id, moot.clock.now())
    outcomes = await asyncio.gather(
        voting.vote(ann, 1),
        voting.vote(eve, 2),
        voting.vote(ben, 2),
        voting.vote(ann, 3),
        voting.vote(cat, 3),
        return_exceptions=True,
    )
    refused, accepted = outcomes[1], [outcomes[0], *outcomes[2:]]
    assert isinstance(refused, UserError)
    assert "Only members" in str(refused)
    assert [o.first for o in accepted if isinstance(o, service.Cast)] == [True, True, False, True]
    totals, rows = await moot.read(lambda s: totals_and_rows(s, poll_id))
    assert totals == rows == {2: 1, 3: 2}


async def test_a_close_between_votes_of_one_group_counts_the_votes_before_it_only(
    moot: Moot, community: str, host: Resident
) -> None:
    poll_id, (ann, ben, cat) = await open_poll(moot, host, 3)
    voting = Voting(moot, poll_id, moot.clock.now())
    groups = moot.store.writer.groups_committed
    outcomes = await asyncio.gather(
        voting.vote(ann, 1),
        voting.vote(ben, 1),
        voting.close(),
        voting.vote(cat, 2),
        voting.vote(ann, 2),
        return_exceptions=True,
    )
    # The votes after the close form a group of their own: a group holds one run of votes, so
    # that it changes the running totals in one order (storage/writer.py, `_second_run`).
    assert moot.store.writer.groups_committed == groups + 2
    assert [type(o) for o in outcomes[:3]] == [service.Cast, service.Cast, bool]
    for late in outcomes[3:]:
        assert isinstance(late, UserError)
        assert "has closed" in str(late)
    totals, rows = await moot.read(lambda s: totals_and_rows(s, poll_id))
    assert await moot.read(lambda s: frozen(s, poll_id)) == totals == rows == {1: 2}


@pytest.fixture
async def two_stores(moot: Moot) -> AsyncIterator[tuple[Store, Store]]:
    """Two more stores on Moot's database, each with its own writer, as two processes have."""
    stores = Store(moot.store.url), Store(moot.store.url)
    for store in stores:
        store.start()
    yield stores
    for store in stores:
        await store.close()


async def test_a_close_racing_votes_from_another_store_freezes_every_vote_counted_before_it(
    moot: Moot, community: str, host: Resident, clock: ManualClock, two_stores: tuple[Store, Store]
) -> None:
    poll_id, people = await open_poll(moot, host, 12)
    voting, closing = (Voting(store, poll_id, clock.now()) for store in two_stores)
    counted: dict[int, int] = {}  # each person's last vote that was acknowledged
    refusals: list[str] = []

    async def keep_voting(person: int) -> None:
        rng = random.Random(person)
        while True:
            choice = rng.randint(1, 3)
            try:
                await voting.vote(person, choice)
            except UserError as refused:
                refusals.append(str(refused))
                return
            counted[person] = choice

    async def close_meanwhile() -> bool:
        await asyncio.sleep(0.2)
        return await closing.close()

    *_, closed = await asyncio.gather(*map(keep_voting, people), close_meanwhile())
    assert closed is True
    assert len(refusals) == len(people)
    assert all("has closed" in refusal for refusal in refusals)
    totals, rows = await moot.read(lambda s: totals_and_rows(s, poll_id))
    assert totals == rows == dict(Counter(counted.values()))
    assert await moot.read(lambda s: frozen(s, poll_id)) == rows  # nothing counted after the close


async def test_the_same_people_voting_through_two_stores_at_once_count_once_each(
    moot: Moot, community: str, host: Resident, clock: ManualClock, two_stores: tuple[Store, Store]
) -> None:
    poll_id, people = await open_poll(moot, host, 4)
    votings = [Voting(store, poll_id, clock.now()) for store in two_stores]

    async def vote_often(seed: int) -> None:
        rng = random.Random(seed)
        voting = votings[seed % 2]
        for _ in range(40):
            await voting.vote(rng.choice(people), rng.randint(1, 3))

    await asyncio.gather(*map(vote_often, range(16)))
    totals, rows = await moot.read(lambda s: totals_and_rows(s, poll_id))
    assert totals == rows
    assert sum(rows.values()) == len(people)
