"""One serving Moot per SQLite file: a second one refuses to start instead of sending twice.

Only the serving process takes this lock (moot/operate.py): one-shot commands (`moot backup`,
`moot outbox`, `moot db copy`) work beside a running Moot, and PostgreSQL, which several
processes may share, is left alone.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from moot.settings import SettingsError
from storage.engine import prepare_sqlite_file, sqlite_path


@contextmanager
def only_process(database_url: str) -> Iterator[None]:
    """Hold an exclusive lock on `<database file>.lock` while serving, or refuse in one sentence.

    The lock is `flock` on a file of its own, beside the database, not on the database itself:
    SQLite locks the database with POSIX record locks, which the process loses when it closes
    any descriptor of that file, and which on macOS may conflict with `flock` on that file. The
    kernel drops the lock when the process ends, however it ends (kill -9 included), so a stale
    lock file never stops the next start. The file is not deleted on exit: a process that had
    opened it just before would then hold a lock on a file no one else sees.
    """
    database = sqlite_path(database_url)
    if database is None:  # PostgreSQL: several processes may share it
        yield
        return
    prepare_sqlite_file(database_url)  # the folder exists and Moot may write there
    resolved = database.resolve()  # the same lock whichever path or link names the file
    lock_path = resolved.with_name(resolved.name + ".lock")
    try:
        lock = lock_path.open("a+")
    except OSError as error:
        raise SettingsError(
            f"Moot cannot open {lock_path} ({error.strerror or error}), which keeps a second "
            "Moot off the same database; let it write there, or set DATABASE_URL elsewhere."
        ) from error
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip()
            running = f" (process {holder})" if holder.isdigit() else ""
            raise SettingsError(
                f"Another Moot is already running on {database}{running}; stop it first, "
                "or give this one its own DATABASE_URL."
            ) from None
        lock.truncate(0)
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        yield
