"""Decide benchmarks. Prints, from one run on this machine, a block for SQLite and one for
PostgreSQL (a durable local server: bench/postgres.py; "not measured", loudly, without one):

- casting votes through the poll service and the store, 50 concurrent voters, each vote committed
  before it is acknowledged; and the same votes sent as button presses through the whole core
  (identity, replay guard, dispatch, reply), 50 residents pressing at once;
- the floor each of those is measured against, run in the same process: the same work as a plain
  loop with no event loop, dispatch or reply around it (the vote's own checks and statements, and
  for a press also the arrival lookup and replay guard), committed in groups of 50;
- the two target ratios (issue 17): votes through the service ÷ their floor (target: at least
  0.9) and presses through the whole core ÷ their floor (target: at least 0.5), and the presses'
  p99 (target: at most 20 ms), each with PASS or MISS;
- for context on SQLite, raw sqlite3 upsert-and-commit, the baseline the earlier targets were set
  against; on PostgreSQL, the baseline of issue 18: a plain psycopg loop upserting each vote and
  adding it to the running total, pipelined (`executemany`) and committed in groups of 50, with
  the targets: votes through the service at least 20,000/s and at least x0.5 of that loop;
- the tally of 1,000,000 single-choice votes (target: at most 100 ms);
- an instant-runoff count of 100,000 ranked ballots, loading them included (target: at most 0.5 s).

Run with `make bench` (or `python -m bench.polls`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from bench import postgres
from bench.stores import analyze, connected, driver
from bench.write_path import CONCURRENCY, concurrently, p99, raw_sqlite
from bot.clock import ManualClock
from bot.core import Moot
from bot.events import Actor, ButtonPressed, Place
from bot.features import ALL_FEATURES
from bot.identity.arrival import recognise
from bot.polls import batching, service
from bot.polls.ballots import Ballot
from bot.polls.counting import instant_runoff
from bot.polls.sealing import Sealer
from bot.polls.views import load, tally
from moot.heap import freeze_what_lives_for_good
from storage.engine import is_sqlite
from storage.migrate import upgrade
from storage.raw import raw_connection
from storage.store import CHECKPOINT_SECONDS, Store

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
NAIVE_NOW = "2026-11-23 09:00:00.000000"
LATER = "2026-12-23 09:00:00.000000"


def seed(url: str, voters: int, kind: str) -> None:
    """A community of `voters` active members and one open poll with five options."""
    with connected(url) as db:
        db.execute(
            "INSERT INTO community (id, name, timezone, join_policy, polls_by, chat_code, created_at) VALUES (1, 'Bench', 'Europe/London', 'open', 'members', 'CHAT-BENC-HMRK', ?)",
            (NAIVE_NOW,),
        )
        db.executemany(
            "INSERT INTO person (id, name, created_at) VALUES (?, ?, ?)",
            [(i, f"Voter {i}", NAIVE_NOW) for i in range(1, voters + 1)],
        )
        db.executemany(
            "INSERT INTO account (platform, platform_user_id, person_id, display_name, last_seen_at) VALUES ('bench', ?, ?, ?, ?)",
            [(str(i), i, f"Voter {i}", NAIVE_NOW) for i in range(1, voters + 1)],
        )
        db.execute(
            "INSERT INTO chat (platform, platform_chat_id, title, community_id, linked_by_person_id, linked_at) VALUES ('bench', 'group', 'Bench', 1, 1, ?)",
            (NAIVE_NOW,),
        )
        db.executemany(
            "INSERT INTO membership (community_id, number, person_id, role, status, requested_at) VALUES (1, ?, ?, 'member', 'active', ?)",
            [(i, i, NAIVE_NOW) for i in range(1, voters + 1)],
        )
        db.execute(
            "INSERT INTO poll (id, community_id, number, created_by_person_id, question, kind, binding, secret, electorate, results_shown, threshold, threshold_base, closes_at, status, origin_platform, origin_chat_id, created_at) "
            "VALUES (1, 1, 1, 1, 'Bench poll', ?, false, false, 'members', 'live', 'none', 'cast', ?, 'open', 'bench', 'group', ?)",
            (kind, LATER, NAIVE_NOW),
        )
        db.executemany(
            "INSERT INTO numbersequence (community_id, kind, last) VALUES (1, ?, ?)",
            [("member", voters), ("poll", 1)],
        )
        db.executemany(
            "INSERT INTO polloption (poll_id, number, label) VALUES (1, ?, ?)",
            [(n, f"Option {n}") for n in range(1, 6)],
        )
        # Opening a single-choice poll starts its running totals at zero.
        db.executemany(
            "INSERT INTO pollcount (poll_id, choice, votes) VALUES (1, ?, 0)",
            [(n,) for n in range(1, 6)],
        )
    analyze(url)


def fill_votes(url: str, count: int, kind: str) -> None:
    """Votes written straight into the table, to time counting rather than casting. The voters
    beyond the seeded register are not checked against it (counting does not care)."""
    rng = random.Random(7)
    rows: Iterator[tuple[int, int, int | None, str | None, str]]
    if kind == "single":
        rows = ((1, i, rng.randint(1, 5), None, NAIVE_NOW) for i in range(1, count + 1))
    else:
        options = [1, 2, 3, 4, 5]

        def ranking() -> str:
            rng.shuffle(options)
            return ",".join(map(str, options[: rng.randint(1, 5)]))

        rows = ((1, i, None, ranking(), NAIVE_NOW) for i in range(1, count + 1))
    if is_sqlite(url):
        with connected(url) as db:
            db.execute("PRAGMA synchronous=OFF")
            db.executemany(
                "INSERT INTO vote (poll_id, person_id, choice, marks, cast_at) VALUES (?, ?, ?, ?, ?)",
                rows,
            )
    else:
        _copy_votes(url, rows)
    with connected(url) as db:
        # The running totals that casting each of these votes would have left.
        db.execute(
            "INSERT INTO pollcount (poll_id, choice, votes) SELECT poll_id, choice, count(*) "
            "FROM vote WHERE choice IS NOT NULL GROUP BY poll_id, choice "
            "ON CONFLICT (poll_id, choice) DO UPDATE SET votes = excluded.votes"
        )
    analyze(url)


def _copy_votes(url: str, rows: Iterable[tuple[Any, ...]]) -> None:
    """PostgreSQL: COPY the rows in, with foreign keys unchecked for this connection only."""
    with driver(url) as db:
        db.execute("SET session_replication_role = replica")
        with (
            db.cursor() as cursor,
            cursor.copy(
                "COPY vote (poll_id, person_id, choice, marks, cast_at) FROM STDIN"
            ) as copy,
        ):
            for row in rows:
                copy.write_row(row)


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

        await moot.write(op, batched=batching.vote(1, person))

    result = await concurrently(votes, vote)
    await moot.stop()
    return result


async def cast_through_core(url: str, votes: int, voters: int) -> tuple[float, list[float], float]:
    """Presses per second and their latencies once warm, and the slowest press while warming
    up (a new process's first statements read the database into the store's cache)."""
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
    """Votes per second with only the work itself: each group of CONCURRENCY votes one run of
    `service.cast`, as the writer runs it (and, for presses, the arrival lookup and its traces),
    committed together; on SQLite with the log checkpointed on another thread every
    CHECKPOINT_SECONDS as the store does."""
    store = Store(url)
    rng, sealer = random.Random(3), Sealer()
    place = Place("bench", "group", "Bench", is_private=False)
    stopping = threading.Event()

    def checkpoints() -> None:
        while not stopping.wait(CHECKPOINT_SECONDS):
            store.checkpoint()

    checkpointer = threading.Thread(target=checkpoints)
    if store.is_sqlite:
        checkpointer.start()
    started = time.perf_counter()
    try:
        for first in range(0, votes, CONCURRENCY):
            group = [
                (i, rng.randint(1, voters), Ballot(choice=rng.randint(1, 5)))
                for i in range(first, min(first + CONCURRENCY, votes))
            ]
            with Session(store.write_engine, expire_on_commit=False) as session, session.begin():
                batching.VOTES.prepare(session, [(1, person) for _, person, _ in group])
                for i, person, ballot in group:
                    if as_presses:
                        actor = Actor("bench", str(person), f"Voter {person}")
                        found = recognise(raw_connection(session), actor, place, f"p{i}", NOW)
                        assert found is not None
                        found[1].write(session)
                    service.cast(session, 1, person, ballot, NOW, sealer)
                batching.VOTES.finish(session)
        elapsed = time.perf_counter() - started
    finally:
        stopping.set()
        if store.is_sqlite:
            checkpointer.join()
    store.write_engine.dispose()
    store.read_engine.dispose()
    return votes / elapsed


RAW_UPSERT = (
    "INSERT INTO vote (poll_id, person_id, choice, marks, cast_at) VALUES (1, %s, %s, NULL, %s) "
    "ON CONFLICT (poll_id, person_id) DO UPDATE SET choice = excluded.choice, "
    "cast_at = excluded.cast_at"
)
RAW_COUNT = "UPDATE pollcount SET votes = votes + 1 WHERE poll_id = 1 AND choice = %s"


def raw_psycopg(url: str, votes: int, voters: int) -> float:
    """PostgreSQL's baseline: votes per second of a plain psycopg loop that upserts each vote and
    adds it to its running total, both pipelined with `executemany`, committing every
    CONCURRENCY votes: the least a batched vote path must do, with no checks."""
    rng = random.Random(4)
    with driver(url) as db:
        started = time.perf_counter()
        for first in range(0, votes, CONCURRENCY):
            group = [
                (rng.randint(1, voters), rng.randint(1, 5))
                for _ in range(first, min(first + CONCURRENCY, votes))
            ]
            with db.cursor() as cursor:
                cursor.executemany(RAW_UPSERT, [(p, c, NAIVE_NOW) for p, c in group])
                cursor.executemany(RAW_COUNT, [(c,) for _, c in group])
            db.commit()
        return votes / (time.perf_counter() - started)


async def timed_tally(url: str) -> tuple[float, int]:
    store = Store(url)
    started = time.perf_counter()
    counted = await store.read(lambda s: tally(s, load(s, 1)))
    elapsed = time.perf_counter() - started
    await store.close()
    return elapsed, sum(counted.counts.values())


def timed_recount(url: str) -> float:
    """For context: recounting every vote row instead of reading the running totals."""
    with connected(url) as db:
        started = time.perf_counter()
        db.execute("SELECT choice, count(*) FROM vote WHERE poll_id = 1 GROUP BY choice").fetchall()
        return time.perf_counter() - started


async def timed_runoff(url: str) -> tuple[float, float, int | None]:
    store = Store(url)
    started = time.perf_counter()
    counted = await store.read(lambda s: tally(s, load(s, 1)))
    loaded = time.perf_counter()
    result = instant_runoff(counted.ballots, 5)
    finished = time.perf_counter()
    await store.close()
    return finished - started, finished - loaded, result.winner


# A new, migrated, empty store for a name: a SQLite file, or a PostgreSQL database.
Stores = Callable[[str], contextlib.AbstractContextManager[str]]


@dataclass
class Figures:
    """One store's figures from one run."""

    label: str
    rate: float = 0.0
    latencies: list[float] = field(default_factory=list)
    core_rate: float = 0.0
    core_latencies: list[float] = field(default_factory=list)
    cold: float = 0.0
    service_floor: float = 0.0
    press_floor: float = 0.0
    baseline: float = 0.0  # raw sqlite3 per-write commits
    baselines: list[float] = field(default_factory=list)  # the raw psycopg loop, before and after
    tally_seconds: float = 0.0
    counted: int = 0
    recount_seconds: float = 0.0
    runoff_total: float = 0.0
    runoff_count: float = 0.0
    winner: int | None = None


def measure(figures: Figures, stores: Stores, args: argparse.Namespace) -> Figures:
    with stores("cast") as url:
        seed(url, args.voters, "single")
        if not is_sqlite(url):  # the baseline either side of the service: the server is noisy
            figures.baselines.append(raw_psycopg(url, args.votes, args.voters))
        figures.rate, figures.latencies = asyncio.run(
            cast_through_service(url, args.votes, args.voters)
        )
        if not is_sqlite(url):
            figures.baselines.append(raw_psycopg(url, args.votes, args.voters))
        figures.core_rate, figures.core_latencies, figures.cold = asyncio.run(
            cast_through_core(url, args.votes // 4, args.voters)
        )
    with stores("floor") as url:
        seed(url, args.voters, "single")
        figures.service_floor = plain_loop(url, args.votes, args.voters, as_presses=False)
        figures.press_floor = plain_loop(url, args.votes // 4, args.voters, as_presses=True)
    with stores("tally") as url:
        seed(url, 1, "single")
        fill_votes(url, args.tally, "single")
        figures.tally_seconds, figures.counted = asyncio.run(timed_tally(url))
        figures.recount_seconds = timed_recount(url)
    with stores("ranked") as url:
        seed(url, 1, "ranked")
        fill_votes(url, args.ranked, "ranked")
        figures.runoff_total, figures.runoff_count, figures.winner = asyncio.run(timed_runoff(url))
    return figures


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report(f: Figures, args: argparse.Namespace, *, sqlite: bool) -> None:
    print(f"--- {f.label}")
    service_ratio, press_ratio = f.rate / f.service_floor, f.core_rate / f.press_floor
    press_p99 = p99(f.core_latencies)
    if sqlite:
        print(f"raw sqlite3, upsert + commit per vote (context)  {f.baseline:>9,.0f} votes/s")
    else:
        before, after = f.baselines
        print(
            f"raw psycopg, upsert + total pipelined, groups of {CONCURRENCY}  {max(before, after):>9,.0f} votes/s "
            f"(the baseline: no checks; the better of {before:,.0f} before and {after:,.0f} after the service)"
        )
    print(
        f"votes through poll service + store, {CONCURRENCY} voters   {f.rate:>9,.0f} votes/s, "
        f"p50 {statistics.median(f.latencies):.2f} ms, p99 {p99(f.latencies):.2f} ms"
    )
    print(
        f"  their floor, the same work in a plain loop     {f.service_floor:>9,.0f} votes/s "
        "(no event loop, dispatch or reply)"
    )
    print(
        f"presses through the whole core, {CONCURRENCY} residents   {f.core_rate:>9,.0f} presses/s, "
        f"p50 {statistics.median(f.core_latencies):.2f} ms, p99 {press_p99:.2f} ms "
        f"(after {WARM_UP} warm-up presses, the slowest of which took {f.cold:.1f} ms)"
    )
    print(
        f"  their floor, the same work in a plain loop     {f.press_floor:>9,.0f} presses/s "
        "(with the arrival lookup and replay guard)"
    )
    if not sqlite:
        raw_ratio = f.rate / max(f.baselines)
        print(
            f"TARGET votes through the service                {f.rate:>9,.0f}/s  "
            f"target >= 20,000/s  {verdict(f.rate >= 20_000)}"
        )
        print(
            f"TARGET votes through the service / raw psycopg  x{raw_ratio:.2f}  "
            f"target >= x0.50  {verdict(raw_ratio >= 0.5)}"
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
        f"tally of {f.counted:,} single-choice votes        {f.tally_seconds * 1000:>9.1f} ms — {verdict(f.tally_seconds <= 0.1)} (target 100 ms) "
        f"(running totals; a full recount of the rows takes {f.recount_seconds * 1000:.1f} ms)"
    )
    print(
        f"instant runoff of {args.ranked:,} ranked ballots  {f.runoff_total * 1000:>9.1f} ms including loading "
        f"({f.runoff_count * 1000:.1f} ms counting; winner option {f.winner}) — {verdict(f.runoff_total <= 0.5)} (target 0.5 s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--votes", type=int, default=40_000)
    parser.add_argument("--voters", type=int, default=20_000)
    parser.add_argument("--tally", type=int, default=1_000_000)
    parser.add_argument("--ranked", type=int, default=100_000)
    parser.add_argument("--store", choices=("both", "sqlite", "postgresql"), default="both")
    args = parser.parse_args()
    if args.store != "postgresql":
        with tempfile.TemporaryDirectory() as folder:

            @contextlib.contextmanager
            def files(name: str) -> Iterator[str]:
                url = f"sqlite:///{Path(folder) / name}.db"
                upgrade(url)
                yield url

            sqlite = Figures("SQLite (WAL, synchronous=NORMAL)")
            sqlite.baseline = raw_sqlite(Path(folder) / "raw.db", args.votes)
            report(measure(sqlite, files, args), args, sqlite=True)
    if args.store != "sqlite":
        try:
            with postgres.server() as server:
                on_server: Stores = lambda _name: postgres.database(server)  # noqa: E731
                figures = measure(Figures("PostgreSQL (local, fsync on)"), on_server, args)
            report(figures, args, sqlite=False)
        except postgres.UnavailableError as why:
            print(postgres.not_measured(why))


if __name__ == "__main__":
    main()
