"""Roles with one owner at a time among several Moot processes on one database (bot/leases.py):
the outbox of a platform is sent by one process only, and another takes over when it stops or
goes silent. Two cores on one database stand in for two processes (each has its own store,
connections and holder name, as a process would)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from types import SimpleNamespace

from sqlmodel import Session

from bot.clock import ManualClock
from bot.core import Moot
from bot.features import ALL_FEATURES
from bot.leases import SCHEDULER, outbox_role
from bot.scheduler import schedule
from storage import leases
from storage.store import Store
from tests.helpers import RecordingOutlet, post_now

SHORT = 1.2  # seconds a lease runs in these tests (12 in service)
RENEW = 0.3


async def _never(_op: object) -> None:
    await asyncio.Event().wait()


STALLED = SimpleNamespace(writer=SimpleNamespace(write=_never))


@asynccontextmanager
async def process(url: str, clock: ManualClock) -> AsyncIterator[Moot]:
    moot = Moot(Store(url), clock, ALL_FEATURES)
    moot.leases.seconds, moot.leases.renew_every = SHORT, RENEW
    moot.hand_over_within = 0.0  # these tests are not about secret ballots: no handover wait
    moot.leases.sole = (
        False  # two processes, as only PostgreSQL allows (SQLite serves for the test)
    )
    await moot.start()
    try:
        yield moot
    finally:
        await moot.stop()


def sent(*outlets: RecordingOutlet) -> list[str]:
    return sorted(reply.text for outlet in outlets for _, reply in outlet.chats)


async def until(condition: Callable[[], bool], within: float) -> float:
    """Seconds until `condition` held; fails after `within`."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < within, "did not happen in time"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def test_a_lease_is_one_holders_until_it_runs_out_and_each_taking_raises_its_epoch(
    database_url: str,
) -> None:
    store = Store(database_url)
    store.start()
    try:
        write = store.writer.write
        first = await write(lambda s: leases.take(s, "scheduler", "a", 100.0, 15))
        assert first is not None
        assert first.epoch == 1
        assert await write(lambda s: leases.take(s, "scheduler", "b", 110.0, 15)) is None
        again = await write(lambda s: leases.take(s, "scheduler", "a", 110.0, 15))
        assert again == first  # taking what one holds renews it at the same epoch
        assert await write(lambda s: leases.renew(s, first, 120.0, 15))  # now until 135
        assert await write(lambda s: leases.take(s, "scheduler", "b", 130.0, 15)) is None
        taken = await write(lambda s: leases.take(s, "scheduler", "b", 135.0, 15))
        assert taken is not None
        assert taken.epoch == 2
        # The old holder finds out at its next renewal.
        assert not await write(lambda s: leases.renew(s, first, 136.0, 15))
        assert await write(lambda s: leases.renew(s, taken, 136.0, 15))
        await write(lambda s: leases.release(s, taken, 140.0))
        assert not await write(lambda s: leases.renew(s, taken, 140.0, 15))  # given up
        after = await write(lambda s: leases.take(s, "scheduler", "a", 140.0, 15))
        assert after is not None
        assert after.epoch == 3
        # A process that knows the holder died (SQLite's file lock) takes over at once.
        forced = await write(lambda s: leases.take(s, "scheduler", "c", 141.0, 15, force=True))
        assert forced is not None
        assert forced.epoch == 4
    finally:
        await store.close()


async def test_only_one_process_sends_the_outbox_and_another_takes_over_when_it_stops(
    database_url: str, clock: ManualClock
) -> None:
    staying_outlet, leaving_outlet = RecordingOutlet("console"), RecordingOutlet("console")
    async with process(database_url, clock) as staying:
        assert staying.leases.holds(SCHEDULER)  # the first to start schedules
        async with process(database_url, clock) as leaving:
            assert not leaving.leases.holds(SCHEDULER)
            leaving.attach(leaving_outlet)
            await until(lambda: leaving.leases.holds(outbox_role("console")), 2)
            staying.attach(staying_outlet)
            await staying.write(post_now(staying, "Poll #1 is open"))
            await leaving.write(post_now(leaving, "Meeting #1 moved"))
            await until(lambda: len(sent(staying_outlet, leaving_outlet)) == 2, 5)
            await staying.drain()
            await leaving.drain()
            assert sent(leaving_outlet) == ["Meeting #1 moved", "Poll #1 is open"]
            assert sent(staying_outlet) == []
        # It stopped and gave its roles up: the other takes them at its next try.
        await staying.write(post_now(staying, "Reminder: AGM tomorrow"))
        took = await until(lambda: sent(staying_outlet) == ["Reminder: AGM tomorrow"], 3)
        assert took <= 2 * RENEW
        assert sent(leaving_outlet) == ["Meeting #1 moved", "Poll #1 is open"]


async def test_a_holder_that_goes_silent_stops_sending_before_another_takes_over(
    database_url: str, clock: ManualClock
) -> None:
    first_outlet, second_outlet = RecordingOutlet("console"), RecordingOutlet("console")
    async with process(database_url, clock) as first, process(database_url, clock) as second:
        first.attach(first_outlet)
        await until(lambda: first.leases.holds(outbox_role("console")), 2)
        second.attach(second_outlet)
        epoch = first.leases.held(outbox_role("console"))
        assert epoch is not None
        # The first process can no longer reach the lease table (a lost network, a stalled
        # connection): its renewals and tries hang, while the rest of it carries on.
        store = first.leases._store
        first.leases._store = STALLED  # type: ignore[assignment]
        await until(lambda: not first.leases.holds(outbox_role("console")), SHORT)
        await first.write(post_now(first, "Poll #2 is open"))
        took = await until(lambda: sent(second_outlet) == ["Poll #2 is open"], 3 * SHORT)
        assert took <= 2 * SHORT  # within the lease's length and one try, as 12 s + 3 s are
        taken = second.leases.held(outbox_role("console"))
        assert taken is not None
        assert taken.epoch == epoch.epoch + 1
        assert sent(first_outlet) == []
        first.leases._store = store  # for a clean stop


async def test_work_queued_by_another_process_goes_out_from_the_holder_at_once(
    postgres_url: str, clock: ManualClock
) -> None:
    """PostgreSQL: the holder hears of what another process queued or scheduled (LISTEN/NOTIFY)
    rather than finding it at its next look, half a minute or five minutes later."""
    ran: list[tuple[str, object]] = []

    async def ping(_runtime: object, payload: Mapping[str, object]) -> None:
        ran.append(("ping", payload["n"]))

    holder_outlet, other_outlet = RecordingOutlet("console"), RecordingOutlet("console")
    async with process(postgres_url, clock) as holder, process(postgres_url, clock) as other:
        for moot in (holder, other):
            moot.scheduler.register("test.ping", ping)
        holder.attach(holder_outlet)
        await until(lambda: holder.leases.holds(outbox_role("console")), 2)
        other.attach(other_outlet)
        assert holder.leases.holds(SCHEDULER)
        await asyncio.sleep(0.2)  # both dispatchers have looked and found nothing
        await other.write(post_now(other, "Poll #3 is open"))
        took = await until(lambda: sent(holder_outlet) == ["Poll #3 is open"], 5)
        assert took < 1.0

        def plan(session: Session) -> None:
            schedule(session, "test.ping", clock.now(), {"n": 1})

        await other.write(plan)
        took = await until(lambda: ran == [("ping", 1)], 5)
        assert took < 1.0
        assert sent(other_outlet) == []
