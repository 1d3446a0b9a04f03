"""Hand-written statements for the few hot paths that skip SQLAlchemy's statement machinery
(the arrival read, the vote, sealing, the outbox's outcomes, repair figures), written once with
`?` placeholders and run on either store's driver: sqlite3 as they are, psycopg with `%s`.

Rows come back as tuples on both; a stored moment comes back as text on SQLite and as a
datetime on PostgreSQL, so read moments with `storage.types.stored_to_aware`."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from typing import Any, Protocol

from sqlmodel import Session


class RawCursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class RawConnection(Protocol):
    """The part of a DB-API connection the hot paths use."""

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> RawCursor: ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]], /) -> object: ...


@cache
def _in_psycopg_style(sql: str) -> str:
    """`?` placeholders as psycopg's `%s` (a literal `%` doubled first), without SQLite's
    planner hints (`INDEXED BY`), which PostgreSQL's planner, keeping statistics, does not need."""
    sql = re.sub(r"\s+INDEXED BY \w+", "", sql)
    return sql.replace("%", "%%").replace("?", "%s")


class _Psycopg:
    """A psycopg connection speaking with `?` placeholders, as sqlite3 does."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> RawCursor:
        cursor: RawCursor = self._connection.execute(_in_psycopg_style(sql), parameters)
        return cursor

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]], /) -> object:
        with self._connection.cursor() as cursor:
            cursor.executemany(_in_psycopg_style(sql), rows)
        return None


def wrap(driver_connection: Any) -> RawConnection:
    """The raw connection for a driver's connection (sqlite3's, or psycopg's)."""
    if isinstance(driver_connection, sqlite3.Connection):
        return driver_connection
    return _Psycopg(driver_connection)


def raw_connection(session: Session) -> RawConnection:
    """The driver connection under a session's transaction, to run hand-written statements in
    it. Looked up once per writer group, not once per write."""
    found = session.info.get("raw_connection")
    if found is None:
        found = session.info["raw_connection"] = wrap(
            session.connection().connection.driver_connection
        )
    return found
