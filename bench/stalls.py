"""Event-loop stalls. While Moot does its heaviest work, how long does everyone else wait?
Prints the longest gap a 1 ms ticker on the event loop saw (target: at most 50 ms) during:

- a 2,000-row member import sent as /import;
- /results of a ranked poll with 100,000 ballots (loading, counting and the chart), the first
  time (matplotlib is imported then) and again.

Run with `make bench` (or `python -m bench.stalls`).
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path

from bench.polls import NOW, fill_votes, seed
from bot.clock import ManualClock
from bot.core import Moot
from bot.events import Actor, Attachment, CommandInvoked, Place
from bot.features import ALL_FEATURES
from moot.heap import freeze_what_lives_for_good
from storage.migrate import upgrade
from storage.store import Store

TARGET_MS = 50.0
PLACE = Place("bench", "group", "Bench", is_private=False)
ADMIN = Actor("bench", "1", "Voter 1", is_chat_admin=True)


async def longest_stall(work: Awaitable[object]) -> float:
    """Milliseconds: the longest the loop went without running a 1 ms ticker during `work`."""
    worst = 0.0
    done = False

    async def tick() -> None:
        nonlocal worst
        last = time.perf_counter()
        while not done:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            worst = max(worst, (now - last) * 1000)
            last = now

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0.01)
    await work
    done = True
    await ticker
    return worst


def register_csv(rows: int) -> bytes:
    rng = random.Random(3)
    lines = ["name,unit"] + [f"Resident {i},Flat {rng.randint(1, 400)}" for i in range(rows)]
    return "\n".join(lines).encode()


async def measure(folder: Path) -> tuple[float, float, float]:
    url = f"sqlite:///{folder / 'stalls.db'}"
    upgrade(url)
    seed(url, 10, "ranked")
    fill_votes(url, 100_000, "ranked")
    moot = Moot(Store(url), ManualClock(NOW), ALL_FEATURES)
    await moot.start()
    freeze_what_lives_for_good()  # as `moot` does once started
    try:
        file = Attachment("register.csv", register_csv(2000), "text/csv")
        importing = moot.handle(CommandInvoked(ADMIN, PLACE, "import", attachments=(file,)))
        import_stall = await longest_stall(importing)
        first = await longest_stall(moot.handle(CommandInvoked(ADMIN, PLACE, "results", "1")))
        again = await longest_stall(moot.handle(CommandInvoked(ADMIN, PLACE, "results", "1")))
    finally:
        await moot.stop()
    return import_stall, first, again


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        import_stall, first, again = asyncio.run(measure(Path(folder)))
    for what, stall in (
        ("a 2,000-row /import", import_stall),
        ("/results, 100,000 ranked ballots, first", first),
        ("/results, 100,000 ranked ballots, again", again),
    ):
        verdict = "meets" if stall <= TARGET_MS else "MISSES"
        print(f"longest loop stall during {what:<40} {stall:7.1f} ms — {verdict} target")


if __name__ == "__main__":
    main()
