"""Plain driver connections to either store, for the benchmarks' seeding and baselines."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import create_engine

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
    """On PostgreSQL, gather the statistics autovacuum soon would after a bulk load, so that the
    planner knows the tables' sizes; SQLite needs none for Moot's queries."""
    if is_sqlite(url):
        return
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()
