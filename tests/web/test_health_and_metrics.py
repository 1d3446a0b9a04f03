"""What an operator's load balancer and Prometheus see: /healthz says whether this process can
serve (and why not), /metrics gives the figures only to whoever holds the metrics token, and
neither writes anything nor says anything about anyone."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import TypeVar

import aiohttp
import pytest
from multidict import CIMultiDictProxy
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from adapters.web.metrics import Metrics
from adapters.web.server import WebServer
from bot.clock import ManualClock
from bot.commands import Command
from bot.context import Context
from bot.core import OUR_FAULT, Moot
from bot.feature import Feature
from bot.features import ALL_FEATURES
from bot.outbox import queue
from bot.outbox.queue import Message
from storage.engine import make_engine
from storage.models import Community, ScheduledJob
from storage.store import Store
from tests.conftest import STOP_WITHIN_SECONDS
from tests.helpers import RecordingOutlet, Resident, texts
from tests.poll_helpers import members, published

T = TypeVar("T")
TOKEN = "metrics-token-for-the-tests-0123456789"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def _boom(ctx: Context) -> None:
    raise RuntimeError("a bug")


# A command with a bug in it: the core answers "something went wrong" and counts an error.
BROKEN = Feature(name="broken", commands=(Command("boom", "Fails", _boom),))


@pytest.fixture
async def moot(database_url: str, clock: ManualClock) -> AsyncIterator[Moot]:
    core = Moot(Store(database_url), clock, (*ALL_FEATURES, BROKEN))
    await core.start()
    yield core
    await asyncio.wait_for(core.stop(), STOP_WITHIN_SECONDS)


@pytest.fixture
async def served(moot: Moot) -> AsyncIterator[WebServer]:
    """The web server with metrics on."""
    web = WebServer(moot, "127.0.0.1", 0, "http://127.0.0.1", metrics_token=TOKEN)
    await web.start()
    yield web
    await web.stop()


async def get(
    web: WebServer, path: str, token: str | None = None
) -> tuple[int, str, CIMultiDictProxy[str]]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{web.port}{path}", headers=headers) as response,
    ):
        return response.status, await response.text(), response.headers


async def health(web: WebServer) -> tuple[int, object]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{web.port}/healthz") as response,
    ):
        return response.status, await response.json()


async def scrape(web: WebServer) -> Samples:
    status, text, headers = await get(web, "/metrics", TOKEN)
    assert status == 200, text
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return samples(text)


def samples(text: str) -> Samples:
    """Every sample in a Prometheus exposition, by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


# --- /healthz ---------------------------------------------------------------------------------


async def test_health_is_ok_with_the_platforms_connected_even_with_every_page_off(
    moot: Moot, served: WebServer, community: str, outlet: RecordingOutlet
) -> None:
    version = moot.store.version
    assert (await get(served, "/c/1/"))[0] == 404  # Elm Court's pages are off
    assert await health(served) == (200, {"status": "ok", "connected": ["console"]})
    assert moot.store.version == version  # nothing written, no rendered page made stale


def reading_from(moot: Moot, url: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """Moot's reads go to the database at `url` from now on (the rest of the store, such as
    SQLite's checkpoints, keeps its own)."""
    engine = make_engine(url)

    async def read(query: Callable[[Session], T]) -> T:
        def run() -> T:
            with Session(engine) as session:
                return query(session)

        return await asyncio.to_thread(run)

    monkeypatch.setattr(moot, "read", read)
    return engine


async def test_health_is_unavailable_when_the_store_cannot_be_read(
    moot: Moot, served: WebServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patched:
        engine = reading_from(moot, "postgresql+psycopg://moot@127.0.0.1:1/nothing", patched)
        status, said = await health(served)
        engine.dispose()
    assert status == 503
    assert said == {
        "status": "unavailable",
        "reason": "the store cannot be read (OperationalError)",
        "connected": [],
    }
    assert await health(served) == (200, {"status": "ok", "connected": []})


@contextlib.asynccontextmanager
async def silent_server() -> AsyncIterator[int]:
    """A port that accepts connections and never says a word: a database server that hangs."""
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_health_is_unavailable_when_the_store_takes_over_a_second(
    moot: Moot, served: WebServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with silent_server() as port:
        engine = reading_from(moot, f"postgresql+psycopg://moot@127.0.0.1:{port}/x", monkeypatch)
        asked = asyncio.get_running_loop().time()
        (status, said), again = await asyncio.gather(health(served), health(served))
        took = asyncio.get_running_loop().time() - asked
        assert again == (status, said)  # a second probe shares the hanging read
    await asyncio.to_thread(engine.dispose)  # the read that hung failed once the server hung up
    assert status == 503
    assert said == {
        "status": "unavailable",
        "reason": "the store did not answer within a second",
        "connected": [],
    }
    assert 1.0 <= took < 3.0


async def test_health_is_unavailable_once_moot_begins_to_stop(
    database_url: str, clock: ManualClock
) -> None:
    core = Moot(Store(database_url), clock, ALL_FEATURES)
    await core.start()
    web = WebServer(core, "127.0.0.1", 0, "http://127.0.0.1")
    await web.start()
    try:
        assert (await health(web))[0] == 200
        web.stopping()  # what `serve` does first when asked to stop
        assert await health(web) == (
            503,
            {"status": "unavailable", "reason": "Moot is stopping", "connected": []},
        )
        assert (await get(web, "/hello"))[0] == 200  # pages are served until the server stops
    finally:
        await web.stop()
        await asyncio.wait_for(core.stop(), STOP_WITHIN_SECONDS)


async def test_health_is_unavailable_while_the_core_stops_and_after(
    database_url: str, clock: ManualClock
) -> None:
    core = Moot(Store(database_url), clock, ALL_FEATURES)
    await core.start()
    web = WebServer(core, "127.0.0.1", 0, "http://127.0.0.1")
    await web.start()
    try:
        await asyncio.wait_for(core.stop(), STOP_WITHIN_SECONDS)  # the store is closed too
        assert await health(web) == (
            503,
            {"status": "unavailable", "reason": "Moot is stopping", "connected": []},
        )
    finally:
        await web.stop()


# --- who may read /metrics -----------------------------------------------------------------


async def test_metrics_are_not_there_without_the_token(moot: Moot, served: WebServer) -> None:
    for token in (None, "", "metrics-token-for-the-tests-012345678X", TOKEN[:-1]):
        status, text, _ = await get(served, "/metrics", token)
        assert status == 404, token
        assert "Page not found" in text
        assert "moot_" not in text
    status, text, _ = await get(served, "/metrics", TOKEN)
    assert status == 200
    assert value(samples(text), "moot_scheduler_lag_seconds") == 0


async def test_metrics_are_not_there_at_all_unless_a_token_is_set(moot: Moot) -> None:
    web = WebServer(moot, "127.0.0.1", 0, "http://127.0.0.1")
    await web.start()
    try:
        for token in (None, "", TOKEN):
            assert (await get(web, "/metrics", token))[0] == 404
        assert (await health(web))[0] == 200
    finally:
        await web.stop()


# --- what /metrics shows ----------------------------------------------------------------------


async def queue_post(moot: Moot, platform: str, summary: str, *, ahead: timedelta | None) -> None:
    """A post for Elm Court's chat on `platform`; `ahead`: prepared for that much later."""
    now = moot.clock.now()

    def op(session: Session) -> None:
        community_id = session.exec(select(Community.id)).one()
        queue.post(
            session,
            platform=platform,
            chat_id="group-1",
            message=Message(summary, live="nothing", not_before=now + ahead if ahead else None),
            now=now,
            community_id=community_id,
        )

    await moot.write(op)


async def test_the_outbox_depth_and_its_oldest_entry_show_per_platform(
    moot: Moot, served: WebServer, community: str, clock: ManualClock, outlet: RecordingOutlet
) -> None:
    await queue_post(moot, "telegram", "the bins notice", ahead=None)  # Telegram is not connected
    await clock.advance(timedelta(seconds=90))
    await queue_post(moot, "telegram", "the rent notice", ahead=None)
    await queue_post(moot, "telegram", "tomorrow's reminder", ahead=timedelta(days=1))
    await clock.advance(timedelta(seconds=30))
    version = moot.store.version
    found = await scrape(served)
    assert value(found, "moot_outbox_waiting", platform="telegram") == 2  # not the reminder
    assert value(found, "moot_outbox_oldest_waiting_seconds", platform="telegram") == 120
    assert value(found, "moot_platform_connected", platform="telegram") == 0
    # The console is connected and has sent all it had.
    assert value(found, "moot_outbox_waiting", platform="console") == 0
    assert value(found, "moot_outbox_oldest_waiting_seconds", platform="console") == 0
    assert value(found, "moot_platform_connected", platform="console") == 1
    assert moot.store.version == version  # a scrape writes nothing

    await clock.advance(timedelta(days=1))  # the reminder's moment comes; it waits a minute more
    await clock.advance(timedelta(seconds=60))
    found = await scrape(served)
    assert value(found, "moot_outbox_waiting", platform="telegram") == 3
    assert value(found, "moot_outbox_oldest_waiting_seconds", platform="telegram") == (
        120 + 86_400 + 60
    )


async def test_a_due_job_nobody_ran_shows_as_scheduler_lag(
    moot: Moot, served: WebServer, clock: ManualClock
) -> None:
    assert value(await scrape(served), "moot_scheduler_lag_seconds") == 0
    now = clock.now()

    def overdue(session: Session) -> None:  # written as a row, never armed: nothing runs it
        session.add(ScheduledJob(kind="nothing", due_at=now - timedelta(minutes=5)))
        session.add(ScheduledJob(kind="nothing", due_at=now - timedelta(minutes=2)))
        session.add(ScheduledJob(kind="nothing", due_at=now + timedelta(hours=1)))  # not due
        done = ScheduledJob(kind="nothing", due_at=now - timedelta(hours=3), done_at=now)
        session.add(done)

    await moot.write(overdue)
    assert value(await scrape(served), "moot_scheduler_lag_seconds") == 300


async def test_commands_votes_and_errors_are_counted(
    moot: Moot, served: WebServer, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    before = await scrape(served)
    assert value(before, "moot_votes_total") == 0
    assert value(before, "moot_command_errors_total") == 0
    assert value(before, "moot_commands_total", command="help") is None

    await host.say("/help")
    await host.say("/help")
    await host.say("/nosuchcommand")
    (alice,) = await members(moot, host, "Alice")
    poll_id = await published(host, "Trees? | Oak | Ash")
    assert "is counted" in texts(await alice.say(f"/vote {poll_id} 1"))
    assert "replaces your earlier vote" in texts(await alice.say(f"/vote {poll_id} 2"))
    refused = texts(await alice.say(f"/vote {poll_id} 9"))  # there is no option 9
    assert "counted" not in refused, refused
    assert "replaces" not in refused, refused
    assert texts(await alice.say("/boom")) == OUR_FAULT

    found = await scrape(served)
    assert value(found, "moot_commands_total", command="help") == 2
    assert value(found, "moot_commands_total", command="vote") == 3
    assert value(found, "moot_commands_total", command="boom") == 1
    assert not any("nosuchcommand" in str(labels) for _, labels in found)  # unknown: not a label
    assert value(found, "moot_votes_total") == 2  # the third vote was refused: not counted
    assert value(found, "moot_command_errors_total") == 1


async def test_each_moot_has_a_registry_of_its_own(moot: Moot, host: Resident) -> None:
    """Metrics never land in prometheus_client's global registry, so two Moots in one process
    (a test's, a benchmark's) each show their own figures."""
    first, second = Metrics(moot), Metrics(moot)
    await host.say("/help")
    for metrics in (first, second):
        found = samples((await metrics.exposition()).decode())
        assert value(found, "moot_commands_total", command="help") == 1
        assert any(name == "process_cpu_seconds_total" for name, _ in found)
    assert REGISTRY.get_sample_value("moot_commands_total", {"command": "help"}) is None


async def test_the_holder_of_each_role_shows(moot: Moot, outlet: RecordingOutlet) -> None:
    """Which process holds which role (bot/leases.py): this one, since it is alone."""
    await moot.drain()
    found = samples((await Metrics(moot).exposition()).decode())
    holder = moot.leases.holder
    assert value(found, "moot_lease_holder", role="scheduler", holder=holder) == 1
    assert value(found, "moot_lease_holder", role="outbox:console", holder=holder) == 1
    await moot.detach("console")  # given up: no longer shown
    found = samples((await Metrics(moot).exposition()).decode())
    assert [dict(labels) for name, labels in found if name == "moot_lease_holder"] == [
        {"role": "scheduler", "holder": holder}
    ]
