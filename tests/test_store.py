"""The store: connection settings, the single writer's group commits and its guarantees."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from storage.models import Person
from storage.raw import RawConnection
from storage.store import Store, backup_sqlite
from storage.writer import RETRIES

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def add_person(name: str) -> Any:
    def op(session: Session) -> int:
        person = Person(name=name, created_at=NOW)
        session.add(person)
        session.flush()
        assert person.id is not None
        return person.id

    return op


async def test_moot_warns_at_start_when_the_server_logs_its_statements(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    database_url = postgres_url
    store = Store(database_url)
    store.start()
    await store.close()
    assert "logs Moot's statements" not in caplog.text

    database = make_url(database_url).database
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:  # as an operator might have it, for Moot's database
        connection.exec_driver_sql(f"ALTER DATABASE {database} SET log_statement = 'mod'")
    admin.dispose()
    store = Store(database_url)
    store.start()
    await store.close()
    assert "logs Moot's statements (log_statement=mod)" in caplog.text
    assert "ALTER ROLE moot SET log_statement = 'none'" in caplog.text


@pytest.mark.sqlite_only("SQLite's pragmas")
async def test_every_connection_has_wal_normal_sync_busy_timeout_and_foreign_keys(
    database_url: str,
) -> None:
    store = Store(database_url)
    for engine in (store.read_engine, store.write_engine):
        with engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA synchronous").scalar() == 1  # NORMAL
            assert int(pragma("PRAGMA busy_timeout").scalar() or 0) >= 5000
            assert pragma("PRAGMA foreign_keys").scalar() == 1
    await store.close()


async def test_concurrent_writes_commit_in_groups_and_all_land(database_url: str) -> None:
    store = Store(database_url)
    commits = 0

    def count(_connection: Any) -> None:
        nonlocal commits
        commits += 1

    event.listen(store.write_engine, "commit", count)
    store.start()
    ids = await asyncio.gather(*(store.write(add_person(f"p{i}")) for i in range(500)))
    await store.close()
    assert len(set(ids)) == 500
    assert commits < 100  # 500 writes shared far fewer commits
    reader = Store(database_url)
    names = await reader.read(lambda s: list(s.exec(select(Person.name))))
    await reader.close()
    assert len(names) == 500


async def test_a_failing_write_rolls_back_alone(database_url: str) -> None:
    store = Store(database_url)
    store.start()

    def fails(session: Session) -> None:
        session.add(Person(name="half-done", created_at=NOW))
        session.flush()
        raise ValueError("refused")

    results = await asyncio.gather(
        store.write(add_person("before")),
        store.write(fails),
        store.write(add_person("after")),
        return_exceptions=True,
    )
    names = await store.read(lambda s: sorted(s.exec(select(Person.name))))
    await store.close()
    assert isinstance(results[1], ValueError)
    assert names == ["after", "before"]


class _DeadlockError(Exception):
    """What psycopg raises when PostgreSQL ends a deadlock (psycopg.errors.DeadlockDetected)."""

    sqlstate = "40P01"


def lost_race(times: int) -> tuple[Callable[[Session], str], list[int]]:
    """A write whose first `times` runs lose a race to another process, as SQLAlchemy reports
    it; and the list its runs are counted in."""
    runs: list[int] = []

    def op(session: Session) -> str:
        runs.append(1)
        session.add(Person(name="loser", created_at=NOW))
        session.flush()
        if len(runs) <= times:
            raise OperationalError("UPDATE …", {}, _DeadlockError("deadlock detected"))
        return "landed"

    return op, runs


async def test_a_group_that_loses_a_race_runs_again_whole_and_nobody_sees_it(
    database_url: str,
) -> None:
    store = Store(database_url)
    store.start()
    op, runs = lost_race(times=2)  # lost twice: write by write would have told its caller

    results = await asyncio.gather(
        store.write(add_person("before")), store.write(op), store.write(add_person("after"))
    )

    names = await store.read(lambda s: sorted(s.exec(select(Person.name))))
    await store.close()
    assert results[1] == "landed"
    assert len(runs) == 3
    assert names == ["after", "before", "loser"]


async def test_a_group_that_keeps_losing_tells_each_of_its_callers(database_url: str) -> None:
    store = Store(database_url)
    store.start()
    op, runs = lost_race(times=100)

    results = await asyncio.gather(
        store.write(add_person("before")), store.write(op), return_exceptions=True
    )

    names = await store.read(lambda s: list(s.exec(select(Person.name))))
    await store.close()
    assert all(isinstance(result, OperationalError) for result in results)
    assert len(runs) == RETRIES + 1
    assert names == []


async def test_a_write_is_visible_to_other_connections_when_acknowledged(database_url: str) -> None:
    store = Store(database_url)
    store.start()
    person_id = await store.write(add_person("durable"))
    other = Store(database_url)  # a separate engine, as another process would have
    found = await other.read(lambda s: s.get(Person, person_id))
    await store.close()
    await other.close()
    assert found is not None
    assert found.name == "durable"


async def names_peeked(store: Store) -> list[str]:
    def query(db: RawConnection) -> list[str]:
        return [name for (name,) in db.execute("SELECT name FROM person").fetchall()]

    return await store.peek(query)


async def test_a_peek_sees_only_committed_rows_even_while_an_import_is_half_written(
    database_url: str,
) -> None:
    """Peeks use the writer's connection between groups; a long write holds it on a thread."""
    store = Store(database_url)
    store.start()
    await store.write(add_person("committed"))
    halfway, finish = threading.Event(), threading.Event()

    def long_import(session: Session) -> None:
        session.add(Person(name="half-imported", created_at=NOW))
        session.flush()
        halfway.set()
        finish.wait(5)

    importing = asyncio.create_task(store.write(long_import, long=True))
    assert await asyncio.to_thread(halfway.wait, 5)
    during = await names_peeked(store)
    finish.set()
    await importing
    after = await names_peeked(store)
    await store.close()
    assert during == ["committed"]
    assert sorted(after) == ["committed", "half-imported"]


async def test_writes_after_close_are_refused(database_url: str) -> None:
    store = Store(database_url)
    store.start()
    await store.close()
    with pytest.raises(RuntimeError, match="shutting down"):
        await store.write(add_person("late"))


@pytest.mark.sqlite_only("moot backup copies a SQLite file; PostgreSQL's is pg_dump")
async def test_online_backup_copies_a_live_database(database_url: str, tmp_path: Any) -> None:
    store = Store(database_url)
    store.start()
    await store.write(add_person("kept"))
    target = tmp_path / "backup" / "copy.db"
    backup_sqlite(database_url, target)
    copy = Store(f"sqlite:///{target}")
    names = await copy.read(lambda s: list(s.exec(select(Person.name))))
    await copy.close()
    await store.close()
    assert names == ["kept"]


async def test_a_compaction_during_a_backup_gives_up_soon_and_writes_go_on(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = Store(postgres_url)
    store.start()
    backup = create_engine(postgres_url)  # as pg_dump holds every table it dumps, till it ends
    with backup.connect() as dumping, dumping.begin():
        dumping.exec_driver_sql("LOCK TABLE secretballot IN ACCESS SHARE MODE")
        started = time.perf_counter()
        await asyncio.wait_for(store.compact(), 15)  # without a lock timeout: till the dump ends
        waited = time.perf_counter() - started
        person = await asyncio.wait_for(store.write(add_person("Alice")), 5)
    backup.dispose()
    await store.close()
    # Five seconds for the backup's older snapshot to end, two for the tables' locks; not the
    # whole backup.
    assert waited < 10
    assert person > 0
    assert "were not compacted after a close" in caplog.text
