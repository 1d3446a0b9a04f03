"""Engines for the store. Every SQLite connection gets WAL, synchronous=NORMAL, a busy timeout
and foreign keys, and transactions are begun explicitly so savepoints work (see SQLAlchemy's
pysqlite notes on serializable isolation). PostgreSQL (`postgresql+psycopg://…`, psycopg 3) runs
at its default READ COMMITTED isolation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

BUSY_TIMEOUT_MS = 10_000
CACHE_KIB = 32 * 1024  # per connection; the default 2 MB evicts a large register's pages mid-vote


class StoreConfigError(Exception):
    """The database URL cannot be used; the message is one sentence for the operator."""


def is_sqlite(url: str) -> bool:
    return make_url(url).drivername.startswith("sqlite")


def session_on_sqlite(session: Session) -> bool:
    """Whether a session's store is SQLite: for the few places where each store has its own
    statements (storage/votes, storage/ballots) or needs no row locks (storage/locking)."""
    return session.get_bind().dialect.name == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def prepare_sqlite_file(url: str) -> None:
    """Create the database's folder and check that Moot may write there."""
    path = sqlite_path(url)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        probe = path.parent / f".{path.name}.write-check"
        probe.touch()
        probe.unlink()
        if path.exists():
            with path.open("ab"):
                pass
    except OSError as error:
        raise StoreConfigError(
            f"Moot cannot write its database at {path} ({error.strerror or error}); "
            "set DATABASE_URL to a writable place."
        ) from error


def make_engine(
    url: str, *, begin: str = "BEGIN", autocheckpoint: bool = True, one_connection: bool = False
) -> Engine:
    """An engine for `url`; on SQLite, `begin` is the statement that opens each transaction.
    Without `autocheckpoint`, a commit never copies the log into the database file itself: the
    writer commits on the event loop, and a checkpoint can take tens of milliseconds, so the
    store runs checkpoints on a worker thread instead (Store.checkpoint). With `one_connection`,
    every use of the engine shares a single connection (the writer's: see Writer.idle_connection)."""
    connect_args: dict[str, Any] = {}
    options: dict[str, Any] = {}
    if one_connection:
        options["poolclass"] = StaticPool
    if is_sqlite(url):
        connect_args = {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
    else:
        connect_args = {"application_name": "moot"}
        options["pool_pre_ping"] = True
    engine = create_engine(url, connect_args=connect_args, **options)
    if is_sqlite(url):
        _configure_sqlite(engine, begin, autocheckpoint)
    return engine


def _configure_sqlite(engine: Engine, begin: str, autocheckpoint: bool) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" below open transactions
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted and rewritten content is overwritten, not left behind in free space.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute("PRAGMA mmap_size=268435456")
        if not autocheckpoint:
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)
