"""The one writer path: every write in Moot goes through here.

Writes are queued as small functions of a session. One task takes up to `max_batch` of them at a
time and runs them in a single transaction. If any of them fails, the group is run again with each
write in its own savepoint, so a write that fails rolls back alone while the others commit
together. A caller's `await` returns only after the group holding its write has committed: nothing
is acknowledged to a user before it is durable. Why: one commit per write tops out two orders of
magnitude below group commit (docs/decisions/0002-one-writer-with-group-commit.md, measured by
bench/write_path.py).

A group runs on the event loop itself, not on a worker thread: a group of 50 votes takes about
a millisecond and a half, less than handing it to a thread and back costs under load (see
bench/polls.py). Writes are therefore short by design; long work (parsing an import, drawing a
chart) happens before the write is queued. The exception is a write declared `long` (an import of
thousands of rows): its group goes to a worker thread so that the loop keeps answering everyone
else (bench/stalls.py measures the longest stall).

On PostgreSQL, where other processes write to the same database, a group can lose a deadlock or
a serialisation conflict to another process's transaction. Nothing of it was written, and the
same group run again usually succeeds, so it is retried as a whole (`RETRIES` times, after a
short random pause) before anyone is answered: falling back to write by write would turn one
lost race into errors for the people whose writes happened to share the group.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
import sqlite3
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

T = TypeVar("T")
WriteOp = Callable[[Session], T]

# A group that lost a race to another process's transaction is run again this many times.
RETRIES = 4
RETRY_PAUSE_SECONDS = 0.005  # doubled each time, times a random factor in [0.5, 1.5)
# SQLSTATEs after which the whole transaction may simply be run again: serialization_failure and
# deadlock_detected (PostgreSQL; SQLite, with its single writer, raises neither).
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})
log = logging.getLogger(__name__)


class BatchKind(Protocol):
    """Writes that run faster together: see `Batched`."""

    def prepare(self, session: Session, keys: Sequence[Hashable]) -> None:
        """Before the first write of a run, with every write's key in the run's order."""

    def finish(self, session: Session) -> None:
        """After the last write of a run that raised nothing."""


@dataclass(frozen=True)
class Batched:
    """Marks a write as one of a kind (votes: bot.polls.batching). Writes of one kind that follow
    one another in a group form a run, prepared and finished together. A group replayed write by
    write (one of its writes failed) prepares nothing: such a write must then do the work of a
    run of one itself."""

    kind: BatchKind
    key: Hashable


@dataclass
class _Pending:
    op: Callable[[Session], Any]
    future: asyncio.Future[Any]
    long: bool = False  # run its group on a worker thread, not the event loop
    batched: Batched | None = None
    outcome: tuple[bool, Any] = field(default=(False, None))


@dataclass
class _Maintenance:
    """Work on the whole store outside any transaction (VACUUM), between two groups."""

    work: Callable[[Any], None]  # given the driver's own connection
    future: asyncio.Future[None]


class WriterClosedError(RuntimeError):
    """A write arrived after the writer stopped."""


class Writer:
    """Serialises and group-commits all writes to one database."""

    def __init__(self, engine: Engine, *, max_batch: int = 1000, off_loop: bool = False) -> None:
        self._engine = engine
        self._max_batch = max_batch
        # Every group on a worker thread (PostgreSQL: each statement waits on the server).
        self._always_off_loop = off_loop
        self._queue: asyncio.Queue[_Pending | _Maintenance | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._off_loop = False  # a group or maintenance holds the connection on a worker thread
        self._connection: sqlite3.Connection | None = None
        self.groups_committed = 0  # for the store's checkpoints

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="moot-writer")

    async def stop(self) -> None:
        """Commit everything already queued, then stop."""
        self._closed = True
        if self._task is not None:
            await self._queue.put(None)
            await self._task
            self._task = None

    async def write(
        self, op: WriteOp[T], *, long: bool = False, batched: Batched | None = None
    ) -> T:
        """Run `op` in the writer's transaction; return its result once committed. A `long`
        write (hundreds of rows, such as an import) runs on a worker thread, so the event loop
        keeps serving everyone else meanwhile; writes still happen one group at a time."""
        if self._closed:
            raise WriterClosedError("the store is shutting down")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Pending(op, future, long, batched))  # unbounded: never waits
        return await future

    def idle_connection(self) -> sqlite3.Connection | None:
        """The writer's own SQLite connection while no group holds it, for reads on the event
        loop (Store.peek); None while a group or maintenance runs on a worker thread.

        Between groups it has no transaction open, so it reads committed rows like any other
        connection, but faster: SQLite empties a connection's page cache whenever another
        connection has committed, so on a separate reader every read after a vote starts cold,
        while the writer's cache holds what it has just written (bench/polls.py). None always
        when every group runs on a worker thread (PostgreSQL): its connection is never idle on
        the loop."""
        if self._off_loop or self._always_off_loop:
            return None
        if self._connection is None:
            pooled = self._engine.raw_connection()  # the engine's one connection (StaticPool)
            driver = pooled.driver_connection
            pooled.close()  # back to the pool, still open
            assert isinstance(driver, sqlite3.Connection)
            self._connection = driver
        return None if self._connection.in_transaction else self._connection

    async def maintain(self, work: Callable[[Any], None]) -> None:
        """Run `work` (such as VACUUM) on a connection outside any transaction, after the writes
        already queued and before any queued later; on a worker thread, so the loop keeps
        serving."""
        if self._closed:
            raise WriterClosedError("the store is shutting down")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Maintenance(work, future))
        await future

    async def _run(self) -> None:
        stopping = False
        held: _Pending | _Maintenance | None = None
        while not stopping:
            first = held if held is not None else await self._queue.get()
            held = None
            if first is None:
                break
            if isinstance(first, _Maintenance):
                await self._maintain(first)
                continue
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    item = self._queue.get_nowait()
                except asyncio.QueueEmpty:
                    break
                if item is None:
                    stopping = True
                    break
                if isinstance(item, _Maintenance) or _second_run(batch, item):
                    held = item  # after this group (a maintenance on its own)
                    break
                batch.append(item)
            if self._always_off_loop or any(pending.long for pending in batch):
                self._off_loop = True
                try:
                    failed = await asyncio.to_thread(self._commit, batch)
                finally:
                    self._off_loop = False
            else:
                failed = self._commit(batch)
            self._settle(batch, failed)
        if isinstance(held, _Maintenance):
            await self._maintain(held)

    async def _maintain(self, work: _Maintenance) -> None:
        self._off_loop = True
        try:
            await asyncio.to_thread(self._run_maintenance, work.work)
        except Exception as error:
            if not work.future.done():
                work.future.set_exception(error)
        else:
            if not work.future.done():
                work.future.set_result(None)
        finally:
            self._off_loop = False

    def _run_maintenance(self, work: Callable[[Any], None]) -> None:
        connection = self._engine.raw_connection()
        try:
            work(connection.driver_connection)
        finally:
            connection.close()

    def _commit(self, batch: list[_Pending]) -> Exception | None:
        """Apply and commit the group; the error if the commit itself failed."""
        try:
            self._apply(batch)
        except Exception as error:  # the commit itself failed: nothing in the group was written
            return error
        return None

    def _settle(self, batch: list[_Pending], failed: Exception | None) -> None:
        """Answer every caller in the group (on the event loop)."""
        if failed is not None:
            for pending in batch:
                if not pending.future.done():
                    pending.future.set_exception(failed)
            return
        self.groups_committed += 1
        for pending in batch:
            if pending.future.done():  # the caller gave up waiting
                continue
            ok, value = pending.outcome
            if ok:
                pending.future.set_result(value)
            else:
                pending.future.set_exception(value)

    def _apply(self, batch: list[_Pending]) -> None:
        """Apply the group; run it again from the start if it lost a race (see the module)."""
        for attempt in range(RETRIES + 1):
            try:
                if not self._apply_together(batch):
                    self._apply_one_by_one(batch)
                return
            except Exception as error:
                if not is_transient(error) or attempt == RETRIES:
                    raise
                log.info(
                    "a group of %d writes lost a race (%s); running it again", len(batch), error
                )
                time.sleep(RETRY_PAUSE_SECONDS * 2**attempt * random.uniform(0.5, 1.5))

    def _apply_together(self, batch: list[_Pending]) -> bool:
        """The common case: the whole group in one transaction, no savepoints.

        Returns False, having committed nothing, if any write in the group raised; the group is
        then applied again write by write. A group of one needs no second try.
        """
        results: list[Any] = []
        try:
            with Session(self._engine, expire_on_commit=False) as session, session.begin():
                for kind, run in itertools.groupby(batch, _kind):
                    results.extend(_apply_run(session, kind, list(run)))
        except Exception as error:
            if is_transient(error):
                raise
            if len(batch) == 1:
                batch[0].outcome = (False, error)
                return True
            return False
        for pending, result in zip(batch, results, strict=True):
            pending.outcome = (True, result)
        return True

    def _apply_one_by_one(self, batch: list[_Pending]) -> None:
        """Each write in its own savepoint: the ones that fail roll back alone. Each batched
        kind first takes, for all of its writes at once, the locks its runs take (`prepare`, then
        `finish` with nothing recorded), so that the writes, each a run of its own, take none in
        an order another process's group could meet the other way round."""
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            for kind, run in itertools.groupby(sorted(batch, key=_kind_order), _kind):
                if kind is not None:
                    kind.prepare(session, [p.batched.key for p in run if p.batched])
                    kind.finish(session)
            for pending in batch:
                savepoint = session.begin_nested()
                try:
                    result = pending.op(session)
                    session.flush()
                except Exception as error:
                    if is_transient(error):
                        raise  # the whole transaction is lost, not only this write
                    with contextlib.suppress(Exception):
                        savepoint.rollback()
                    pending.outcome = (False, error)
                else:
                    savepoint.commit()
                    pending.outcome = (True, result)


def is_transient(error: BaseException) -> bool:
    """Whether `error` is a lost race after which the transaction may be run again: the driver's
    error as raised by a hand-written statement, or wrapped by SQLAlchemy (in `.orig`). Read by
    its SQLSTATE, so that nothing here needs psycopg installed."""
    driver_error = getattr(error, "orig", None) or error
    return getattr(driver_error, "sqlstate", None) in TRANSIENT_SQLSTATES


def _second_run(batch: list[_Pending], item: _Pending) -> bool:
    """Whether `item` would start a second run of its kind in the group. A run writes its rows in
    one order (votes: the running totals, sorted by poll and choice); two runs in one transaction
    would take those rows' locks in two orders, and two processes' groups doing so meet in a
    deadlock, which PostgreSQL only breaks after a second (`deadlock_timeout`)."""
    kind = _kind(item)
    return kind is not None and kind is not _kind(batch[-1]) and kind in map(_kind, batch)


def _kind_order(pending: _Pending) -> int:
    return id(_kind(pending))


def _kind(pending: _Pending) -> BatchKind | None:
    return pending.batched.kind if pending.batched is not None else None


def _apply_run(session: Session, kind: BatchKind | None, run: list[_Pending]) -> list[Any]:
    """Writes of one kind (or unmarked ones) that follow one another in a group."""
    if kind is not None:
        kind.prepare(session, [pending.batched.key for pending in run if pending.batched])
    results = []
    for pending in run:
        results.append(pending.op(session))
        session.flush()
    if kind is not None:
        kind.finish(session)
    return results
