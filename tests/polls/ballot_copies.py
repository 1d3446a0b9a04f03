"""What an operator can copy of each store, read as an attacker of secret ballots would.

On SQLite: the database file and its write-ahead log, copied as files. On PostgreSQL: every page
of the ballot tables as it is at that moment (read with `pageinspect`, as a copy of the data
directory would hold it), with each row version's header (`xmin`, `xmax`, `cmin`) and place, and
the server's WAL read with `pg_waldump`. tests/polls/test_secret_ballots.py attacks these.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import psycopg
from sqlalchemy.engine import make_url

from storage.engine import sqlite_path

TABLES = ("secretballot", "voterroll")
_KEY = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True)
class Version:
    """One row version found in a PostgreSQL page, live or dead."""

    table: str
    place: tuple[int, int]  # block, line pointer
    xmin: int  # the transaction that wrote it
    xmax: int  # the transaction that deleted or replaced it (0: none)
    cmin: int  # the statement, within its transaction, that wrote it
    data: bytes

    @property
    def person(self) -> int:
        """A roll entry's voter (voterroll's second column, a 4-byte integer)."""
        return int.from_bytes(self.data[4:8], "little")

    @property
    def key(self) -> str:
        """A ballot's random key."""
        found = _KEY.search(self.data)
        assert found is not None
        return found.group().decode()


@dataclass(frozen=True)
class Copy:
    """What one copy of the store shows the attacker."""

    roll: dict[int, tuple[int | None, bytes | None]]  # person -> (place in queue, held bytes)
    ballots: dict[str, str]  # key -> marks
    versions: tuple[Version, ...] = ()  # PostgreSQL: every row version in the tables' pages
    wal_at: int = 0  # PostgreSQL: how far the WAL had got when the copy was taken


class Copier(Protocol):
    def take(self, name: str) -> Copy:
        """A copy of the store now."""

    def stored_bytes(self) -> bytes:
        """Every byte stored for the ballot tables now, including freed space and logs."""

    def in_stored_order(self, copy: Copy) -> list[str]:
        """The copy's ballots in the order they sit in storage."""

    def close(self) -> None: ...


def copier(database_url: str, tmp_path: Path) -> Copier:
    if sqlite_path(database_url) is not None:
        return SqliteCopier(database_url, tmp_path)
    return PostgresCopier(database_url)


def roll_and_ballots(db: Any) -> tuple[dict[int, tuple[Any, Any]], dict[str, str]]:
    roll = {
        person: (waiting, None if held is None else bytes(held))
        for person, waiting, held in db.execute("SELECT person_id, waiting, held FROM voterroll")
    }
    return roll, dict(db.execute("SELECT key, marks FROM secretballot").fetchall())


class SqliteCopier:
    """Copies `moot.db` and `moot.db-wal` as files."""

    def __init__(self, database_url: str, tmp_path: Path) -> None:
        database = sqlite_path(database_url)
        assert database is not None
        self.database, self.tmp_path = database, tmp_path

    def take(self, name: str) -> Copy:
        into = self.tmp_path / name
        into.mkdir()
        for suffix in ("", "-wal"):
            source = Path(f"{self.database}{suffix}")
            if source.exists():
                shutil.copyfile(source, into / f"moot.db{suffix}")
        db = sqlite3.connect(into / "moot.db")
        try:
            return Copy(*roll_and_ballots(db))
        finally:
            db.close()

    def stored_bytes(self) -> bytes:
        wal = Path(f"{self.database}-wal")
        return self.database.read_bytes() + (wal.read_bytes() if wal.exists() else b"")

    def in_stored_order(self, copy: Copy) -> list[str]:
        data = self.database.read_bytes()
        assert all(data.find(key.encode()) >= 0 for key in copy.ballots)
        return sorted(copy.ballots, key=lambda key: data.find(key.encode()))

    def close(self) -> None:
        pass


_PAGES = (
    "SELECT b.n, i.lp, i.t_xmin::text::bigint, i.t_xmax::text::bigint, i.t_field3, i.t_data "
    "FROM generate_series(0, pg_relation_size(%(t)s::regclass) / current_setting('block_size')::int"
    " - 1) AS b(n), heap_page_items(get_raw_page(%(t)s::text, b.n::int)) AS i WHERE i.lp_flags = 1"
)


class PostgresCopier:
    """Reads the ballot tables' pages and the server's WAL, as the server's superuser."""

    def __init__(self, database_url: str) -> None:
        url = make_url(database_url).set(drivername="postgresql")
        self.db = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
        self.db.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
        self.started_at = self._lsn("pg_current_wal_insert_lsn()")
        # "tablespace/database/file" -> table, as during the vote (VACUUM FULL makes new files)
        self.files = {self._file(table): table for table in TABLES}

    def close(self) -> None:
        self.db.close()

    def _file(self, table: str) -> str:
        (file,) = self.db.execute(  # type: ignore[misc]
            "SELECT concat_ws('/', CASE reltablespace WHEN 0 THEN 1663 ELSE reltablespace END, "
            "(SELECT oid FROM pg_database WHERE datname = current_database()), relfilenode) "
            "FROM pg_class WHERE oid = %s::regclass",
            (table,),
        ).fetchone()
        return str(file)

    def _lsn(self, expression: str) -> int:
        (lsn,) = self.db.execute(f"SELECT ({expression}) - '0/0'::pg_lsn").fetchone()  # type: ignore[misc]
        return int(lsn)

    def take(self, name: str) -> Copy:
        wal_at = self._lsn("pg_current_wal_insert_lsn()")  # first: what it covers is in the pages
        versions = tuple(
            Version(table, (block, line), xmin, xmax, cmin, bytes(data))
            for table in TABLES
            for block, line, xmin, xmax, cmin, data in self.db.execute(_PAGES, {"t": table})
        )
        return Copy(*roll_and_ballots(self.db), versions, wal_at)

    def stored_bytes(self) -> bytes:
        return b"".join(
            bytes(page)
            for table in TABLES
            for (page,) in self.db.execute(
                "SELECT get_raw_page(%(t)s::text, b.n::int) FROM generate_series(0, "
                "pg_relation_size(%(t)s::regclass) / current_setting('block_size')::int - 1) b(n)",
                {"t": table},
            )
        )

    def in_stored_order(self, copy: Copy) -> list[str]:
        ballots = sorted(
            (v for v in copy.versions if v.table == "secretballot"), key=lambda v: v.place
        )
        return [v.key for v in ballots]

    def wal(self) -> list[WalRecord]:
        """Every WAL record written to the ballot tables' files since this copier started, and
        every commit, as `pg_waldump` shows them. Fails, saying why, when the server's WAL is
        out of reach (a server on another machine)."""
        end = self._lsn("pg_current_wal_insert_lsn()")
        while self._lsn("pg_current_wal_flush_lsn()") < end:  # the test cluster commits lazily
            time.sleep(0.05)
        (data_directory,) = self.db.execute("SHOW data_directory").fetchone()  # type: ignore[misc]
        wal = Path(data_directory) / "pg_wal"
        waldump = shutil.which("pg_waldump") or "/usr/lib/postgresql/15/bin/pg_waldump"
        if not wal.is_dir() or not Path(waldump).is_file():
            raise AssertionError(
                f"the PostgreSQL attack test reads the server's WAL ({wal}) with pg_waldump "
                f"({waldump}): one of them is not on this machine. Run the tests against a "
                "server on this machine (.ci/postgres start)."
            )
        command = [waldump, "-p", str(wal), "-s", _lsn_text(self.started_at), "-e", _lsn_text(end)]
        if os.geteuid() == 0:  # read the server's files as the user who owns them
            command = ["runuser", "-u", wal.owner(), "--", *command]
        shown = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        return list(self._records(shown))

    def _records(self, shown: str) -> Iterator[WalRecord]:
        for line in shown.splitlines():
            found = _RECORD.search(line)
            if found is None:
                continue
            tx, lsn, desc = int(found["tx"]), _lsn_value(found["lsn"]), found["desc"]
            if desc.startswith(("COMMIT", "ABORT")):
                yield WalRecord(tx, lsn, desc.split()[0], None, None)
                continue
            blocks = _BLOCK.findall(desc)
            offset = _NEW_OFFSET.search(desc) or _OFFSET.search(desc)
            if not blocks or offset is None or blocks[0][0] not in self.files:
                continue
            file, block = blocks[0]
            place = (int(block), int(offset.group(1)))
            kind = desc.split()[0].removesuffix("+INIT")  # +INIT: the first row of a new page
            yield WalRecord(tx, lsn, kind, self.files[file], place)


@dataclass(frozen=True)
class WalRecord:
    tx: int
    lsn: int
    kind: str  # INSERT, HOT_UPDATE, UPDATE, DELETE, COMMIT, …
    table: str | None
    place: tuple[int, int] | None  # the row version it writes (block, line pointer)


_RECORD = re.compile(
    r"tx:\s+(?P<tx>\d+), lsn: (?P<lsn>[0-9A-F]+/[0-9A-F]+), .*?desc: (?P<desc>.*)$"
)
_BLOCK = re.compile(r"blkref #\d+: rel (\d+/\d+/\d+)(?: fork \w+)? blk (\d+)")
_NEW_OFFSET = re.compile(r"new off (\d+)")
_OFFSET = re.compile(r"^[\w+]+ off (\d+)")


def _lsn_value(text: str) -> int:
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def _lsn_text(value: int) -> str:
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"
