"""The store as the rest of Moot sees it: `read` for queries, `write` for the single writer."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlmodel import Session

from storage.engine import make_engine, prepare_sqlite_file, sqlite_path
from storage.writer import WriteOp, Writer

T = TypeVar("T")


def driver_connection(session: Session) -> sqlite3.Connection:
    """The SQLite connection under a session's transaction, for the few hot paths that skip
    SQLAlchemy's statement machinery. Looked up once per writer group, not once per write."""
    found = session.info.get("driver_connection")
    if found is None:
        found = session.info["driver_connection"] = (
            session.connection().connection.driver_connection
        )
    assert isinstance(found, sqlite3.Connection)
    return found


class Store:
    def __init__(self, url: str, *, max_batch: int = 1000) -> None:
        prepare_sqlite_file(url)
        self.url = url
        self.read_engine = make_engine(url)
        self.write_engine = make_engine(url, begin="BEGIN IMMEDIATE")
        self.writer = Writer(self.write_engine, max_batch=max_batch)

    def start(self) -> None:
        self.writer.start()

    async def close(self) -> None:
        await self.writer.stop()
        self.read_engine.dispose()
        self.write_engine.dispose()

    async def write(self, op: WriteOp[T], *, long: bool = False) -> T:
        return await self.writer.write(op, long=long)

    async def compact(self) -> None:
        """Rewrite the database file table by table in key order and empty its write-ahead log:
        afterwards no row's place in the file, no freed page and no logged frame tells in what
        order rows were written (bot.polls.sealing relies on this after a secret ballot)."""
        await self.writer.maintain("VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)")

    async def read(self, query: Callable[[Session], T]) -> T:
        """Run a read-only query on a worker thread (WAL lets it run beside the writer)."""
        return await asyncio.to_thread(self._read, query)

    def _read(self, query: Callable[[Session], T]) -> T:
        with Session(self.read_engine, expire_on_commit=False) as session:
            return query(session)


def backup_sqlite(url: str, destination: Path) -> None:
    """Copy a live SQLite database with SQLite's online backup API (safe while Moot runs)."""
    source_path = sqlite_path(url)
    if source_path is None:
        raise ValueError("moot backup works on a SQLite database file")
    destination.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(source_path, timeout=10)
    target = sqlite3.connect(destination)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
