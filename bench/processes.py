"""Votes through one, two and three `moot serve` processes on one PostgreSQL database (issue 20).
Prints, from one run:

- CPU-seconds per 1,000 votes, all Moot processes and every PostgreSQL process together, with 1,
  2 and 3 processes, for votes spread over many polls and for votes on one hot poll; with 3
  processes beside 1 (target: at most x1.25). The machine has 2 cores, so wall-clock scaling from
  1 to 3 processes says little; CPU spent per vote is what carries over to a bigger one.
- the most votes a second the 3 processes answered, and the latency of a button press through the
  whole system (the update posted to the proxy, to its answerCallbackQuery reaching the fake
  Telegram) at half that rate: p50 and p99 (target: p99 at most 50 ms).

Each run starts real processes (tests/cluster/harness.py: Telegram in webhook mode against the
fake Bot API, behind a round-robin proxy) on a fresh database with `PEOPLE` members, and casts
`VOTES` first votes after 200 warm-up votes. CPU time is read from /proc; the fake Telegram and
the proxy (the platform's side) are not counted. Run with `make bench` (or
`python -m bench.processes`); it takes about five minutes.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from bench.postgres import UnavailableError, database, not_measured, server
from bench.stores import analyze, connected
from bench.write_path import p99
from tests.cluster.harness import Cluster
from tests.cluster.seeding import GROUP, community, telegram_id
from tests.fakes.telegram_api import Call, FakeTelegram, Updates

PEOPLE = 4000
MANY_POLLS = 20
WARM_UP = 200
VOTES = 2000
IN_FLIGHT = 48
PRESSES_AT_HALF_PEAK = 1000
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: Iterable[int]) -> float:
    """User and system time of these processes and of their children that have exited."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except FileNotFoundError:
            continue
        total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return total / TICKS


def postgres_pids(url: str) -> list[int]:
    """The server's postmaster and every process it started (backends, writers, autovacuum)."""
    with connected(url) as db:
        (backend,) = db.execute("SELECT pg_backend_pid()").fetchone()
    postmaster = parent_of(backend)
    return [postmaster, *(p for p in all_pids() if parent_of(p) == postmaster)]


def all_pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def parent_of(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return 0
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:")))


def polls(url: str, count: int) -> None:
    """`count` open single-choice polls with three options, posted in the group."""
    with connected(url) as db:
        for number in range(1, count + 1):
            db.execute(
                "INSERT INTO poll (id, community_id, number, created_by_person_id, question, kind, "
                "binding, secret, electorate, results_shown, threshold, threshold_base, "
                "closes_at, status, origin_platform, origin_chat_id, created_at) VALUES "
                "(?, 1, ?, 1, 'Which option', 'single', false, false, 'members', 'live', 'none', "
                "'cast', '2030-01-01 00:00:00', 'open', 'telegram', ?, '2026-01-01 00:00:00')",
                (number, number, str(GROUP)),
            )
            db.executemany(
                "INSERT INTO polloption (poll_id, number, label) VALUES (?, ?, ?)",
                [(number, n, f"Option {n}") for n in range(1, 4)],
            )
            db.executemany(
                "INSERT INTO pollcount (poll_id, choice, votes) VALUES (?, ?, 0)",
                [(number, n) for n in range(1, 4)],
            )
        db.execute(
            "INSERT INTO numbersequence (community_id, kind, last) VALUES (1, 'poll', ?)", (count,)
        )
    analyze(url)


class Votes:
    """Presses of vote buttons posted as Telegram would, and when each was answered."""

    def __init__(self, running: Cluster, telegram: FakeTelegram) -> None:
        self.running, self.updates = running, Updates()
        self.posted: dict[str, float] = {}
        self.answered: dict[str, float] = {}
        telegram.on_request = self._heard

    def _heard(self, call: Call) -> None:
        if call.method == "answerCallbackQuery":
            self.answered[str(call.params["callback_query_id"])] = time.perf_counter()

    async def press(self, person: int, poll: int) -> str:
        data = f"vote 1.{poll} {1 + person % 3}"
        update = self.updates.press(GROUP, telegram_id(person), f"Resident {person}", data)
        query = str(update["callback_query"]["id"])
        self.posted[query] = time.perf_counter()
        assert await self.running.deliver(update) == 200
        return query

    async def answered_all(self, queries: list[str], within: float = 300) -> None:
        started = time.monotonic()
        while not all(q in self.answered for q in queries):
            if time.monotonic() - started > within:
                raise TimeoutError(f"{sum(q in self.answered for q in queries)} answered")
            await asyncio.sleep(0.05)

    async def flood(self, people: range, poll_of: Callable[[int], int]) -> float:
        """Everyone in `people` votes, IN_FLIGHT presses unanswered at most; seconds taken."""
        started = time.perf_counter()
        gate = asyncio.Semaphore(IN_FLIGHT)

        async def one(person: int) -> None:
            async with gate:
                query = await self.press(person, poll_of(person))
                await self.answered_all([query])

        await asyncio.gather(*(one(p) for p in people))
        return time.perf_counter() - started

    async def paced(self, people: range, poll_of: Callable[[int], int], rate: float) -> list[float]:
        """Everyone in `people` votes, one press every 1/rate s; each press's latency in ms."""
        queries, started = [], time.perf_counter()
        for n, person in enumerate(people):
            await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
            queries.append(asyncio.create_task(self.press(person, poll_of(person))))
        sent = [await q for q in queries]
        await self.answered_all(sent)
        return [(self.answered[q] - self.posted[q]) * 1000 for q in sent]


async def measured(
    server_url: str, size: int, hot: bool, *, half_peak: bool = False
) -> tuple[tuple[float, float], float, list[float]]:
    """((CPU-seconds per 1,000 votes in Moot, in PostgreSQL), votes a second, latencies at half
    that rate in ms)."""

    def poll_of(person: int) -> int:
        return 1 if hot else 1 + person % MANY_POLLS

    with database(server_url) as url, tempfile.TemporaryDirectory() as folder:
        community(url, PEOPLE)
        polls(url, MANY_POLLS)
        telegram = FakeTelegram()
        await telegram.start()
        running = Cluster(url, telegram, Path(folder), size)
        try:
            await running.open()
            votes = Votes(running, telegram)
            await votes.flood(range(2, 2 + WARM_UP), poll_of)
            moot = [p.popen.pid for p in running.processes if p.popen is not None]
            database_side = postgres_pids(url)
            moot_before, database_before = cpu_seconds(moot), cpu_seconds(database_side)
            people = range(2 + WARM_UP, 2 + WARM_UP + VOTES)
            took = await votes.flood(people, poll_of)
            moot_spent = cpu_seconds(moot) - moot_before
            database_spent = cpu_seconds(postgres_pids(url)) - database_before
            spent = (moot_spent / VOTES * 1000, database_spent / VOTES * 1000)
            latencies: list[float] = []
            if half_peak:
                rest = range(people.stop, people.stop + PRESSES_AT_HALF_PEAK)
                latencies = await votes.paced(rest, poll_of, VOTES / took / 2)
            assert not running.tracebacks(), running.tracebacks()
        finally:
            await running.close()
            await telegram.stop()
    return spent, VOTES / took, latencies


def main() -> None:
    try:
        with server() as server_url:
            asyncio.run(report(server_url))
    except UnavailableError as why:
        print(not_measured(why))


async def report(server_url: str) -> None:
    print(f"Votes through 1-3 processes on PostgreSQL ({VOTES:,} votes each, {PEOPLE:,} people)")
    for hot in (False, True):
        label = "one hot poll" if hot else f"{MANY_POLLS} polls"
        figures = {}
        for size in (1, 2, 3):
            figures[size] = await measured(server_url, size, hot, half_peak=size == 3 and not hot)
            (moot, database_side), rate, _ = figures[size]
            print(
                f"  {label}, {size} process(es): {moot + database_side:5.2f} CPU-s per 1,000 "
                f"votes (Moot {moot:.2f}, PostgreSQL {database_side:.2f}), {rate:4.0f} votes/s"
            )
        ratio = sum(figures[3][0]) / sum(figures[1][0])
        verdict = "PASS" if ratio <= 1.25 else "MISS"
        print(
            f"  {label}: 3 processes x{ratio:.2f} of 1 process's CPU per vote (<= x1.25) {verdict}"
        )
        if hot:
            busy = sum(figures[3][0]) * figures[3][1] / 1000
            print(
                f"  {label}, what bounds it: Moot and PostgreSQL kept {busy:.1f} of this machine's "
                f"{os.cpu_count()} cores busy at {figures[3][1]:.0f} votes/s (the fake platform "
                "and the proxy use the rest); each group of votes on it holds the poll's "
                "running totals until it commits"
            )
        latencies = figures[3][2]
        if latencies:
            peak = figures[3][1]
            p50, worst = statistics.median(latencies), p99(latencies)
            verdict = "PASS" if worst <= 50 else "MISS"
            print(
                f"  a press at half the peak ({peak / 2:.0f}/s of {peak:.0f}/s), 3 processes: "
                f"p50 {p50:.1f} ms, p99 {worst:.1f} ms (<= 50 ms) {verdict}"
            )


if __name__ == "__main__":
    main()
