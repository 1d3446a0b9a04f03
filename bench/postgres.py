"""A PostgreSQL server for the benchmarks, with durable settings (fsync and synchronous commit
on), so that its figures are those of a server that keeps what it acknowledges.

The server is MOOT_BENCH_POSTGRES_URL when set (the bench creates and drops its own databases on
it), else a throwaway cluster that `.ci/postgres` starts with MOOT_PG_DURABLE=1 and stops
afterwards. Without either, each benchmark prints why PostgreSQL was not measured."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from storage.migrate import upgrade

SCRIPT = Path(__file__).resolve().parent.parent / ".ci" / "postgres"
PORT = os.environ.get("MOOT_BENCH_PG_PORT", "55439")


@contextlib.contextmanager
def server() -> Iterator[str]:
    """The URL of a server to create databases on; raises `UnavailableError` saying why there is
    none."""
    given = os.environ.get("MOOT_BENCH_POSTGRES_URL")
    if given:
        try:
            _admin(given, "SELECT 1")
        except SQLAlchemyError as error:
            raise UnavailableError(f"MOOT_BENCH_POSTGRES_URL cannot be reached: {error}") from error
        yield given
        return
    if shutil.which("pg_ctl", path="/usr/lib/postgresql/15/bin") is None:
        raise UnavailableError("no MOOT_BENCH_POSTGRES_URL, and PostgreSQL 15 is not installed")
    folder = tempfile.mkdtemp(prefix="moot-bench-pg-")
    env = {**os.environ, "MOOT_PG_DIR": folder, "MOOT_PG_PORT": PORT, "MOOT_PG_DURABLE": "1"}
    started = subprocess.run(
        [str(SCRIPT), "start"], env=env, capture_output=True, text=True, check=False
    )
    if started.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise UnavailableError(f"the throwaway server did not start: {started.stderr.strip()}")
    try:
        yield started.stdout.strip()
    finally:
        subprocess.run([str(SCRIPT), "stop"], env=env, capture_output=True, check=False)
        shutil.rmtree(folder, ignore_errors=True)


class UnavailableError(Exception):
    """No PostgreSQL server to measure on; the message says why."""


def _admin(server_url: str, statement: str) -> None:
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


@contextlib.contextmanager
def database(server_url: str) -> Iterator[str]:
    """A new, migrated database on the server, dropped afterwards."""
    name = f"moot_bench_{uuid.uuid4().hex[:8]}"
    _admin(server_url, f"CREATE DATABASE {name}")
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        _admin(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def not_measured(why: object) -> str:
    return f"PostgreSQL: NOT MEASURED ({why})"
