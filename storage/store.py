"""The store as the rest of Moot sees it: `read` for queries, `write` for the single writer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from sqlmodel import Session

from storage.engine import (
    StoreConfigError,
    is_sqlite,
    make_engine,
    prepare_sqlite_file,
    sqlite_path,
)
from storage.raw import RawConnection, wrap
from storage.statement_log import statement_logging, warning
from storage.writer import Batched, WriteOp, Writer, WriterClosedError

T = TypeVar("T")


# How often the write-ahead log is copied into the database file, when there were writes.
CHECKPOINT_SECONDS = 1.0
TRUNCATE_TRIES, TRUNCATE_PAUSE = 100, 0.05
VACUUM_LOCK_WAIT = "2s"  # PostgreSQL: how long a compaction waits for the tables
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout runs out
log = logging.getLogger(__name__)


class Store:
    """On SQLite (the embedded default) or PostgreSQL, chosen by the URL. On PostgreSQL the
    writer's groups run on a worker thread, since each statement is a round trip to the server,
    and there is no log to checkpoint: the server does that."""

    def __init__(self, url: str, *, max_batch: int = 1000) -> None:
        prepare_sqlite_file(url)
        self.url = url
        self.is_sqlite = is_sqlite(url)
        self.read_engine = make_engine(url)
        self.write_engine = make_engine(
            url, begin="BEGIN IMMEDIATE", autocheckpoint=False, one_connection=True
        )
        self.writer = Writer(self.write_engine, max_batch=max_batch, off_loop=not self.is_sqlite)
        self._checkpoints: asyncio.Task[None] | None = None
        self._peeking: Any = None  # SQLite: the read connection kept for `peek` while a group runs
        self._reads = 0  # reads running on worker threads
        self._reads_changed = threading.Condition()
        self._closing = False
        # Changes once any write through this store has ended (committed or not): what was read
        # before may be out of date (the web's rendered pages: adapters/web/rendered.py). It
        # counts this process's writes only: on SQLite, which one process serves, that is
        # every write; on PostgreSQL the pages also expire after a few seconds.
        self.version = 0

    def start(self) -> None:
        if not self.is_sqlite and (found := statement_logging(self.read_engine)):
            log.warning(warning(found, self.read_engine.url.username))
        self.writer.start()
        if self._checkpoints is None and self.is_sqlite:
            self._checkpoints = asyncio.create_task(self._checkpoint_now_and_then())

    async def close(self) -> None:
        if self._checkpoints is not None:
            self._checkpoints.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpoints
            self._checkpoints = None
        await self.writer.stop()
        if self._peeking is not None:
            self._peeking.close()
            self._peeking = None
        await asyncio.to_thread(self._end_reads)
        self.read_engine.dispose()
        self.write_engine.dispose()

    async def _checkpoint_now_and_then(self) -> None:
        """Copy the log into the database file on a worker thread, off the event loop (the
        writer's own commits never do: see make_engine)."""
        seen = self.writer.groups_committed
        while True:
            await asyncio.sleep(CHECKPOINT_SECONDS)
            if self.writer.groups_committed != seen:
                seen = self.writer.groups_committed
                await asyncio.to_thread(self.checkpoint)

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the database file as far as readers allow (PASSIVE). A
        long log slows every read, since each page is looked up in it first."""
        connection = self.read_engine.raw_connection()
        try:
            connection.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()  # type: ignore[union-attr]
        finally:
            connection.close()

    async def write(
        self, op: WriteOp[T], *, long: bool = False, batched: Batched | None = None
    ) -> T:
        try:
            return await self.writer.write(op, long=long, batched=batched)
        finally:
            self.version += 1

    async def compact(self) -> None:
        """On SQLite, rewrite the database file table by table in key order and empty its
        write-ahead log: afterwards no row's place in the file, no freed page and no logged frame
        tells in what order rows were written (bot.polls.sealing relies on this after a secret
        ballot). On PostgreSQL, rewrite the ballot tables into new files with VACUUM FULL, which
        leaves out the row versions the close's rewrite left dead; the server's WAL keeps them
        (what that means: docs/secret-ballots.md)."""
        await self.writer.maintain(
            _vacuum_and_empty_the_log if self.is_sqlite else _vacuum_postgresql
        )

    async def peek(self, query: Callable[[RawConnection], T]) -> T:
        """A read of a few indexed rows, for the one lookup every event needs before anything
        else (bot.identity.arrival). The query must read its rows to the end, so no read stays
        open.

        On SQLite it runs on the event loop itself, with no hop to a thread and back, and reads
        committed rows through the writer's own connection when no group holds it, since that
        connection's cache is warm (see Writer.idle_connection). On PostgreSQL each statement is
        a round trip to the server, which the event loop must not sit waiting for: the query runs
        on a worker thread, on a pooled connection outside any transaction."""
        if not self.is_sqlite:
            return await asyncio.to_thread(self._peek_on_the_server, query)
        connection = self.writer.idle_connection()
        if connection is not None:
            return query(connection)
        if self._peeking is None:
            self._peeking = self.read_engine.raw_connection()
        return query(wrap(self._peeking.driver_connection))

    def _peek_on_the_server(self, query: Callable[[RawConnection], T]) -> T:
        with self._reading():
            pooled = self.read_engine.raw_connection()
            driver = pooled.driver_connection
            try:
                driver.autocommit = True  # type: ignore[union-attr]  # each statement sees what is committed
                return query(wrap(driver))
            finally:
                driver.autocommit = False  # type: ignore[union-attr]  # as the pool lends it to reads
                pooled.close()

    async def read(self, query: Callable[[Session], T]) -> T:
        """Run a read-only query on a worker thread (WAL lets it run beside the writer)."""
        return await asyncio.to_thread(self._read, query)

    def _read(self, query: Callable[[Session], T]) -> T:
        with self._reading(), Session(self.read_engine, expire_on_commit=False) as session:
            return query(session)

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        """Counts a read running on a worker thread, so that `close` waits for it."""
        with self._reads_changed:
            if self._closing:
                raise WriterClosedError("the store is shutting down")
            self._reads += 1
        try:
            yield
        finally:
            with self._reads_changed:
                self._reads -= 1
                self._reads_changed.notify_all()

    def _end_reads(self) -> None:
        """Refuse new reads and wait for those still running. A task cancelled while awaiting
        `read` leaves its thread running; were the pool disposed under it, its connection would
        go back to a pool nobody closes (on PostgreSQL, a server connection left open)."""
        with self._reads_changed:
            self._closing = True
            self._reads_changed.wait_for(lambda: self._reads == 0)


# Another session of this database whose snapshot is older than the close (a read still running).
_OLDER_SNAPSHOTS = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
    "AND pid <> pg_backend_pid() AND backend_xmin IS NOT NULL "
    "AND age(backend_xmin) >= age(%s::xid)"
)


def _vacuum_postgresql(db: Any) -> None:
    """PostgreSQL's VACUUM FULL, outside a transaction (what it leaves behind:
    docs/secret-ballots.md). It copies into the new file the dead row versions that a snapshot
    still running might see, so it first waits for snapshots older than now to end."""
    db.autocommit = True
    try:
        now = db.execute("SELECT xid(pg_current_xact_id())::text").fetchone()[0]
        for _ in range(TRUNCATE_TRIES):
            if not db.execute(_OLDER_SNAPSHOTS, (now,)).fetchone()[0]:
                break
            time.sleep(TRUNCATE_PAUSE)
        else:
            log.warning(
                "a long transaction kept old ballot rows through a compaction; the next drops them"
            )
        # VACUUM FULL waits for every lock on the tables (a pg_dump holds one for the whole
        # dump) while this process's writes wait for it: give up soon rather than stall them.
        db.execute(f"SET lock_timeout = '{VACUUM_LOCK_WAIT}'")
        try:
            db.execute("VACUUM FULL secretballot, voterroll")
        except Exception as error:
            if getattr(error, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
            log.warning(
                "the secret ballot tables were in use (a backup running?), so they were not "
                "compacted after a close; the next secret poll's close compacts them"
            )
        finally:
            db.execute("RESET lock_timeout")
    finally:
        db.autocommit = False


def _vacuum_and_empty_the_log(db: Any) -> None:
    db.execute("VACUUM")
    # A reader still on an older snapshot keeps the log from being emptied: wait for it.
    for _ in range(TRUNCATE_TRIES):
        busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if not busy:
            return
        time.sleep(TRUNCATE_PAUSE)
    log.warning("the database log could not be emptied after a compaction; the next will")


def backup_sqlite(url: str, destination: Path) -> None:
    """Copy a live SQLite database with SQLite's online backup API (safe while Moot runs)."""
    source_path = sqlite_path(url)
    if source_path is None:
        raise StoreConfigError(
            "moot backup copies a SQLite database file; on PostgreSQL use pg_dump (or your "
            "server's own backups, such as pg_basebackup with its WAL archive)."
        )
    if not source_path.is_file():
        raise StoreConfigError(f"There is no database at {source_path} to back up.")
    if destination.is_dir():
        raise StoreConfigError(f"{destination} is a folder; give the backup a file name in it.")
    destination.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(source_path, timeout=10)
    target = sqlite3.connect(destination)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
