"""Web benchmarks. Prints, from one run on this machine, a block for SQLite and one for
PostgreSQL (a durable local server: bench/postgres.py; "not measured", loudly, without one), over
a community with 100,000 repair reports, 10,000 polls and 5,000 meetings, public on the web:

- requests per second and p50/p99 latency of the community's home page and its Repairs page,
  served by Moot's web server while the bot runs in the same process, to a load of CLIENTS
  keep-alive connections from a separate process (so that the load's own work is not counted),
  signed in as the member who made all the reports (the most a page shows anyone);
- beside them, the static /hello page from the same server in the same run: the baseline, the
  cost of HTTP itself (targets: each page at least x0.3 of it, and its p99 at most 50 ms);
- the same two pages rendered afresh for every request, as right after each write (the server
  otherwise serves a page again as rendered until something is written or the minute turns:
  adapters/web/rendered.py), AFRESH requests each;
- the longest the bot's event loop went without running a 1 ms ticker while the pages were
  served (target: at most 50 ms; bench/stalls.py measures it the same way).

Each load stops after REQUESTS requests or SECONDS seconds, whichever comes first.

Run with `make bench` (or `python -m bench.web`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp

from adapters.web.server import WebServer
from adapters.web.site import SITE
from bench import postgres, repairs
from bench.stalls import longest_stall
from bench.stores import analyze, connected
from bot.clock import ManualClock
from bot.core import Moot
from bot.events import Actor, CommandInvoked, Place
from bot.features import ALL_FEATURES
from moot.heap import freeze_what_lives_for_good
from storage.migrate import upgrade
from storage.raw import RawConnection
from storage.store import Store
from storage.types import stored_moment

REPORTS, POLLS, MEETINGS = 100_000, 10_000, 5_000
OPEN_POLLS, UPCOMING_MEETINGS = 20, 30
CLIENTS = 8
REQUESTS = 2_000
AFRESH = 300  # requests for each page rendered afresh
SECONDS = 10.0
WARM_UP = 20
NOW = repairs.NOW
PLACE = Place("bench", "group", "Bench", is_private=False)
DIRECT = Place("bench", "dm-1", "Tenant", is_private=True)
ADMIN = Actor("bench", "1", "Tenant", is_chat_admin=True)
PAGES = (("community home", "/c/1/"), ("repairs page", "/c/1/repairs"))


def seed(url: str) -> None:
    """The repairs benchmark's community and reports, made an admin's, with a group chat, polls
    and meetings added (bulk inserts: building them through the core would take minutes)."""
    repairs.seed(url, REPORTS)
    with connected(url) as db:
        _seed_admin(db)
        _seed_polls(db, POLLS)
        _seed_meetings(db, MEETINGS)
    analyze(url)


def _seed_admin(db: RawConnection) -> None:
    moment = stored_moment(NOW)
    db.execute(
        "INSERT INTO account (platform, platform_user_id, person_id, display_name, last_seen_at) "
        "VALUES ('bench', '1', 1, 'Tenant', ?)",
        (moment,),
    )
    db.execute(
        "INSERT INTO membership (community_id, number, person_id, role, status, requested_at) "
        "VALUES (1, 1, 1, 'admin', 'active', ?)",
        (moment,),
    )
    db.execute(
        "INSERT INTO chat (platform, platform_chat_id, title, community_id, linked_by_person_id, "
        "linked_at) VALUES ('bench', 'group', 'Bench', 1, 1, ?)",
        (moment,),
    )
    db.execute("UPDATE person SET current_community_id = 1 WHERE id = 1")
    db.execute("INSERT INTO numbersequence (community_id, kind, last) VALUES (1, 'member', 1)")


def _seed_polls(db: RawConnection, count: int) -> None:
    """`count` two-option polls over the past three years, the last few still open, each with
    its running totals."""
    rng = random.Random(11)

    def polls() -> Iterator[tuple[Any, ...]]:
        for number in range(1, count + 1):
            is_open = number > count - OPEN_POLLS
            opened = NOW - timedelta(days=3 * 365 * (count - number) / count + 7)
            closes = NOW + timedelta(days=7) if is_open else opened + timedelta(days=7)
            yield (
                number,
                number,
                f"Question {number}?",
                stored_moment(closes),
                "open" if is_open else "closed",
                stored_moment(opened),
                stored_moment(opened),
                None if is_open else stored_moment(closes),
                None if is_open or rng.random() < 0.5 else f"Done as decided ({number})",
            )

    db.executemany(
        "INSERT INTO poll (id, community_id, number, created_by_person_id, question, kind, "
        "binding, secret, electorate, results_shown, threshold, threshold_base, closes_at, "
        "status, origin_platform, origin_chat_id, created_at, opened_at, closed_at, outcome) "
        "VALUES (?, 1, ?, 1, ?, 'single', false, false, 'members', 'live', 'none', 'cast', ?, "
        "?, 'bench', 'group', ?, ?, ?, ?)",
        polls(),
    )
    db.executemany(
        "INSERT INTO polloption (poll_id, number, label) VALUES (?, ?, ?)",
        ((poll, option, label) for poll in range(1, count + 1) for option, label in _OPTIONS),
    )
    db.executemany(
        "INSERT INTO pollcount (poll_id, choice, votes) VALUES (?, ?, ?)",
        ((poll, option, rng.randrange(40)) for poll in range(1, count + 1) for option in (1, 2)),
    )
    db.execute(
        "INSERT INTO numbersequence (community_id, kind, last) VALUES (1, 'poll', ?)", (count,)
    )


_OPTIONS = ((1, "Yes"), (2, "No"))


def _seed_meetings(db: RawConnection, count: int) -> None:
    """`count` meetings a week apart up to now, and a few to come; one in twenty cancelled."""

    def meetings() -> Iterator[tuple[Any, ...]]:
        for number in range(1, count + 1):
            starts = NOW + timedelta(days=7 * (number - (count - UPCOMING_MEETINGS)), hours=10)
            yield (
                number,
                f"Meeting {number}",
                stored_moment(starts),
                "cancelled" if number % 20 == 0 else "scheduled",
                stored_moment(starts - timedelta(days=14)),
                f"{uuid.UUID(int=number)}@moot",
            )

    db.executemany(
        "INSERT INTO meeting (community_id, number, created_by_person_id, title, starts_at, "
        "duration_minutes, place, reminders, status, sequence, origin_platform, origin_chat_id, "
        "created_at, calendar_uid) VALUES (1, ?, 1, ?, ?, 60, 'Community hall', '1440,60', ?, 0, "
        "'bench', 'group', ?, ?)",
        meetings(),
    )
    db.execute(
        "INSERT INTO numbersequence (community_id, kind, last) VALUES (1, 'meeting', ?)", (count,)
    )


@dataclass
class Load:
    """What the client process measured for one page."""

    requests: int
    seconds: float
    latencies: list[float] = field(repr=False)  # ms

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def p99(self) -> float:
        return statistics.quantiles(self.latencies, n=100)[98]


async def _client(url: str, requests: int, seconds: float, clients: int, cookie: str) -> None:
    """The load, run in its own process: `clients` connections each fetching `url` in turn
    until `requests` are done or `seconds` have passed; prints what it measured as JSON."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    left = iter(range(requests))
    failures = 0

    async def one(session: aiohttp.ClientSession) -> None:
        nonlocal failures
        for _ in left:
            if time.perf_counter() > deadline:
                return
            began = time.perf_counter()
            async with session.get(url, headers={"Cookie": cookie} if cookie else None) as response:
                await response.read()
                failures += response.status != 200
            latencies.append((time.perf_counter() - began) * 1000)

    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(one(session) for _ in range(clients)))
        took = time.perf_counter() - started
    print(json.dumps({"requests": len(latencies), "seconds": took, "latencies": latencies}))
    if failures:
        sys.exit(f"{failures} of {len(latencies)} requests to {url} did not answer 200")


async def loaded(url: str, cookie: str, requests: int = REQUESTS) -> Load:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.web",
        "--client",
        url,
        str(requests),
        str(SECONDS),
        str(CLIENTS),
        cookie,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"the load on {url} failed")
    return Load(**json.loads(out))


@dataclass
class Figures:
    label: str
    hello: Load | None = None
    pages: dict[str, Load] = field(default_factory=dict)
    afresh: dict[str, Load] = field(default_factory=dict)  # rendered for each request
    stall: float = 0.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def serve(url: str, label: str) -> Figures:
    moot = Moot(Store(url), ManualClock(NOW), ALL_FEATURES)
    await moot.start()
    freeze_what_lives_for_good()  # as `moot` does once started
    await moot.handle(CommandInvoked(ADMIN, PLACE, "web", "public"))
    port = free_port()
    server = WebServer(moot, "127.0.0.1", port, f"http://127.0.0.1:{port}")
    await server.start()
    figures = Figures(label)
    base = f"http://127.0.0.1:{server.port}"
    try:
        cookie = await signed_in(moot, base)
        figures.hello = await loaded(base + "/hello", cookie)
        for name, path in PAGES:
            await loaded(base + path, cookie, WARM_UP)  # the store's cache, templates compiled
            load = asyncio.ensure_future(loaded(base + path, cookie))
            figures.stall = max(figures.stall, await longest_stall(load))
            figures.pages[name] = load.result()
        server.app[SITE].rendered.keep_at_most(
            0
        )  # every request renders its page, as after a write
        for name, path in PAGES:
            load = asyncio.ensure_future(loaded(base + path, cookie, AFRESH))
            figures.stall = max(figures.stall, await longest_stall(load))
            figures.afresh[name] = load.result()
    finally:
        await server.stop()
        await moot.stop()
    return figures


_LINK = re.compile(r"https?://\S+/sign-in/[A-Za-z0-9_-]+")


class _Form(HTMLParser):
    """The sign-in page's form: where it posts, and the hidden fields it sends."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form":
            self.action = found.get("action") or ""
        elif tag == "input" and found.get("type") == "hidden" and found.get("name"):
            self.fields[found["name"] or ""] = found.get("value") or ""


async def signed_in(moot: Moot, base: str) -> str:
    """The bench's tenant asks for a link with /web in a direct message and presses Sign in, as
    a member does: the Cookie header their browser then sends (the member's view of each page,
    their own 100,000 reports included, is the most a page shows)."""
    said = await moot.handle(CommandInvoked(ADMIN, DIRECT, "web", ""))
    link = _LINK.search("\n".join(reply.text for reply in said))
    assert link is not None, [reply.text for reply in said]
    page = base + urlsplit(link.group()).path
    jar = aiohttp.CookieJar(unsafe=True)  # cookies for an address, not a name
    async with aiohttp.ClientSession(cookie_jar=jar) as client:
        async with client.get(page) as response:
            form = _Form()
            form.feed(await response.text())
        target = urljoin(page, form.action) if form.action else page
        async with client.post(target, data=form.fields, allow_redirects=False) as response:
            assert response.status in (302, 303), f"signing in answered {response.status}"
        return "; ".join(f"{c.key}={c.value}" for c in jar)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report(f: Figures) -> None:
    assert f.hello is not None
    print(
        f"--- {f.label}: {REPORTS:,} repair reports, {POLLS:,} polls, {MEETINGS:,} meetings; "
        f"{CLIENTS} connections, signed in as a member"
    )
    print(
        f"{'static /hello (the baseline)':<44} {f.hello.rate:>7,.0f} req/s, "
        f"p50 {statistics.median(f.hello.latencies):.1f} ms, p99 {f.hello.p99:.1f} ms"
    )
    for name, path in PAGES:
        load = f.pages[name]
        print(
            f"{name + ' ' + path:<44} {load.rate:>7,.0f} req/s, "
            f"p50 {statistics.median(load.latencies):.1f} ms, p99 {load.p99:.1f} ms "
            f"({load.requests:,} requests in {load.seconds:.1f} s)"
        )
    for name, _ in PAGES:
        load = f.afresh[name]
        print(
            f"{name + ' rendered for each request':<44} {load.rate:>7,.0f} req/s, "
            f"p50 {statistics.median(load.latencies):.1f} ms, p99 {load.p99:.1f} ms "
            "(as after every write: no page kept)"
        )
    for name, _ in PAGES:
        load = f.pages[name]
        ratio = load.rate / f.hello.rate
        print(
            f"TARGET {name + ' / hello':<37} x{ratio:<9.2f} target >= x0.30  {verdict(ratio >= 0.3)}"
        )
        print(
            f"TARGET {'p99 of the ' + name:<37} {load.p99:>7.1f} ms target <= 50 ms  "
            f"{verdict(load.p99 <= 50)}"
        )
    print(
        f"TARGET {'longest loop stall while serving':<37} {f.stall:>7.1f} ms target <= 50 ms  "
        f"{verdict(f.stall <= 50)}"
    )


def measure(url: str, label: str) -> None:
    began = time.perf_counter()
    seed(url)
    seeded = time.perf_counter() - began
    figures = asyncio.run(serve(url, label))
    report(figures)
    print(f"  (the store was built in {seeded:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--client", nargs=5, metavar=("URL", "REQUESTS", "SECONDS", "CLIENTS", "COOKIE")
    )
    parser.add_argument("--store", choices=("both", "sqlite", "postgresql"), default="both")
    args = parser.parse_args()
    if args.client:
        url, requests, seconds, clients, cookie = args.client
        asyncio.run(_client(url, int(requests), float(seconds), int(clients), cookie))
        return
    if args.store != "postgresql":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'web.db'}"
            upgrade(url)
            measure(url, "SQLite (WAL, synchronous=NORMAL)")
    if args.store != "sqlite":
        try:
            with postgres.server() as server, postgres.database(server) as url:
                measure(url, "PostgreSQL (local, fsync on)")
        except postgres.UnavailableError as why:
            print(postgres.not_measured(why))


if __name__ == "__main__":
    main()
