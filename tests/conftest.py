"""Fixtures every test may use: a store, a clock that tests move, a running Moot, a console
platform that records what Moot sends, and residents of Elm Court.

Every test that uses the store runs twice: on SQLite, and on PostgreSQL when
MOOT_TEST_POSTGRES_URL names a server to make throwaway databases on (`.ci/postgres start` runs
one; `.ci/run` always does). Without one, the PostgreSQL half is reported as not run at the end,
and with MOOT_REQUIRE_POSTGRES=1 (as in CI) its absence fails the run instead."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.clock import ManualClock
from bot.core import Moot
from bot.features import ALL_FEATURES
from storage.migrate import upgrade
from storage.store import Store
from tests.helpers import RecordingOutlet, Resident

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
# Moot stops within 10 s in production; a test's Moot has less to do.
STOP_WITHIN_SECONDS = 10


POSTGRES_SERVER = os.environ.get("MOOT_TEST_POSTGRES_URL", "")
POSTGRES_REQUIRED = os.environ.get("MOOT_REQUIRE_POSTGRES") == "1"
NOT_RUN = "PostgreSQL half not run: no MOOT_TEST_POSTGRES_URL (see docs/operating.md)"
_not_run: list[str] = []


def _on_server(database: str) -> str:
    return make_url(POSTGRES_SERVER).set(database=database).render_as_string(hide_password=False)


def _admin(statement: str) -> None:
    engine = create_engine(_on_server("postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store migrated once per run, that each test's store is copied from (migrating
    takes a fifth of a second; a copy, a millisecond)."""
    path = tmp_path_factory.mktemp("template") / "moot.db"
    upgrade(f"sqlite:///{path}")
    assert not Path(f"{path}-wal").exists(), "the template's log was not emptied on closing"
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A database migrated once per run, that each test's database is copied from."""
    name = f"moot_template_{uuid.uuid4().hex[:8]}"
    _admin(f"CREATE DATABASE {name}")
    upgrade(_on_server(name))
    yield name
    _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


NewStore = Callable[[], str]


@pytest.fixture(params=["sqlite", "postgresql"])
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NewStore]:
    """Makes migrated, empty stores for one test, as many as it asks for: SQLite files, or
    PostgreSQL databases (dropped after the test)."""
    if request.param == "sqlite":
        yield sqlite_copies(request.getfixturevalue("sqlite_template"), tmp_path)
        return
    only = request.node.get_closest_marker("sqlite_only")
    if only is not None:
        pytest.skip(f"SQLite only: {only.args[0]}")
    yield from _postgres_databases(request)


def sqlite_copies(template: Path, folder: Path) -> NewStore:
    """Makes SQLite files in `folder`, each a copy of the migrated, empty `template`."""
    files = itertools.count(1)

    def new_sqlite() -> str:
        path = folder / f"moot-{next(files)}.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"

    return new_sqlite


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A migrated, empty PostgreSQL database, for a test that means something only there (two
    processes' writers racing on one database): not run without a server, reported as such, and
    a failure with MOOT_REQUIRE_POSTGRES=1."""
    for new_database in _postgres_databases(request):
        yield new_database()


def _postgres_databases(request: pytest.FixtureRequest) -> Iterator[NewStore]:
    """Yields a maker of throwaway databases on the server once, and then drops what it made."""
    if not POSTGRES_SERVER:
        if POSTGRES_REQUIRED:
            pytest.fail("MOOT_REQUIRE_POSTGRES=1 but MOOT_TEST_POSTGRES_URL is not set")
        _not_run.append(request.node.nodeid)
        pytest.skip(NOT_RUN)
    server_template: str = request.getfixturevalue("postgres_template")
    made: list[str] = []

    def new_postgresql() -> str:
        name = f"moot_test_{uuid.uuid4().hex[:12]}"
        _admin(f"CREATE DATABASE {name} TEMPLATE {server_template}")
        made.append(name)
        return _on_server(name)

    yield new_postgresql
    for name in made:
        _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def database_url(new_store: NewStore) -> str:
    """A migrated, empty store for one test (run once on each store)."""
    return new_store()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _not_run:
        terminalreporter.write_sep("!", f"{NOT_RUN}: {len(_not_run)} tests", red=True, bold=True)


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
