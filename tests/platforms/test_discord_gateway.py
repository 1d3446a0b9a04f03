"""Discord's gateway is one process's (bot/leases.py, role "gateway:discord"): with several Moot
processes on one database, one connects and another takes over when it stops or goes silent;
the others stay logged in over REST, to send and to answer interactions that come by HTTP.
Two cores on one database stand in for two processes, as in tests/test_leases.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import discord.gateway
import discord.http
import pytest
import yarl

from adapters.discord.adapter import DiscordAdapter
from bot.clock import ManualClock
from bot.core import Moot
from bot.events import DISCORD
from bot.leases import gateway_role
from tests.discord_harness import TOKEN
from tests.fakes.discord_api import FakeDiscord
from tests.test_leases import RENEW, SHORT, STALLED, process, until

GATEWAY = gateway_role(DISCORD)


@pytest.fixture
async def api(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url)
    )
    try:
        yield fake
    finally:
        await fake.stop()


@asynccontextmanager
async def discord_process(
    url: str, clock: ManualClock, api: FakeDiscord
) -> AsyncIterator[tuple[Moot, asyncio.Task[None]]]:
    """A Moot process serving Discord (`run`, as `moot run` does), until it stops."""
    async with process(url, clock) as moot:
        running = asyncio.create_task(DiscordAdapter(TOKEN).run(moot))
        try:
            await until(lambda: DISCORD in moot.outbox.connected, 5)  # logged in over REST
            yield moot, running
        finally:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)


async def test_one_process_connects_and_another_takes_over_when_it_stops(
    database_url: str, clock: ManualClock, api: FakeDiscord
) -> None:
    async with (
        discord_process(database_url, clock, api) as (first, serving),
        discord_process(database_url, clock, api) as (second, _),
    ):
        await until(lambda: api.identified == 1 and api.connected == 1, 5)
        await asyncio.sleep(3 * RENEW)  # the second keeps trying for the role meanwhile
        assert (api.identified, api.connected) == (1, 1)
        assert first.leases.holds(GATEWAY)  # the first to start connects
        assert not second.leases.holds(GATEWAY)
        # Both can send: the one without the gateway too.
        assert DISCORD in first.outbox.connected
        assert DISCORD in second.outbox.connected

        serving.cancel()  # the first stops serving Discord, giving the role up
        await asyncio.gather(serving, return_exceptions=True)
        took = await until(lambda: api.identified == 2 and api.connected == 1, 3 * SHORT)
        assert took <= 2 * RENEW + 1  # at its next try, and the time to connect
        assert second.leases.holds(GATEWAY)


async def test_a_holder_that_goes_silent_disconnects_and_another_connects(
    database_url: str, clock: ManualClock, api: FakeDiscord
) -> None:
    async with (
        discord_process(database_url, clock, api) as (first, _),
        discord_process(database_url, clock, api) as (second, _),
    ):
        await until(lambda: api.connected == 1, 5)
        silent, other = (first, second) if first.leases.holds(GATEWAY) else (second, first)
        identified = api.identified
        store = silent.leases._store
        silent.leases._store = STALLED  # type: ignore[assignment]
        # It stops counting on the role before anyone else can have it, and disconnects.
        await until(lambda: not silent.leases.holds(GATEWAY), SHORT)
        await until(lambda: api.connected == 0 or other.leases.holds(GATEWAY), SHORT)
        took = await until(
            lambda: api.identified == identified + 1 and api.connected == 1, 3 * SHORT
        )
        assert took <= 2 * SHORT
        assert other.leases.holds(GATEWAY)
        silent.leases._store = store  # for a clean stop


async def test_the_sole_process_connects_at_once(
    database_url: str, clock: ManualClock, api: FakeDiscord, moot: Moot
) -> None:
    """One process (SQLite always): it takes the role at start and connects, as before."""
    running = asyncio.create_task(DiscordAdapter(TOKEN).run(moot))
    try:
        await until(lambda: api.identified == 1 and api.connected == 1, 5)
        assert moot.leases.holds(GATEWAY)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    await until(lambda: api.connected == 0, 2)
