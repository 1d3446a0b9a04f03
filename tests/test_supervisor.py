"""One platform failing never stops the others; a failed adapter comes back with backoff; stopping
sends what it can before disconnecting, and keeps the rest for the next start."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest

from adapters.base import supervise
from bot.clock import ManualClock
from bot.core import Moot
from bot.events import DirectAddress, Reply
from bot.feature import Feature
from bot.features import ALL_FEATURES
from bot.runtime import Runtime
from bot.scheduler import schedule
from moot import app
from moot.app import serve
from storage.store import Store
from tests.helpers import post_now, wait_until


class FlakyAdapter:
    """Fails the first `failures` times it is run, then serves until cancelled."""

    platform = "flaky"

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.starts = 0
        self.serving = asyncio.Event()

    async def run(self, moot: Moot) -> None:
        self.starts += 1
        if self.starts <= self.failures:
            raise ConnectionError("platform unreachable")
        self.serving.set()
        await asyncio.Event().wait()

    async def stop_receiving(self) -> None:
        """Nothing to stop."""


class SteadyAdapter:
    platform = "steady"

    def __init__(self) -> None:
        self.ticks = 0

    async def run(self, moot: Moot) -> None:
        while True:
            self.ticks += 1
            await asyncio.sleep(0.01)

    async def stop_receiving(self) -> None:
        """Nothing to stop."""


async def test_a_failing_adapter_reconnects_while_the_others_go_on(moot: Moot) -> None:
    flaky, steady = FlakyAdapter(failures=3), SteadyAdapter()
    tasks = [
        asyncio.create_task(supervise(flaky, moot, first_retry=0.01)),
        asyncio.create_task(supervise(steady, moot, first_retry=0.01)),
    ]
    await asyncio.wait_for(flaky.serving.wait(), timeout=5)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert flaky.starts == 4
    assert steady.ticks > 3


class PlatformStub:
    """An adapter and outlet in one, that records the order things happen in at shutdown.
    Sends take `send_seconds`; `None` means a send never finishes (a platform that hangs)."""

    platform = "stub"
    edit_interval = 0.0

    def __init__(self, send_seconds: float | None) -> None:
        self.send_seconds = send_seconds
        self.happened: list[str] = []
        self.attached = asyncio.Event()

    async def run(self, moot: Moot) -> None:
        moot.attach(self)
        self.attached.set()
        try:
            await asyncio.Event().wait()
        finally:
            self.happened.append("disconnected")
            await moot.detach(self.platform)

    async def stop_receiving(self) -> None:
        self.happened.append("stopped receiving")

    async def send_to_chat(
        self, chat_id: str, reply: Reply, *, thread_id: str | None, key: str
    ) -> str:
        if self.send_seconds is None:
            await asyncio.Event().wait()
        await asyncio.sleep(self.send_seconds or 0)
        self.happened.append(f"sent {reply.text}")
        return "1"

    async def edit_message(
        self, chat_id: str, message_id: str, reply: Reply, *, thread_id: str | None
    ) -> None:
        raise AssertionError("no edits here")

    async def send_direct(self, address: DirectAddress, reply: Reply, *, key: str) -> str:
        raise AssertionError("no direct messages here")


async def test_stopping_sends_what_is_under_way_before_disconnecting(moot: Moot) -> None:
    stub = PlatformStub(send_seconds=0.3)
    serving = asyncio.create_task(serve(moot, [stub]))
    await stub.attached.wait()
    await moot.write(post_now(moot, "Poll #1 is open", platform="stub", chat_id="c1"))
    serving.cancel()
    await asyncio.gather(serving, return_exceptions=True)
    assert stub.happened == ["stopped receiving", "sent Poll #1 is open", "disconnected"]


async def test_what_could_not_be_sent_by_the_deadline_goes_at_the_next_start(
    moot: Moot, database_url: str, clock: ManualClock
) -> None:
    hanging = PlatformStub(send_seconds=None)
    moot.flush_within = 0.5
    serving = asyncio.create_task(serve(moot, [hanging]))
    await hanging.attached.wait()
    await moot.write(post_now(moot, "Results of poll #1", platform="stub", chat_id="c1"))
    started = asyncio.get_running_loop().time()
    serving.cancel()
    await asyncio.gather(serving, return_exceptions=True)
    assert asyncio.get_running_loop().time() - started < 2
    assert "sent Results of poll #1" not in hanging.happened

    restarted = Moot(Store(database_url), clock, ALL_FEATURES)
    await restarted.start()
    working = PlatformStub(send_seconds=0)
    restarted.attach(working)
    await restarted.drain()
    await restarted.stop()
    assert working.happened == ["sent Results of poll #1"]


class LateStub(PlatformStub):
    """Connects a moment after it is started; `attach_after` None: never connects."""

    def __init__(self, attach_after: float | None, happened: list[str]) -> None:
        super().__init__(send_seconds=0)
        self.attach_after = attach_after
        self.happened = happened

    async def run(self, moot: Moot) -> None:
        if self.attach_after is None:
            await asyncio.Event().wait()
        await asyncio.sleep(self.attach_after or 0)
        self.happened.append("connected")
        await super().run(moot)


async def probing_moot(database_url: str, clock: ManualClock, happened: list[str]) -> Moot:
    """A Moot whose one job, already overdue at start-up, records when it runs."""

    async def probe(runtime: Runtime, payload: Mapping[str, Any]) -> None:
        happened.append("overdue job ran")

    moot = Moot(Store(database_url), clock, [Feature("probe", (), jobs={"probe": probe})])
    await moot.start(catch_up=False)
    await moot.write(lambda s: schedule(s, "probe", clock.now() - timedelta(hours=1), {}))
    return moot


async def test_work_that_fell_due_while_down_waits_for_the_platforms_to_connect(
    database_url: str, clock: ManualClock
) -> None:
    happened: list[str] = []
    moot = await probing_moot(database_url, clock, happened)
    serving = asyncio.create_task(serve(moot, [LateStub(0.3, happened)]))
    await wait_until(lambda: "overdue job ran" in happened)
    serving.cancel()
    await asyncio.gather(serving, return_exceptions=True)
    assert happened[:2] == ["connected", "overdue job ran"]


async def test_a_platform_that_never_connects_does_not_hold_up_the_rest(
    database_url: str, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app, "CONNECT_SECONDS", 0.3)
    happened: list[str] = []
    moot = await probing_moot(database_url, clock, happened)
    serving = asyncio.create_task(serve(moot, [LateStub(None, happened)]))
    await wait_until(lambda: "overdue job ran" in happened)
    serving.cancel()
    await asyncio.gather(serving, return_exceptions=True)
    assert happened[0] == "overdue job ran"
    assert "connected" not in happened
