"""`moot db copy`: a whole Moot store moved into another database (SQLite to PostgreSQL is the
move operators make; any other way round works the same), every row with its keys, so that
numbers and references read the same on the target.

Nothing touches the target until the source is found at this Moot's schema and the target is
found empty. The target is then migrated, and the rows go across table by table in foreign-key
order, in chunks, in one transaction: a failure leaves the target empty. The source is read in
one transaction too, so the copy is the store as it was at one moment (what a running Moot writes
after that is not copied: stop it first). On PostgreSQL every serial key's sequence then starts
after the largest key copied, so new rows get fresh ids."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, Table, func, insert, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

import storage.conversations
import storage.leases
import storage.meetings
import storage.models
import storage.outbox
import storage.polls
import storage.repairs
import storage.web
from storage.engine import StoreConfigError, make_engine, prepare_sqlite_file, sqlite_path
from storage.migrate import head_revision, stored_revisions, upgrade

# What running processes keep about themselves, not the community's store: not copied (the
# ballot key's private half lives in the memory of the process that published it). What a
# conversation left half-way (forms in progress, answers held for a /start, ballots being filled
# in) is the community's, which any process carries on, and is copied (a secret ballot in
# progress is in no table: its buttons carry it).
PROCESS_STATE = frozenset(
    {str(storage.leases.Lease.__tablename__), str(storage.polls.BallotKey.__tablename__)}
)
CHUNK = 1000  # rows per executemany: large enough to batch, small enough to stay in memory


@dataclass(frozen=True)
class Copied:
    rows: dict[str, int]  # rows copied per table, in the order they were copied
    seconds: float


def shown(url: str) -> str:
    """A URL fit to print: its password hidden."""
    return make_url(url).render_as_string(hide_password=True)


def copy_store(
    source_url: str,
    target_url: str,
    *,
    leave_out: frozenset[str] = frozenset(),
    then: Callable[[Connection, Connection], None] | None = None,
) -> Copied:
    """Copy every table but those left out from the source into the empty target; `then` runs
    with both connections before the target's transaction commits, for what the caller moves
    itself (repair photos' bytes: bot.repairs.photos.move)."""
    _check_source(source_url)
    _check_target_is_empty(target_url)
    try:
        upgrade(target_url)
    except DBAPIError as error:
        raise StoreConfigError(
            f"Moot could not migrate {shown(target_url)}: {_reason(error)}."
        ) from error
    left_out = leave_out | PROCESS_STATE
    tables = [t for t in SQLModel.metadata.sorted_tables if t.name not in left_out]
    source, target = make_engine(source_url), make_engine(target_url)
    started = time.perf_counter()
    try:
        rows = _copy(source, target, tables, then)
    except (DBAPIError, OSError) as error:  # OSError: a photo the target's folder refused
        raise StoreConfigError(
            f"The copy stopped and the target was left empty: {_reason(error)}."
        ) from error
    finally:
        source.dispose()
        target.dispose()
    return Copied(rows, time.perf_counter() - started)


def _copy(
    source: Engine,
    target: Engine,
    tables: list[Table],
    then: Callable[[Connection, Connection], None] | None,
) -> dict[str, int]:
    rows: dict[str, int] = {}
    reading = {"isolation_level": "REPEATABLE READ"} if source.dialect.name == "postgresql" else {}
    with (
        source.connect().execution_options(**reading) as src,
        target.connect() as dst,
        src.begin(),
        dst.begin(),
    ):
        for table in tables:
            rows[table.name] = _copy_table(src, dst, table)
        if then is not None:
            then(src, dst)
        if dst.dialect.name == "postgresql":
            _restart_sequences(dst, [t for t in tables if rows[t.name]])
    return rows


def _copy_table(src: Connection, dst: Connection, table: Table) -> int:
    """The table's rows in key order (an outbox edit after the message it edits), in chunks."""
    result = src.execution_options(yield_per=CHUNK).execute(
        select(table).order_by(*table.primary_key.columns)
    )
    copied = 0
    for chunk in result.mappings().partitions():
        dst.execute(insert(table), [dict(row) for row in chunk])
        copied += len(chunk)
    return copied


def _restart_sequences(dst: Connection, tables: list[Table]) -> None:
    """Each serial key's sequence carries on from the largest key copied (a row inserted with
    its key given leaves the sequence where it was)."""
    for table in tables:
        for column in table.primary_key.columns:
            sequence = dst.scalar(select(func.pg_get_serial_sequence(table.name, column.name)))
            if sequence is not None:
                largest = select(func.max(column)).scalar_subquery()
                dst.execute(select(func.setval(sequence, largest)))


def _check_source(url: str) -> None:
    path = sqlite_path(url)
    if path is not None and not path.is_file():
        raise StoreConfigError(f"There is no database at {path} to copy from.")
    _reach(url, "the source").dispose()
    found, head = stored_revisions(url), head_revision()
    if not found:
        raise StoreConfigError(f"{shown(url)} holds no Moot store to copy.")
    if head is not None and found != {head}:
        raise StoreConfigError(
            f"The source is not at this Moot's schema (it is at {', '.join(sorted(found))}, this "
            f"Moot at {head}): start this Moot on it once, or run `moot db upgrade` with "
            "DATABASE_URL set to it, then copy."
        )


def _check_target_is_empty(url: str) -> None:
    prepare_sqlite_file(url)
    engine = _reach(url, "the target")
    try:
        with engine.connect() as connection:
            present = set(inspect(connection).get_table_names())
            foreign = sorted(present - set(SQLModel.metadata.tables) - {"alembic_version"})
            holding = [
                table.name
                for table in SQLModel.metadata.sorted_tables
                if table.name in present
                and connection.scalar(select(1).select_from(table).limit(1)) is not None
            ]
    finally:
        engine.dispose()
    if foreign:
        raise StoreConfigError(
            f"The target {shown(url)} holds tables that are not Moot's ({foreign[0]} among "
            "them); copy into a new, empty database."
        )
    if holding:
        raise StoreConfigError(
            f"The target {shown(url)} is not empty (its {holding[0]} table has rows); copy "
            "into a new, empty database."
        )


def _reach(url: str, which: str) -> Engine:
    """An engine for `url` that has connected once; StoreConfigError if it cannot."""
    engine = make_engine(url)
    try:
        engine.connect().close()
    except DBAPIError as error:
        engine.dispose()
        raise StoreConfigError(
            f"Moot cannot reach {which}, {shown(url)}: {_reason(error)}."
        ) from error
    return engine


def _reason(error: Exception) -> str:
    """The driver's own first line, without SQLAlchemy's statement and link."""
    cause = error.orig if isinstance(error, DBAPIError) else error
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0].rstrip(".")
