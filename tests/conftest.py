"""Fixtures every test may use: a store, a clock that tests move, a running Moot, a console
platform that records what Moot sends, and residents of Elm Court."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.core import Moot
from bot.features import ALL_FEATURES
from storage.migrate import upgrade
from storage.store import Store
from tests.helpers import RecordingOutlet, Resident

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
# Moot stops within 10 s in production; a test's Moot has less to do.
STOP_WITHIN_SECONDS = 10


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'moot.db'}"
    upgrade(url)
    return url


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def moot(database_url: str, clock: ManualClock) -> AsyncIterator[Moot]:
    core = Moot(Store(database_url), clock, ALL_FEATURES)
    await core.start()
    yield core
    try:
        await asyncio.wait_for(core.stop(), STOP_WITHIN_SECONDS)
    except TimeoutError:
        for task in asyncio.all_tasks():
            task.print_stack()
        raise


@pytest.fixture
async def outlet(moot: Moot) -> RecordingOutlet:
    recorder = RecordingOutlet("console")
    moot.attach(recorder)
    return recorder


@pytest.fixture
def host(moot: Moot) -> Resident:
    return Resident(moot, "console", "host", "Host", chat_admin=True)


@pytest.fixture
def alice(moot: Moot) -> Resident:
    return Resident(moot, "console", "alice", "Alice")


@pytest.fixture
def bob(moot: Moot) -> Resident:
    return Resident(moot, "console", "bob", "Bob")


@pytest.fixture
async def community(host: Resident, outlet: RecordingOutlet) -> str:
    """A community called Elm Court with the console group linked; returns its chat code."""
    replies = await host.say("/setup Elm Court")
    code = next(word for r in replies for word in r.text.split() if word.startswith("CHAT-"))
    return code
