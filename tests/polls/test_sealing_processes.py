"""Secret ballots with several Moot processes on one PostgreSQL database (bot/polls/sealing.py):
a ballot cast on any process is held encrypted to the key of the one process that seals, which
seals it in batches, closes the poll whoever asks, and when it dies, exactly the ballots it held
are reported to their voters; when it stops cleanly it hands them over to the next sealer, and
none is reported. Two cores on one database stand in for two processes."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import text

from bot.clock import ManualClock
from bot.core import Moot
from bot.features import ALL_FEATURES
from bot.leases import HANDOVER, SCHEDULER
from bot.polls.jobs import hand_over_ballots
from bot.polls.live import PollsSettings
from storage.leases import holders
from storage.store import Store
from tests.helpers import RecordingOutlet, Resident, texts
from tests.poll_helpers import cast_secretly, members, published
from tests.polls.ballot_copies import Copy, PostgresCopier
from tests.polls.test_secret_ballots import (
    Links,
    assert_batches_say_no_more_than_their_keys,
    linked_by_changes,
    linked_by_row_headers,
)

K = 2  # ballots sealed together
SHORT, RENEW = 1.2, 0.3  # seconds a lease runs and is renewed in these tests (12 and 3)


async def started(url: str, clock: ManualClock) -> tuple[Moot, RecordingOutlet]:
    moot = Moot(Store(url), clock, ALL_FEATURES, settings=[PollsSettings(secret_ballot_batch=K)])
    moot.leases.seconds, moot.leases.renew_every = SHORT, RENEW
    outlet = RecordingOutlet("console")
    moot.attach(outlet)
    await moot.start()
    return moot, outlet


async def counted(moot: Moot, statement: str) -> int:
    return int(await moot.read(lambda s: s.execute(text(statement)).scalar_one()))


async def comes_to(moot: Moot, statement: str, expected: int, within: float = 5) -> None:
    """Wait until `statement` counts `expected` (work another process does shortly)."""
    started = time.monotonic()
    while (found := await counted(moot, statement)) != expected:
        assert time.monotonic() - started < within, f"{statement}: {found}, not {expected}"
        await asyncio.sleep(0.05)


async def told(outlet: RecordingOutlet, user_id: str, within: float = 5) -> list[str]:
    started = time.monotonic()
    while not outlet.dms_to(user_id):
        if time.monotonic() - started > within:
            return []
        await asyncio.sleep(0.05)
    return outlet.dms_to(user_id)


SEALED = "SELECT count(*) FROM secretballot"
HELD = "SELECT count(*) FROM voterroll WHERE held IS NOT NULL"


async def cast(voter: Resident, poll: int, choice: int | str) -> None:
    assert "is cast" in texts(await cast_secretly(voter, poll, choice))


async def dies(moot: Moot) -> None:
    """What the other processes see of a kill -9: it sends nothing more and stops renewing its
    roles, which run out; it gives nothing up and hands nothing over."""
    await moot.detach("console")  # gives its outbox role up: nothing to send went unsent
    moot.leases.abandon(SCHEDULER)


LOST = "so it was lost"


async def test_ballots_cast_on_another_process_are_sealed_by_the_sealer_and_counted_once(
    postgres_url: str, clock: ManualClock
) -> None:
    sealer, _ = await started(postgres_url, clock)
    other, _ = await started(postgres_url, clock)
    try:
        assert sealer.leases.holds(SCHEDULER)
        assert not other.leases.holds(SCHEDULER)
        host = Resident(other, "console", "host", "Host", chat_admin=True)
        await host.say("/setup Elm Court")
        voters = await members(other, host, "Ann", "Bea", "Cal", "Dan", "Eve")
        poll = await published(host, "Chair? | Oak | Elm | secret | ballot | closes: in 3 days")
        for voter, choice in zip(voters, (1, 1, 2, 1, 2), strict=True):
            await cast(voter, poll, choice)
        # Two batches waited after the fourth: the sealer sealed the oldest one, at once.
        await comes_to(other, SEALED, K)
        assert await counted(other, HELD) == 3
        closing = texts(await host.say(f"/close {poll}"))
        assert closing == f"Poll #{poll} is closing; its results go where it ran in a moment."
        await comes_to(other, HELD, 0)
        result = texts(await host.say(f"/results {poll}"))
        assert "Winner: Oak" in result
        assert "5 of 6" in result  # the host is a member who did not vote
        assert await counted(other, SEALED) == 5
    finally:
        await sealer.stop()  # gone first, as a killed process is: nobody waits for it
        await other.stop()


async def test_when_the_sealer_dies_only_the_ballots_it_held_are_cast_again(
    postgres_url: str, clock: ManualClock
) -> None:
    sealer, _ = await started(postgres_url, clock)
    other, outlet = await started(postgres_url, clock)
    try:
        host = Resident(other, "console", "host", "Host", chat_admin=True)
        await host.say("/setup Elm Court")
        names = ("Ann", "Bea", "Cal", "Dan", "Eve", "Fay")
        ann, bea, cal, dan, eve, fay = await members(other, host, *names)
        poll = await published(host, "Chair? | Oak | Elm | secret | ballot | closes: in 3 days")
        for voter in (ann, bea, cal, dan):
            await cast(voter, poll, 1)
        await comes_to(other, SEALED, K)  # Ann's and Bea's, sealed together
        await cast(eve, poll, 2)  # Cal, Dan and Eve wait, for the sealer's key
        await dies(sealer)  # its key dies with it
        for lost in ("cal", "dan", "eve"):
            (news,) = await told(outlet, lost)
            assert f"Please cast it again: /vote {poll}" in news
        for kept in ("ann", "bea"):
            assert await told(outlet, kept, within=0.5) == []
        assert other.leases.holds(SCHEDULER)  # it seals now
        assert await counted(other, HELD) == 0
        await cast(cal, poll, 2)
        await cast(fay, poll, 2)
        closed = texts(await host.say(f"/close {poll}"))
        assert closed.startswith(f"Poll #{poll} is closed; its results are going where it ran.")
        result = texts(await host.say(f"/results {poll}"))
        assert "Oak — 2 votes" in result  # Ann's and Bea's, sealed before the sealer died
        assert "Elm — 2 votes" in result  # Cal's again, and Fay's
        assert "Turnout: 4 of 7" in result
    finally:
        await sealer.stop()  # gone first, as a killed process is: nobody waits for it
        await other.stop()


def whose(copy: Copy, rankings: dict[int, str]) -> dict[int, str]:
    """Each voter (person id) -> the key of their sealed ballot in `copy`."""
    key_of = {marks: key for key, marks in copy.ballots.items()}
    return {person: key_of[marks] for person, marks in rankings.items()}


async def test_a_sealer_that_stops_cleanly_hands_its_ballots_over_and_none_is_cast_again(
    postgres_url: str, clock: ManualClock
) -> None:
    sealer, sealer_outlet = await started(postgres_url, clock)
    other, outlet = await started(postgres_url, clock)
    copier = PostgresCopier(postgres_url)
    stopped = False
    try:
        host = Resident(other, "console", "host", "Host", chat_admin=True)
        await host.say("/setup Elm Court")
        names = [f"Voter{n}" for n in range(8)]
        voters = await members(other, host, *names)
        poll = await published(
            host, "Chair? | Ann | Raj | Sue | Tom | kind: ranked | secret | ballot"
        )
        rankings = ["1,2,3,4", "2,1,3,4", "3,1,2,4", "4,1,2,3", "1,3,2,4", "2,3,1,4", "3,2,1,4"]
        rankings.append("4,2,1,3")
        copies = [copier.take("start")]
        # Five cast through either process: two sealed, three held for the sealer's key.
        for n, voter in enumerate(voters[:5]):
            on = voter if n % 2 else Resident(sealer, "console", voter.user_id, voter.name)
            await cast(on, poll, rankings[n].replace(",", " "))
            copies.append(copier.take(f"cast-{n}"))
        await comes_to(other, HELD, 3)

        # A rolling restart: the sealer stops while the last three vote on the other process.
        stopping = asyncio.create_task(sealer.stop())
        for n, voter in enumerate(voters[5:], start=5):
            await cast(voter, poll, rankings[n].replace(",", " "))  # none is refused
            copies.append(copier.take(f"cast-{n}"))
        await stopping
        stopped = True
        copies.append(copier.take("stopped"))
        assert other.leases.holds(SCHEDULER)  # it seals now
        roles = await other.read(holders)
        assert not any(r.live(time.time()) for r in roles if r.role == HANDOVER)

        closed = texts(await host.say(f"/close {poll}"))
        assert closed.startswith(f"Poll #{poll} is closed; its results are going where it ran.")
        final = copier.take("closed")
        await other.drain()
        # Every ballot counted once, and nobody was asked to cast again.
        assert sorted(final.ballots.values()) == sorted(rankings)
        assert "Turnout: 8 of 9" in texts(await host.say(f"/results {poll}"))
        for told_anything in (outlet, sealer_outlet):
            assert not any(LOST in reply.text for _, reply in told_anything.directs)

        # The copy attack, across the handover: no ballot linked to fewer than k voters.
        people = await other.read(
            lambda s: dict(
                s.execute(
                    text(
                        "SELECT platform_user_id, person_id FROM account WHERE platform = 'console'"
                    )
                ).all()
            )
        )
        truth = whose(final, {people[v.user_id]: r for v, r in zip(voters, rankings, strict=True)})
        everything = [*copies, final]
        attacks: list[Links] = [linked_by_changes(everything), linked_by_row_headers(everything)]
        for links in attacks:
            for person, key in truth.items():
                assert key in links[person]
                assert len(links[person]) >= K, "a ballot linked to fewer than k voters"
        assert_batches_say_no_more_than_their_keys(copies)
    finally:
        copier.close()
        await other.stop()
        if not stopped:
            await sealer.stop()


async def test_a_sealer_alone_on_the_database_stops_at_once_and_its_ballots_are_cast_again(
    postgres_url: str, clock: ManualClock
) -> None:
    sealer, _ = await started(postgres_url, clock)
    host = Resident(sealer, "console", "host", "Host", chat_admin=True)
    await host.say("/setup Elm Court")
    ann, _ = await members(sealer, host, "Ann", "Bea")
    poll = await published(host, "Chair? | Oak | Elm | secret | ballot | closes: in 3 days")
    await cast(ann, poll, 1)
    began = time.monotonic()
    await sealer.stop()  # nobody to hand over to: it does not wait for one
    assert time.monotonic() - began < sealer.hand_over_within / 2
    later, outlet = await started(postgres_url, clock)
    try:
        (news,) = await told(outlet, "ann")
        assert f"Please cast it again: /vote {poll}" in news
        assert await told(outlet, "bea", within=0.5) == []
    finally:
        await later.stop()


async def gives_sealing_up(moot: Moot) -> None:
    """The first steps of a clean stop with others on the database (bot/core.py `_hand_over`),
    taken by hand so that a test can act between them."""
    assert await moot.leases.acquire(HANDOVER)
    await moot.leases.release(SCHEDULER)


async def test_a_ballot_cast_before_the_next_sealer_takes_over_is_handed_over_too(
    postgres_url: str, clock: ManualClock
) -> None:
    sealer, sealer_outlet = await started(postgres_url, clock)
    host = Resident(sealer, "console", "host", "Host", chat_admin=True)
    await host.say("/setup Elm Court")
    ann, bea, cal = await members(sealer, host, "Ann", "Bea", "Cal")
    poll = await published(host, "Chair? | Oak | Elm | secret | ballot | closes: in 3 days")
    await cast(ann, poll, 1)
    await gives_sealing_up(sealer)
    await cast(bea, poll, 2)  # nobody holds the scheduler's role: held for the old key still
    successor, outlet = await started(postgres_url, clock)
    try:
        assert successor.leases.holds(SCHEDULER)
        await hand_over_ballots(sealer, 5)
        await sealer.leases.release(HANDOVER)
        await cast(cal, poll, 2)
        host = Resident(successor, "console", "host", "Host", chat_admin=True)
        closed = texts(await host.say(f"/close {poll}"))
        assert closed.startswith(f"Poll #{poll} is closed")
        result = texts(await host.say(f"/results {poll}"))
        assert "Oak — 1 vote" in result
        assert "Elm — 2 votes" in result
        await successor.drain()
        for told_anything in (outlet, sealer_outlet):
            assert not any(LOST in reply.text for _, reply in told_anything.directs)
    finally:
        await sealer.stop()
        await successor.stop()


async def test_when_a_sealer_dies_handing_over_its_ballots_are_cast_again(
    postgres_url: str, clock: ManualClock
) -> None:
    sealer, _ = await started(postgres_url, clock)
    host = Resident(sealer, "console", "host", "Host", chat_admin=True)
    await host.say("/setup Elm Court")
    ann, bea = await members(sealer, host, "Ann", "Bea")
    poll = await published(host, "Chair? | Oak | Elm | secret | ballot | closes: in 3 days")
    await cast(ann, poll, 1)
    await gives_sealing_up(sealer)
    successor, outlet = await started(postgres_url, clock)
    try:
        assert successor.leases.holds(SCHEDULER)
        await asyncio.sleep(SHORT / 2)
        assert await told(outlet, "ann", within=0.1) == []  # it may yet be handed over
        await dies(sealer)
        sealer.leases.abandon(HANDOVER)  # its handover runs out: Ann's ballot is lost
        (news,) = await told(outlet, "ann")
        assert f"Please cast it again: /vote {poll}" in news
        assert await counted(successor, HELD) == 0
        bea = Resident(successor, "console", "bea", "Bea")
        await cast(bea, poll, 2)
        assert await told(outlet, "bea", within=0.5) == []
    finally:
        await sealer.stop()
        await successor.stop()
