"""One platform failing never stops the others; a failed adapter comes back with backoff."""

from __future__ import annotations

import asyncio

from adapters.base import supervise
from bot.core import Moot


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


class SteadyAdapter:
    platform = "steady"

    def __init__(self) -> None:
        self.ticks = 0

    async def run(self, moot: Moot) -> None:
        while True:
            self.ticks += 1
            await asyncio.sleep(0.01)


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
