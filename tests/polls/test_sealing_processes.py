"""Secret ballots with several Moot processes on one PostgreSQL database (bot/polls/sealing.py):
a ballot cast on any process is held encrypted to the key of the one process that seals, which
seals it in batches, closes the poll whoever asks, and when it dies, exactly the ballots it held
are reported to their voters. Two cores on one database stand in for two processes."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import text

from bot.clock import ManualClock
from bot.core import Moot
from bot.features import ALL_FEATURES
from bot.leases import SCHEDULER
from bot.polls.live import PollsSettings
from storage.store import Store
from tests.helpers import RecordingOutlet, Resident, texts
from tests.poll_helpers import members, published

K = 2  # ballots sealed together
SHORT, RENEW = 1.2, 0.3  # seconds a lease runs and is renewed in these tests (15 and 5)


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


async def cast(voter: Resident, poll: int, choice: int) -> None:
    await voter.privately(f"/vote {poll} {choice}")
    assert "is cast" in texts(await voter.press(f"cast {poll}"))


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
        await other.stop()
        await sealer.stop()


async def test_when_the_sealer_dies_only_the_ballots_it_held_are_cast_again(
    postgres_url: str, clock: ManualClock
) -> None:
    sealer, _ = await started(postgres_url, clock)
    other, outlet = await started(postgres_url, clock)
    stopped = False
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
        await sealer.stop()  # its key dies with it (a kill -9 only takes longer to notice)
        stopped = True
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
        await other.stop()
        if not stopped:
            await sealer.stop()
