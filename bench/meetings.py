"""Meet benchmarks. Prints, from one run on this machine:

- start-up with 100,000 reminders waiting in the store: seconds to a started Moot and its
  resident memory, in a fresh process each, beside the same start on an empty store measured in
  the same run (targets: at most 1 s and 150 MB);
- 1,000 meeting reminders due in the same second, on the system clock: how late each reaches
  the platform adapter (target: p99 at most 100 ms), on SQLite and on PostgreSQL (a durable
  local server: bench/postgres.py; "not measured", loudly, without one).

Run with `make bench` (or `python -m bench.meetings`).
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from bench import postgres
from bench.stores import connected
from bench.write_path import p99
from bot.clock import SystemClock
from bot.core import Moot
from bot.dates import Reading
from bot.events import DirectAddress, Place, Reply
from bot.features import ALL_FEATURES
from bot.meetings import service
from bot.meetings.spec import MeetingSpec
from moot.heap import freeze_what_lives_for_good
from storage.migrate import upgrade
from storage.raw import RawConnection
from storage.store import Store

WAITING = 100_000
SAME_SECOND = 1_000
NOW = "2026-11-23 09:00:00.000000"

_START = """
import asyncio, sys, time
began = time.perf_counter()
from bot.clock import SystemClock
from bot.core import Moot
from bot.features import ALL_FEATURES
from storage.store import Store
async def main() -> None:
    moot = Moot(Store(sys.argv[1]), SystemClock(), ALL_FEATURES)
    await moot.start()
    elapsed = time.perf_counter() - began
    rss = next(l for l in open("/proc/self/status") if l.startswith("VmRSS")).split()[1]
    print(f"{elapsed} {int(rss) / 1024}")
    await moot.stop()
asyncio.run(main())
"""


def seed_reminders(url: str, count: int) -> None:
    """A community with one meeting and `count` reminder rows due over the coming month."""
    with connected(url) as db:
        _seed_reminders(db, count)


def _seed_reminders(db: RawConnection, count: int) -> None:
    db.execute(
        "INSERT INTO community (id, name, timezone, join_policy, polls_by, chat_code, created_at) "
        "VALUES (1, 'Bench', 'Europe/London', 'open', 'members', 'CHAT-BENC-HMRK', ?)",
        (NOW,),
    )
    db.execute("INSERT INTO person (id, name, created_at) VALUES (1, 'Organiser', ?)", (NOW,))
    rng = random.Random(3)
    base = datetime.now(UTC) + timedelta(hours=1)
    rows = (
        (
            "meetings.remind",
            json.dumps({"meeting": 1, "starts_at": "", "before": 60}),
            (base + timedelta(seconds=rng.randrange(30 * 86400))).strftime("%Y-%m-%d %H:%M:%S.%f"),
        )
        for _ in range(count)
    )
    db.executemany("INSERT INTO scheduledjob (kind, payload, due_at) VALUES (?, ?, ?)", rows)


def started(url: str) -> tuple[float, float]:
    """(seconds, MB resident) for a fresh process to start Moot on this store."""
    out = subprocess.run(
        [sys.executable, "-c", _START, url], capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), float(out[1])


def median_start(url: str, runs: int = 3) -> tuple[float, float]:
    results = [started(url) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


@dataclass
class TimingOutlet:
    """A platform that records when each message reaches it."""

    platform: str = "bench"
    edit_interval: float = 0.0
    arrivals: list[tuple[float, str]] = field(default_factory=list)

    async def send_to_chat(
        self, chat_id: str, reply: Reply, *, thread_id: str | None, key: str
    ) -> str:
        self.arrivals.append((time.time(), reply.text))
        return str(len(self.arrivals))

    async def edit_message(
        self, chat_id: str, message_id: str, reply: Reply, *, thread_id: str | None
    ) -> None:
        return None

    async def send_direct(self, address: DirectAddress, reply: Reply, *, key: str) -> str:
        return "dm"


async def reminders_in_one_second(url: str, count: int, lead: float) -> tuple[list[float], float]:
    """Lateness in ms of `count` reminders due at the same moment, `lead` seconds from now, each
    in its own chat."""
    moot = Moot(Store(url), SystemClock(), ALL_FEATURES)
    outlet = TimingOutlet()
    moot.attach(outlet)
    await moot.start()
    freeze_what_lives_for_good()  # as `moot` does once started
    now = datetime.now(UTC)
    due = (now + timedelta(seconds=lead)).replace(microsecond=0)
    spec = MeetingSpec(
        "Bench meeting", Reading(due + timedelta(minutes=5)), reminders=(timedelta(minutes=5),)
    )

    def create(session: Session, i: int) -> None:
        place = Place("bench", f"chat-{i}", "Bench", is_private=False)
        meeting_id = service.create_draft(session, 1, 1, place, spec, now)
        service.announce(session, meeting_id, 1, now)
        service.add_post(session, meeting_id, "bench", f"chat-{i}", None, 1, now)

    for i in range(count):

        def create_one(session: Session, i: int = i) -> None:
            create(session, i)

        await moot.write(create_one)
    prepared = time.time()
    while len([a for a in outlet.arrivals if a[1].startswith("⏰")]) < count:
        await asyncio.sleep(0.05)
        if time.time() > due.timestamp() + 60:
            break
    await moot.stop()
    reminders = [at for at, text in outlet.arrivals if text.startswith("⏰")]
    return [(at - due.timestamp()) * 1000 for at in reminders], due.timestamp() - prepared


def burst_on(url: str, lead: float) -> tuple[list[float], float]:
    """The burst, set up within `lead` seconds: one meeting per write, each a few dozen
    statements, which on PostgreSQL are round trips (about a minute for 1,000 here)."""
    seed_reminders(url, 0)
    return asyncio.run(reminders_in_one_second(url, SAME_SECOND, lead))


def print_burst(label: str, lateness: list[float], slack: float) -> None:
    if len(lateness) < SAME_SECOND:
        print(
            f"{label:<11} {SAME_SECOND:,} reminders due in one second: only {len(lateness)} "
            "arrived — MISSES"
        )
        return
    worst = p99(lateness)
    verdict = "meets" if worst <= 100 else "MISSES"
    print(
        f"{label:<11} {SAME_SECOND:,} reminders due in one second  p99 {worst:.0f} ms late, median "
        f"{statistics.median(lateness):.0f} ms, last {max(lateness):.0f} ms "
        f"(set up with {slack:.0f} s to spare) — {verdict} target (p99 100 ms)"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        empty, full = Path(folder) / "empty.db", Path(folder) / "full.db"
        for path in (empty, full):
            upgrade(f"sqlite:///{path}")
        seed_reminders(f"sqlite:///{full}", WAITING)
        base_time, base_rss = median_start(f"sqlite:///{empty}")
        full_time, full_rss = median_start(f"sqlite:///{full}")
        time_verdict = "meets" if full_time <= 1.0 and full_rss <= 150 else "MISSES"
        print(
            f"start with {WAITING:,} reminders waiting      {full_time:.2f} s, {full_rss:.0f} MB "
            f"(x{full_time / base_time:.2f} and x{full_rss / base_rss:.2f} of an empty store: "
            f"{base_time:.2f} s, {base_rss:.0f} MB) — {time_verdict} target (1 s, 150 MB) (SQLite)"
        )
        same = f"sqlite:///{Path(folder) / 'same.db'}"
        upgrade(same)
        print_burst("SQLite", *burst_on(same, lead=45))
    try:
        with postgres.server() as server, postgres.database(server) as on_server:
            print_burst("PostgreSQL", *burst_on(on_server, lead=150))
    except postgres.UnavailableError as why:
        print(postgres.not_measured(why))


if __name__ == "__main__":
    main()
