"""A poll's card after votes: every vote queues the card's edit in its own transaction (once per
group of writes, however many votes it holds), and the outbox sends it at most once per the
platform's edit interval, across a restart too."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field

import pytest
from sqlmodel import Session, col, func, select

from bot.clock import ManualClock
from bot.core import Moot
from bot.events import Reply
from bot.features import ALL_FEATURES
from bot.polls import service
from bot.polls.ballots import Ballot
from bot.polls.sealing import Sealer
from storage.models import Account
from storage.outbox import DeliveryKind, OutboxEntry
from storage.polls import Poll, Vote
from storage.store import Store
from tests.helpers import RecordingOutlet, Resident, wait_until
from tests.poll_helpers import members, published


@dataclass
class TimedOutlet(RecordingOutlet):
    """Records when (monotonic seconds) each edit reached the platform."""

    edited_at: list[float] = field(default_factory=list)

    async def edit_message(
        self, chat_id: str, message_id: str, reply: Reply, *, thread_id: str | None
    ) -> None:
        self.edited_at.append(time.monotonic())
        await super().edit_message(chat_id, message_id, reply, thread_id=thread_id)


def card_edits(session: Session, poll_id: int) -> int:
    """How many edits of the poll's card were ever queued."""
    return session.exec(
        select(func.count())
        .select_from(OutboxEntry)
        .where(
            OutboxEntry.kind == DeliveryKind.EDIT,
            col(OutboxEntry.live) == f"{service.CARD}:{poll_id}",
        )
    ).one()


async def poll_and_people(moot: Moot, number: int, users: list[str]) -> tuple[int, list[int]]:
    def look(session: Session) -> tuple[int, list[int]]:
        poll = session.exec(select(Poll).where(Poll.number == number)).one()
        people = [
            session.exec(
                select(Account.person_id).where(
                    Account.platform == "console", Account.platform_user_id == user
                )
            ).one()
            for user in users
        ]
        assert poll.id is not None
        return poll.id, [p for p in people if p is not None]

    return await moot.read(look)


async def test_a_votes_card_edit_is_queued_in_the_votes_own_transaction_once_per_group(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    await members(moot, host, "Ann", "Ben", "Cat")
    number = await published(host, "Bins? | Yes | No")
    poll_id, people = await poll_and_people(moot, number, ["ann", "ben", "cat"])
    now, sealer = moot.clock.now(), Sealer()
    before = await moot.read(lambda s: card_edits(s, poll_id))

    def vote_and_look(session: Session) -> int:
        service.cast(session, poll_id, people[0], Ballot(choice=1), now, sealer)
        return card_edits(session, poll_id)  # inside the vote's transaction, before its commit

    assert await moot.write(vote_and_look) == before + 1
    await moot.drain()

    class RefusedError(Exception):
        pass

    def vote_then_fail(session: Session) -> None:
        service.cast(session, poll_id, people[1], Ballot(choice=1), now, sealer)
        raise RefusedError

    with pytest.raises(RefusedError):
        await moot.write(vote_then_fail)
    assert await moot.read(lambda s: card_edits(s, poll_id)) == before + 1  # went with the vote
    assert await moot.read(lambda s: s.get(Vote, (poll_id, people[1]))) is None

    # Three votes committed in one group queue one edit between them.
    def vote(person: int, choice: int) -> Awaitable[service.Cast]:
        return moot.write(
            lambda s: service.cast(s, poll_id, person, Ballot(choice=choice), now, sealer)
        )

    await asyncio.gather(vote(people[0], 2), vote(people[1], 2), vote(people[2], 1))
    assert await moot.read(lambda s: card_edits(s, poll_id)) == before + 2
    await moot.drain()
    assert "1. Yes — 1 vote (33%)" in outlet.edits[-1][2].text
    assert "2. No — 2 votes (67%)" in outlet.edits[-1][2].text

    # A group with a write that fails is redone one write at a time: the edit the failed write
    # queued rolls back with it, and the next vote queues its own.
    failed, counted = await asyncio.gather(
        moot.write(vote_then_fail), vote(people[0], 1), return_exceptions=True
    )
    assert isinstance(failed, RefusedError)
    assert not isinstance(counted, BaseException)
    assert await moot.read(lambda s: card_edits(s, poll_id)) == before + 3
    await moot.drain()
    assert "1. Yes — 2 votes (67%)" in outlet.edits[-1][2].text


INTERVAL = 1.5  # seconds between two edits of one message, as a platform allows
EARLY_BY_AT_MOST = 0.02  # timers' resolution


async def test_votes_edit_the_card_at_most_once_per_interval_across_a_restart(
    database_url: str, clock: ManualClock
) -> None:
    first = Moot(Store(database_url), clock, ALL_FEATURES)
    await first.start()
    outlet = TimedOutlet("console", edit_interval=INTERVAL)
    first.attach(outlet)
    host = Resident(first, "console", "host", "Host", chat_admin=True)
    await host.say("/setup Elm Court")
    voters = await members(first, host, *(f"Voter{n}" for n in range(8)))
    number = await published(host, "Bins? | Yes | No")

    def card_shows(votes: int) -> bool:
        return any(f"1. Yes — {votes} votes" in reply.text for _, _, reply in outlet.edits)

    # A burst: a vote every fifth of the interval, for about the length of two intervals.
    for voter in voters[:6]:
        await voter.press(f"vote 1.{number} 1")
        await asyncio.sleep(INTERVAL / 5)
    await wait_until(lambda: card_shows(6))
    assert len(outlet.edits) <= 3, [reply.text for _, _, reply in outlet.edits]
    gaps = [b - a for a, b in zip(outlet.edited_at, outlet.edited_at[1:], strict=False)]
    assert all(gap >= INTERVAL - EARLY_BY_AT_MOST for gap in gaps), gaps

    # A vote just after an edit, then Moot stops (or dies: its edit is in the store with it).
    last_edit = outlet.edited_at[-1]
    await voters[6].press(f"vote 1.{number} 1")
    await first.stop()
    assert not card_shows(7)

    second = Moot(Store(database_url), clock, ALL_FEATURES)
    await second.start()
    after = TimedOutlet("console", edit_interval=INTERVAL)
    second.attach(after)
    restarted = time.monotonic()
    assert restarted < last_edit + INTERVAL, "the restart took too long to tell anything"
    await Resident(second, "console", "voter7", "Voter7").press(f"vote 1.{number} 1")
    await wait_until(lambda: any("1. Yes — 8 votes" in r.text for _, _, r in after.edits))
    # Not sooner after the last edit before the restart than the platform allows, and the two
    # votes on either side of the restart share one edit.
    assert after.edited_at[0] >= last_edit + INTERVAL - EARLY_BY_AT_MOST
    assert len(after.edits) == 1, [reply.text for _, _, reply in after.edits]
    await second.stop()
