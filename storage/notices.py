"""Wake-ups between the Moot processes on one PostgreSQL database (LISTEN/NOTIFY).

A write that queues deliveries or schedules jobs says so on the `moot` channel (`notify`, in
the write's own transaction: PostgreSQL hands the notice out only if and when it commits, once
however often the write said it). Every process listens (`Listener`) and wakes the outbox
dispatcher or the scheduler it holds, so work queued by one process goes out from the process
that holds its role at once rather than at its next look.

On SQLite there is one process (moot/single_process.py), which wakes its own work directly:
both functions do nothing there."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session

log = logging.getLogger(__name__)

CHANNEL = "moot"
RECONNECT_SECONDS = 1.0
APPLICATION = "moot-notices"  # every running Moot process has one connection by this name
_NOTIFY = text(f"SELECT pg_notify('{CHANNEL}', :payload)")
_OTHERS = text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
    "AND application_name = :name AND pid <> :mine"
)


def notify(session: Session, payload: str) -> None:
    """Inside a write: tell every process `payload` once the write commits (PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_NOTIFY, {"payload": payload})


class Listener:
    """Hears the notices of every process on a PostgreSQL database (its own included) on a
    connection of its own, and hands each payload to `heard` on the event loop. A lost
    connection is made again; notices sent meanwhile are lost, which costs only promptness:
    each dispatcher and the scheduler also look on their own now and then."""

    def __init__(self, url: str, heard: Callable[[str], None]) -> None:
        self._conninfo = (
            make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        )
        self._heard = heard
        self._task: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()
        self._pid = 0  # the server process of this listener's connection, once connected

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._listen(), name="notices")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def others(self, session: Session) -> int:
        """Inside a read: how many other Moot processes are running on this database now (each
        listens on a connection of its own)."""
        parameters = {"name": APPLICATION, "mine": self._pid}
        return int(session.execute(_OTHERS, parameters).scalar_one())

    async def _listen(self) -> None:
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self._conninfo, autocommit=True, application_name=APPLICATION
                ) as connection:
                    await connection.execute(f"LISTEN {CHANNEL}")
                    self._pid = connection.info.backend_pid
                    self.listening.set()
                    async for notice in connection.notifies():
                        self._heard(notice.payload)
            except Exception:  # a lost connection, or a wake-up that failed: listen again
                self.listening.clear()
                log.warning("lost the notices connection; connecting again", exc_info=True)
                await asyncio.sleep(RECONNECT_SECONDS)
