"""Plain driver connections to either store, for the benchmarks' seeding and baselines."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.exc import DBAPIError

from storage.engine import is_sqlite
from storage.raw import RawConnection, wrap


@contextlib.contextmanager
def driver(url: str) -> Iterator[Any]:
    """The driver's own connection to the store (sqlite3's or psycopg's), committed at the end."""
    engine = create_engine(url)
    pooled = engine.raw_connection()
    try:
        yield pooled.driver_connection
        pooled.commit()
    finally:
        pooled.close()
        engine.dispose()


@contextlib.contextmanager
def connected(url: str) -> Iterator[RawConnection]:
    """A plain driver connection to the store speaking with `?` placeholders on both
    (storage/raw.py), committed at the end."""
    with driver(url) as connection:
        yield wrap(connection)


def analyze(url: str) -> None:
    """On PostgreSQL, settle the server after a bulk load before anything is timed: gather the
    statistics autovacuum soon would (so that the planner knows the tables' sizes), clean the
    loaded tables (so that autovacuum does not start on them mid-measurement) and write the
    loaded pages out (so that the next checkpoint does not land in a timed loop). Without these
    a figure taken right after seeding came out at a third of the same loop's figure a minute
    later. SQLite needs none of it for Moot's queries."""
    if is_sqlite(url):
        return
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
        with contextlib.suppress(DBAPIError):  # CHECKPOINT needs a superuser or pg_checkpoint
            connection.exec_driver_sql("CHECKPOINT")
    engine.dispose()
