"""Write-path benchmark: Moot's single group-committing writer against the raw driver, on
SQLite and on PostgreSQL (a durable local server: bench/postgres.py; "not measured", loudly,
without one).

Prints, for the same machine and run, per store:
- the raw driver, one upsert and commit per write: the baseline (sqlite3 with WAL and
  synchronous=NORMAL; psycopg with fsync and synchronous commit on);
- Moot's writer, 50 concurrent writers, each write acknowledged after its group commits: once with
  a plain SQL statement per write (what hot paths such as votes should use) and once with an ORM
  object per write (what most feature code does);
- the whole core: 50 residents sending /help at once (identity, replay guard, dispatch, reply).

Run with `make bench` (or `python -m bench.write_path --writes 20000`).
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session

from bench import postgres
from bench.stores import driver
from bot.clock import ManualClock
from bot.core import Moot
from bot.events import Actor, CommandInvoked, Place
from bot.features import ALL_FEATURES
from storage.migrate import upgrade
from storage.models import ProcessedUpdate
from storage.store import Store

CONCURRENCY = 50
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def raw_psycopg(url: str, writes: int) -> float:
    """Writes per second: upsert + commit each, on PostgreSQL."""
    with driver(url) as db:
        db.execute("CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER)")
        db.commit()
        started = time.perf_counter()
        for i in range(writes):
            db.execute(
                "INSERT INTO kv VALUES (%s, %s) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
                (f"k{i}", i),
            )
            db.commit()
        return writes / (time.perf_counter() - started)


def raw_sqlite(path: Path, writes: int) -> float:
    """Writes per second: upsert + commit each, WAL and synchronous=NORMAL."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER)")
    started = time.perf_counter()
    for i in range(writes):
        connection.execute("BEGIN")
        connection.execute(
            "INSERT INTO kv VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v", (f"k{i}", i)
        )
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return writes / elapsed


async def concurrently(
    count: int, act: Callable[[int], Awaitable[None]]
) -> tuple[float, list[float]]:
    """Run `act(i)` for i < count from CONCURRENCY tasks; return (per second, latencies in ms)."""
    latencies: list[float] = []
    queue = iter(range(count))

    async def worker() -> None:
        for i in queue:
            began = time.perf_counter()
            await act(i)
            latencies.append((time.perf_counter() - began) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return count / (time.perf_counter() - started), latencies


def p99(latencies: list[float]) -> float:
    return statistics.quantiles(latencies, n=100)[98]


UPSERT = (
    "INSERT INTO processedupdate (platform, update_id, at) VALUES (?, ?, ?) "
    "ON CONFLICT (platform, update_id) DO UPDATE SET at = excluded.at"
)
UPSERT_PSYCOPG = UPSERT.replace("?", "%s")


async def moot_writer(url: str, writes: int, *, orm: bool) -> tuple[float, list[float]]:
    store = Store(url)
    store.start()
    prefix = "orm" if orm else "sql"
    upsert = UPSERT if store.is_sqlite else UPSERT_PSYCOPG

    async def write(i: int) -> None:
        def op(session: Session) -> None:
            if orm:
                session.add(ProcessedUpdate(platform=prefix, update_id=str(i), at=NOW))
            else:
                session.connection().exec_driver_sql(
                    upsert, (prefix, str(i), "2026-11-23 09:00:00")
                )

        await store.write(op)

    result = await concurrently(writes, write)
    await store.close()
    return result


async def moot_core(url: str, commands: int) -> tuple[float, list[float]]:
    moot = Moot(Store(url), ManualClock(NOW), ALL_FEATURES)
    await moot.start()
    group = Place("bench", "group", "Bench", is_private=False)

    async def command(i: int) -> None:
        actor = Actor("bench", f"resident-{i % 500}", f"Resident {i % 500}")
        await moot.handle(CommandInvoked(actor, group, "help", update_id=f"u{i}"))

    result = await concurrently(commands, command)
    await moot.stop()
    return result


def measure(url: str, args: argparse.Namespace) -> list[tuple[str, str, tuple[float, list[float]]]]:
    return [
        (
            "Moot writer, SQL upsert per write",
            "writes",
            asyncio.run(moot_writer(url, args.writes, orm=False)),
        ),
        (
            "Moot writer, ORM object per write",
            "writes",
            asyncio.run(moot_writer(url, args.writes, orm=True)),
        ),
        (
            f"Moot core, {CONCURRENCY} residents sending /help",
            "commands",
            asyncio.run(moot_core(url, args.commands)),
        ),
    ]


def report(
    label: str, raw: str, baseline: float, rows: list[tuple[str, str, tuple[float, list[float]]]]
) -> None:
    print(f"--- {label}")
    print(f"{raw:<42} {baseline:>9,.0f} writes/s (baseline)")
    for name, unit, (rate, latencies) in rows:
        print(
            f"{name:<42} {rate:>9,.0f} {unit}/s (x{rate / baseline:.2f} of baseline), "
            f"p50 {statistics.median(latencies):.2f} ms, p99 {p99(latencies):.2f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--writes", type=int, default=20_000)
    parser.add_argument("--commands", type=int, default=5_000)
    parser.add_argument("--store", choices=("both", "sqlite", "postgresql"), default="both")
    args = parser.parse_args()
    if args.store != "postgresql":
        with tempfile.TemporaryDirectory() as folder:
            baseline = raw_sqlite(Path(folder) / "raw.db", args.writes)
            url = f"sqlite:///{Path(folder) / 'moot.db'}"
            upgrade(url)
            rows = measure(url, args)
        report(
            "SQLite (WAL, synchronous=NORMAL)",
            "raw sqlite3, upsert + commit per write",
            baseline,
            rows,
        )
    if args.store != "sqlite":
        try:
            with postgres.server() as server:
                with postgres.database(server) as url:
                    baseline = raw_psycopg(url, args.writes // 4)
                with postgres.database(server) as url:
                    rows = measure(url, args)
            report(
                "PostgreSQL (local, fsync on)",
                "raw psycopg, upsert + commit per write",
                baseline,
                rows,
            )
        except postgres.UnavailableError as why:
            print(postgres.not_measured(why))


if __name__ == "__main__":
    main()
