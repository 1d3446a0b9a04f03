"""Decide benchmarks. Prints, from one run on this machine:

- casting votes through the poll service and the store, 50 concurrent voters, each vote committed
  before it is acknowledged; and the same votes sent as button presses through the whole core
  (identity, replay guard, dispatch, reply), 50 residents pressing at once;
- the floor each of those is measured against, run in the same process: the same work as a plain
  loop with no event loop, dispatch or reply around it (the vote's own checks and statements, and
  for a press also the arrival lookup and replay guard), committed in groups of 50;
- the two target ratios (issue 17): votes through the service ÷ their floor (target: at least
  0.9) and presses through the whole core ÷ their floor (target: at least 0.5), and the presses'
  p99 (target: at most 20 ms), each with PASS or MISS;
- for context, raw sqlite3 upsert-and-commit, the baseline the earlier targets were set against;
- the tally of 1,000,000 single-choice votes (target: at most 100 ms);
- an instant-runoff count of 100,000 ranked ballots, loading them included (target: at most 0.5 s).

Run with `make bench` (or `python -m bench.polls`).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session

from bench.write_path import CONCURRENCY, concurrently, p99, raw_sqlite
from bot.clock import ManualClock
from bot.core import Moot
from bot.events import Actor, ButtonPressed, Place
from bot.features import ALL_FEATURES
from bot.identity.arrival import recognise
from bot.polls import service
from bot.polls.ballots import Ballot
from bot.polls.counting import instant_runoff
from bot.polls.sealing import Sealer
from bot.polls.views import load, tally
from moot.heap import freeze_what_lives_for_good
from storage.migrate import upgrade
from storage.raw import raw_connection
from storage.store import CHECKPOINT_SECONDS, Store

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
NAIVE_NOW = "2026-11-23 09:00:00.000000"
LATER = "2026-12-23 09:00:00.000000"


def seed(path: Path, voters: int, kind: str) -> None:
    """A community of `voters` active members and one open poll with five options."""
    db = sqlite3.connect(path)
    db.execute(
        "INSERT INTO community (id, name, timezone, join_policy, polls_by, chat_code, created_at) VALUES (1, 'Bench', 'Europe/London', 'open', 'members', 'CHAT-BENC-HMRK', ?)",
        (NAIVE_NOW,),
    )
    db.executemany(
        "INSERT INTO person (id, name, created_at) VALUES (?, ?, ?)",
        ((i, f"Voter {i}", NAIVE_NOW) for i in range(1, voters + 1)),
    )
    db.executemany(
        "INSERT INTO account (platform, platform_user_id, person_id, display_name, last_seen_at) VALUES ('bench', ?, ?, ?, ?)",
        ((str(i), i, f"Voter {i}", NAIVE_NOW) for i in range(1, voters + 1)),
    )
    db.execute(
        "INSERT INTO chat (platform, platform_chat_id, title, community_id, linked_by_person_id, linked_at) VALUES ('bench', 'group', 'Bench', 1, 1, ?)",
        (NAIVE_NOW,),
    )
    db.executemany(
        "INSERT INTO membership (community_id, number, person_id, role, status, requested_at) VALUES (1, ?, ?, 'member', 'active', ?)",
        ((i, i, NAIVE_NOW) for i in range(1, voters + 1)),
    )
    db.execute(
        "INSERT INTO poll (id, community_id, number, created_by_person_id, question, kind, binding, secret, electorate, results_shown, threshold, threshold_base, closes_at, status, origin_platform, origin_chat_id, created_at) "
        "VALUES (1, 1, 1, 1, 'Bench?', ?, 0, 0, 'members', 'live', 'none', 'cast', ?, 'open', 'bench', 'group', ?)",
        (kind, LATER, NAIVE_NOW),
    )
    db.executemany(
        "INSERT INTO numbersequence (community_id, kind, last) VALUES (1, ?, ?)",
        (("member", voters), ("poll", 1)),
    )
    db.executemany(
        "INSERT INTO polloption (poll_id, number, label) VALUES (1, ?, ?)",
        ((n, f"Option {n}") for n in range(1, 6)),
    )
    # Opening a single-choice poll starts its running totals at zero.
    db.executemany(
        "INSERT INTO pollcount (poll_id, choice, votes) VALUES (1, ?, 0)",
        ((n,) for n in range(1, 6)),
    )
    db.commit()
    db.close()


def fill_votes(path: Path, count: int, kind: str) -> None:
    """Votes written straight into the table, to time counting rather than casting."""
    rng = random.Random(7)
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    rows: Iterator[tuple[int, int, int | None, str | None, str]]
    if kind == "single":
        rows = ((1, i, rng.randint(1, 5), None, NAIVE_NOW) for i in range(1, count + 1))
    else:
        options = [1, 2, 3, 4, 5]

        def ranking() -> str:
            rng.shuffle(options)
            return ",".join(map(str, options[: rng.randint(1, 5)]))

        rows = ((1, i, None, ranking(), NAIVE_NOW) for i in range(1, count + 1))
    db.execute(
        "PRAGMA foreign_keys=OFF"
    )  # voters beyond the seeded register: counting does not care
    db.executemany(
        "INSERT INTO vote (poll_id, person_id, choice, marks, cast_at) VALUES (?, ?, ?, ?, ?)", rows
    )
    # The running totals that casting each of these votes would have left.
    db.execute(
        "INSERT OR REPLACE INTO pollcount SELECT poll_id, choice, count(*) FROM vote "
        "WHERE choice IS NOT NULL GROUP BY poll_id, choice"
    )
    db.commit()
    db.close()


WARM_UP = 500


async def cast_through_service(url: str, votes: int, voters: int) -> tuple[float, list[float]]:
    moot = Moot(Store(url), ManualClock(NOW), ALL_FEATURES)
    await moot.start()
    freeze_what_lives_for_good()  # as `moot` does once started
    rng, sealer = random.Random(1), Sealer()

    async def vote(i: int) -> None:
        person, ballot = rng.randint(1, voters), Ballot(choice=rng.randint(1, 5))

        def op(session: Session) -> None:
            service.cast(session, 1, person, ballot, NOW, sealer)

        await moot.write(op)

    result = await concurrently(votes, vote)
    await moot.stop()
    return result


async def cast_through_core(url: str, votes: int, voters: int) -> tuple[float, list[float], float]:
    """Presses per second and their latencies once warm, and the slowest press while warming
    up (a new process's first statements read the database into SQLite's cache)."""
    moot = Moot(Store(url), ManualClock(NOW), ALL_FEATURES)
    await moot.start()
    freeze_what_lives_for_good()  # as `moot` does once started
    rng = random.Random(2)
    place = Place("bench", "group", "Bench", is_private=False)

    def presses(prefix: str) -> Callable[[int], Awaitable[None]]:
        """Presses with update ids of their own: a warm-up id used again would be a replay."""

        async def press(i: int) -> None:
            voter = rng.randint(1, voters)
            event = ButtonPressed(
                Actor("bench", str(voter), f"Voter {voter}"),
                place,
                f"vote 1.1 {rng.randint(1, 5)}",
                f"{prefix}{i}",
            )
            await moot.handle(event)

        return press

    _, warming = await concurrently(WARM_UP, presses("w"))
    rate, latencies = await concurrently(votes, presses("u"))
    await moot.stop()
    return rate, latencies, max(warming)


def plain_loop(url: str, votes: int, voters: int, *, as_presses: bool) -> float:
    """Votes per second with only the work itself: `service.cast` (and, for presses, the arrival
    lookup and its traces) called one after another, committing every CONCURRENCY votes, with
    the log checkpointed on another thread every CHECKPOINT_SECONDS as the store does."""
    store = Store(url)
    rng, sealer = random.Random(3), Sealer()
    place = Place("bench", "group", "Bench", is_private=False)
    stopping = threading.Event()

    def checkpoints() -> None:
        while not stopping.wait(CHECKPOINT_SECONDS):
            store.checkpoint()

    checkpointer = threading.Thread(target=checkpoints)
    checkpointer.start()
    started = time.perf_counter()
    try:
        for first in range(0, votes, CONCURRENCY):
            with Session(store.write_engine, expire_on_commit=False) as session, session.begin():
                for i in range(first, min(first + CONCURRENCY, votes)):
                    person = rng.randint(1, voters)
                    if as_presses:
                        actor = Actor("bench", str(person), f"Voter {person}")
                        found = recognise(raw_connection(session), actor, place, f"p{i}", NOW)
                        assert found is not None
                        found[1].write(session)
                    ballot = Ballot(choice=rng.randint(1, 5))
                    service.cast(session, 1, person, ballot, NOW, sealer)
        elapsed = time.perf_counter() - started
    finally:
        stopping.set()
        checkpointer.join()
    store.write_engine.dispose()
    store.read_engine.dispose()
    return votes / elapsed


async def timed_tally(url: str) -> tuple[float, int]:
    store = Store(url)
    started = time.perf_counter()
    counted = await store.read(lambda s: tally(s, load(s, 1)))
    elapsed = time.perf_counter() - started
    await store.close()
    return elapsed, sum(counted.counts.values())


def timed_recount(path: Path) -> float:
    """For context: recounting every vote row instead of reading the running totals."""
    db = sqlite3.connect(path)
    started = time.perf_counter()
    db.execute("SELECT choice, count(*) FROM vote WHERE poll_id = 1 GROUP BY choice").fetchall()
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


async def timed_runoff(url: str) -> tuple[float, float, int | None]:
    store = Store(url)
    started = time.perf_counter()
    counted = await store.read(lambda s: tally(s, load(s, 1)))
    loaded = time.perf_counter()
    result = instant_runoff(counted.ballots, 5)
    finished = time.perf_counter()
    await store.close()
    return finished - started, finished - loaded, result.winner


def database(folder: str, name: str, voters: int, kind: str) -> tuple[Path, str]:
    path = Path(folder) / name
    url = f"sqlite:///{path}"
    upgrade(url)
    seed(path, voters, kind)
    return path, url


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--votes", type=int, default=40_000)
    parser.add_argument("--voters", type=int, default=20_000)
    parser.add_argument("--tally", type=int, default=1_000_000)
    parser.add_argument("--ranked", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        baseline = raw_sqlite(Path(folder) / "raw.db", args.votes)
        _, url = database(folder, "cast.db", args.voters, "single")
        rate, latencies = asyncio.run(cast_through_service(url, args.votes, args.voters))
        core_rate, core_latencies, cold = asyncio.run(
            cast_through_core(url, args.votes // 4, args.voters)
        )
        _, url = database(folder, "floor.db", args.voters, "single")
        service_floor = plain_loop(url, args.votes, args.voters, as_presses=False)
        press_floor = plain_loop(url, args.votes // 4, args.voters, as_presses=True)
        path, url = database(folder, "tally.db", 1, "single")
        fill_votes(path, args.tally, "single")
        tally_seconds, counted = asyncio.run(timed_tally(url))
        recount_seconds = timed_recount(path)
        path, url = database(folder, "ranked.db", 1, "ranked")
        fill_votes(path, args.ranked, "ranked")
        runoff_total, runoff_count, winner = asyncio.run(timed_runoff(url))

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "MISS"

    service_ratio, press_ratio = rate / service_floor, core_rate / press_floor
    press_p99 = p99(core_latencies)
    print(f"raw sqlite3, upsert + commit per vote (context)  {baseline:>9,.0f} votes/s")
    print(
        f"votes through poll service + store, {CONCURRENCY} voters   {rate:>9,.0f} votes/s, "
        f"p50 {statistics.median(latencies):.2f} ms, p99 {p99(latencies):.2f} ms"
    )
    print(
        f"  their floor, the same work in a plain loop     {service_floor:>9,.0f} votes/s "
        "(no event loop, dispatch or reply)"
    )
    print(
        f"presses through the whole core, {CONCURRENCY} residents   {core_rate:>9,.0f} presses/s, "
        f"p50 {statistics.median(core_latencies):.2f} ms, p99 {press_p99:.2f} ms "
        f"(after {WARM_UP} warm-up presses, the slowest of which took {cold:.1f} ms)"
    )
    print(
        f"  their floor, the same work in a plain loop     {press_floor:>9,.0f} presses/s "
        "(with the arrival lookup and replay guard)"
    )
    print(
        f"TARGET votes through the service / floor         x{service_ratio:.2f}  "
        f"target >= x0.90  {verdict(service_ratio >= 0.9)}"
    )
    print(
        f"TARGET presses through the whole core / floor    x{press_ratio:.2f}  "
        f"target >= x0.50  {verdict(press_ratio >= 0.5)}"
    )
    print(
        f"TARGET p99 of presses, {CONCURRENCY} residents            {press_p99:.1f} ms  "
        f"target <= 20 ms  {verdict(press_p99 <= 20)}"
    )
    print(
        f"tally of {counted:,} single-choice votes        {tally_seconds * 1000:>9.1f} ms — {verdict(tally_seconds <= 0.1)} (target 100 ms) "
        f"(running totals; a full recount of the rows takes {recount_seconds * 1000:.1f} ms)"
    )
    print(
        f"instant runoff of {args.ranked:,} ranked ballots  {runoff_total * 1000:>9.1f} ms including loading "
        f"({runoff_count * 1000:.1f} ms counting; winner option {winner}) — {verdict(runoff_total <= 0.5)} (target 0.5 s)"
    )


if __name__ == "__main__":
    main()
