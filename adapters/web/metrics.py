"""GET /metrics: what operators watch, in Prometheus's text format (docs/operating.md).

Metrics are operational data (how busy each community's platforms are, when Moot falls
behind), not for visitors: the address answers only with `METRICS_TOKEN` set and the request
carrying it (`Authorization: Bearer <token>`), and is otherwise the same 404 as any page that is
not there.

Moot keeps a `CollectorRegistry` of its own per web server, never prometheus_client's global
one, so each Moot (a test builds many) exposes only its own figures. Three kinds of figure:
- counted by the core as it works (bot/metrics.py): commands, their unexpected errors, votes;
- read from the store at scrape time, in one read on a worker thread (`moot.read`, which never
  writes): the outbox's depth and the age of its oldest entry per platform, the scheduler's lag,
  and who holds which lease (`LeaseHolders`, below);
- the process's own (CPU, memory, open files, garbage collection), from prometheus_client.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiohttp import web
from prometheus_client import (
    CollectorRegistry,
    GCCollector,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlmodel import Session

from bot import scheduler
from bot.core import Moot
from bot.outbox import status
from storage.leases import holders


def lease_holders(session: Session) -> tuple[tuple[str, str], ...]:
    """Who holds which role now (bot/leases.py), as (role, holder) pairs; leases run on the
    holders' wall clocks, not the core's."""
    now = time.time()
    return tuple((lease.role, lease.holder) for lease in holders(session) if lease.live(now))


@dataclass(frozen=True)
class Scraped:
    """What the store said at one scrape, and what this process knew then."""

    now: datetime  # the core's clock
    connected: frozenset[str]  # the platforms this process is connected to
    waiting: Mapping[str, status.Waiting]  # by platform
    lag: timedelta
    leases: tuple[tuple[str, str], ...]  # (role, holder)


@dataclass(eq=False)  # a registry keeps its collectors in a dict
class _FromTheStore(Collector):
    """The figures read at scrape time: `latest` is set just before each exposition, on the event
    loop with no await in between, so two scrapes never mix."""

    latest: Scraped | None = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        scraped = self.latest
        if scraped is None:
            return
        platforms = sorted(set(scraped.waiting) | scraped.connected)
        waiting = GaugeMetricFamily(
            "moot_outbox_waiting",
            "Outbox entries due to be sent and not sent yet, by platform.",
            labels=["platform"],
        )
        oldest = GaugeMetricFamily(
            "moot_outbox_oldest_waiting_seconds",
            "How long the oldest entry waiting to be sent has been due, by platform (0: none).",
            labels=["platform"],
        )
        connected = GaugeMetricFamily(
            "moot_platform_connected",
            "1 while the platform is connected to this process, else 0.",
            labels=["platform"],
        )
        for platform in platforms:
            found = scraped.waiting.get(platform)
            waiting.add_metric([platform], found.entries if found else 0)
            age = max(timedelta(0), scraped.now - found.since) if found else timedelta(0)
            oldest.add_metric([platform], age.total_seconds())
            connected.add_metric([platform], 1 if platform in scraped.connected else 0)
        yield waiting
        yield oldest
        yield connected
        yield GaugeMetricFamily(
            "moot_scheduler_lag_seconds",
            "How late the most overdue scheduled job is that fell due and has not started (0: none).",
            value=scraped.lag.total_seconds(),
        )
        leases = GaugeMetricFamily(
            "moot_lease_holder",
            "1 for each role's lease and the process that holds it.",
            labels=["role", "holder"],
        )
        for role, holder in scraped.leases:
            leases.add_metric([role, holder], 1)
        yield leases


@dataclass(eq=False)
class _Counted(Collector):
    """The core's own counts (bot/metrics.py), read as they stand."""

    moot: Moot

    def collect(self) -> Iterator[CounterMetricFamily]:
        counts = self.moot.counts
        commands = CounterMetricFamily(
            "moot_commands", "Commands Moot was asked to run, by name.", labels=["command"]
        )
        for name, times in sorted(counts.commands.items()):
            commands.add_metric([name], times)
        yield commands
        yield CounterMetricFamily(
            "moot_command_errors",
            "Commands that failed with an unexpected error (the person was told something went wrong).",
            value=counts.command_errors,
        )
        yield CounterMetricFamily(
            "moot_votes", "Votes counted (secret ballots as they are cast).", value=counts.votes
        )


@dataclass
class Metrics:
    """Moot's registry and what fills it; the web application builds one per server
    (adapters/web/app.py)."""

    moot: Moot
    registry: CollectorRegistry = field(init=False)
    _from_the_store: _FromTheStore = field(init=False)

    def __post_init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self._from_the_store = _FromTheStore()
        self.registry.register(self._from_the_store)
        self.registry.register(_Counted(self.moot))
        # The process's own, as every Python service exposes them (CPU, memory, open files,
        # the garbage collector; read from /proc and the interpreter, never Moot's data).
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)

    async def exposition(self) -> bytes:
        now, connected = self.moot.clock.now(), self.moot.outbox.connected

        def read(session: Session) -> Scraped:
            return Scraped(
                now,
                connected,
                status.waiting(session, now),
                scheduler.lag(session, now),
                lease_holders(session),
            )

        self._from_the_store.latest = await self.moot.read(read)
        return generate_latest(self.registry)


def authorised(request: web.Request, token: str | None) -> bool:
    """Whether the request carries the metrics token (compared in constant time); never with
    no token set."""
    if token is None:
        return False
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )
