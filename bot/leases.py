"""The roles this process holds among the Moot processes on one database.

Work that must have one owner at a time (the scheduler's timers; the outbox dispatcher of each
platform, which keeps each chat's order and the platform's overall rate limit; a platform's one
live connection, such as Discord's gateway: `hold_while`) runs only while
its process holds the role's lease (storage/leases.py). A process tries for a role when it
starts the work and again every `RENEW_SECONDS` while someone else holds it; it renews what it
holds just as often. A holder that dies stops renewing, and another process takes the role once
the lease has run out, within `LEASE_SECONDS`. A holder that stops cleanly gives its roles up at
once, and says so (`FREED`), so a process waiting for one takes it at once; the scheduler's
holder first passes on what only it can read (`HANDOVER`, bot/core.py `Moot._hand_over`).

A holder counts a role as its own only while its last renewal is recent enough that nobody else
can have taken the role yet (`holds`): a process paused for longer than that (a stalled machine,
a debugger) stops sending before the next holder starts, rather than after. One send under way
when the pause began can still go out twice on a platform without idempotency keys
(docs/operating.md).

With one process (SQLite always, PostgreSQL usually) it takes every role at once at start-up,
and this changes nothing; on SQLite even after a crash, since the file's lock
(moot/single_process.py) shows the last holder is dead."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Sequence

from sqlmodel import Session

from storage import leases
from storage.leases import Held, Lease
from storage.notices import notify
from storage.store import Store

log = logging.getLogger(__name__)

# A dead holder's role is free 12 s after its last renewal, and the others try every 3 s:
# another process holds it within 15 s of the death.
LEASE_SECONDS = 12.0
RENEW_SECONDS = 3.0
RELEASE_WITHIN_SECONDS = 2.0

SCHEDULER = "scheduler"
# Held by a process that runs the scheduler while it stops cleanly with others on the database:
# from just before it gives the scheduler's role up until it has passed to the next holder what
# only it can read (secret ballots held for its key: bot/polls/sealing.py), for at most
# `HANDOVER_SECONDS` of waiting for that holder.
HANDOVER = "handover"
HANDOVER_SECONDS = 20.0
HANDOVER_LOOK_SECONDS = 0.1  # how often each side of a handover looks for the other
# Said on the notices channel (storage/notices.py) when a role is given up, followed by the
# role, so a process waiting for it takes it at once rather than at its next try.
FREED = "freed:"

OUTBOX_ROLE = "outbox:"


def outbox_role(platform: str) -> str:
    """The role of sending one platform's outbox."""
    return OUTBOX_ROLE + platform


GATEWAY_ROLE = "gateway:"


def gateway_role(platform: str) -> str:
    """The role of keeping a platform's one live connection (Discord's gateway)."""
    return GATEWAY_ROLE + platform


def new_holder() -> str:
    """This process's name in the lease table: where it runs, and a random part, since a
    process id alone repeats across machines and containers."""
    return f"{socket.gethostname()}/{os.getpid()}/{secrets.token_hex(3)}"


class Leases:
    """The leases one Moot process holds, renewed in the background."""

    def __init__(
        self,
        store: Store,
        *,
        holder: str | None = None,
        seconds: float = LEASE_SECONDS,
        renew_every: float = RENEW_SECONDS,
    ) -> None:
        self._store = store
        self.holder = holder or new_holder()
        self.seconds = seconds
        self.renew_every = renew_every
        self._held: dict[str, Held] = {}
        self._renewed: dict[str, float] = {}  # role -> when last taken or renewed (monotonic)
        self._on_loss: dict[str, Callable[[], None]] = {}
        self._renewing: asyncio.Task[None] | None = None
        self.stopped = False  # `stop` gave every role up: none is taken again
        # Whether this process is the only one on the database: on SQLite it is (the serving
        # process locks the file: moot/single_process.py), so any other holder is a process
        # that died, whose roles it takes at once, and a stall of its own loses it nothing.
        self.sole = store.is_sqlite

    def holds(self, role: str) -> bool:
        """Whether this process may act as `role` now: it holds the lease, and renewed it
        recently enough that nobody else can have taken it over."""
        renewed = self._renewed.get(role)
        if renewed is None or self.sole:
            return renewed is not None
        return time.monotonic() - renewed < self.seconds - self.renew_every

    def held(self, role: str) -> Held | None:
        """The lease this process holds for `role` (with the epoch it was taken at)."""
        return self._held.get(role) if self.holds(role) else None

    async def acquire(self, role: str, *, on_loss: Callable[[], None] | None = None) -> bool:
        """Take `role` if it is free (or renew it if already held); whether this process holds
        it now. `on_loss` is called if a later renewal finds it lost."""
        if self.stopped:
            return False
        if on_loss is not None:
            self._on_loss[role] = on_loss
        asked = time.monotonic()
        held = await self._store.writer.write(
            lambda s: leases.take(s, role, self.holder, time.time(), self.seconds, force=self.sole)
        )
        if held is None:
            self._forget(role)
            return False
        if role not in self._held or self._held[role].epoch != held.epoch:
            log.info("this process now holds %s (epoch %d)", role, held.epoch)
        self._held[role], self._renewed[role] = held, asked
        self._renew_in_the_background()
        return True

    async def release(self, role: str) -> None:
        """Give `role` up now, for another process to take at once."""
        held = self._held.get(role)
        self._forget(role)
        self._on_loss.pop(role, None)
        if held is not None:  # an unreachable store must not hold a stop up: it runs out
            async with asyncio.timeout(RELEASE_WITHIN_SECONDS):
                await self._store.writer.write(lambda s: _release(s, held))

    def abandon(self, role: str) -> None:
        """Stop renewing `role` without giving it up: it runs out for another to take."""
        self._forget(role)
        self._on_loss.pop(role, None)

    async def stop(self) -> None:
        """Stop renewing and give every role up (a process that dies instead lets them run
        out)."""
        self.stopped = True
        if self._renewing is not None:
            self._renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewing
            self._renewing = None
        for role in list(self._held):
            try:
                await self.release(role)
            except Exception:  # the store is failing us: the lease runs out by itself
                log.warning("could not give up %s; it runs out by itself", role, exc_info=True)

    def _renew_in_the_background(self) -> None:
        if self._renewing is None or self._renewing.done():
            self._renewing = asyncio.get_running_loop().create_task(
                self._renew_now_and_then(), name="leases"
            )

    async def _renew_now_and_then(self) -> None:
        while self._held:
            await asyncio.sleep(self.renew_every)
            for role, held in list(self._held.items()):
                asked = time.monotonic()
                try:
                    kept = await self._store.writer.write(
                        lambda s, h=held: _renew(s, h, self.seconds)  # type: ignore[misc]
                    )
                except Exception:  # keep trying until it runs out; `holds` stops the work
                    log.warning("could not renew %s", role, exc_info=True)
                    continue
                if kept:
                    self._renewed[role] = asked
                else:
                    log.warning("this process lost %s to another", role)
                    self._forget(role)
                    if (lost := self._on_loss.get(role)) is not None:
                        lost()

    def _forget(self, role: str) -> None:
        self._held.pop(role, None)
        self._renewed.pop(role, None)


async def hold_while(leases: Leases, role: str, work: Callable[[], Awaitable[None]]) -> None:
    """Run `work` while this process holds `role`, trying for the role every `renew_every`
    until it does. `work` is cancelled at once if the role is lost (or this process can no
    longer count on it: `Leases.holds`), and runs again once the role is back. Returns, giving
    the role up, when `work` does or once the leases have stopped (the process is stopping);
    cancelling gives it up too."""
    try:
        while not leases.stopped:
            lost = asyncio.Event()
            try:
                taken = await leases.acquire(role, on_loss=lost.set)
            except Exception:  # the store is failing us: try again later
                log.warning("could not try for %s", role, exc_info=True)
                taken = False
            if not taken:
                await asyncio.sleep(leases.renew_every)
                continue
            running = asyncio.ensure_future(work())
            try:
                while not running.done() and not lost.is_set() and leases.holds(role):
                    await asyncio.wait([running], timeout=min(leases.renew_every, 1.0))
            finally:
                while not running.done():  # again if it swallowed one (wait_for on 3.11 can)
                    running.cancel()
                    await asyncio.wait([running], timeout=1)
            if not running.cancelled():
                running.result()  # its error, if it failed
                return
            if not leases.stopped:
                log.warning("this process stopped %s: it no longer holds the role", role)
    finally:
        with contextlib.suppress(Exception):
            await leases.release(role)


def _release(session: Session, held: Held) -> None:
    leases.release(session, held, time.time())
    notify(session, FREED + held.role)


def _renew(session: Session, held: Held, seconds: float) -> bool:
    return leases.renew(session, held, time.time(), seconds)


def described(held: Sequence[Lease], now: float) -> list[str]:
    """Which process holds which role, as `moot status` and `/outbox` show it."""
    if not held:
        return ["No Moot process holds a role here: none has run on this database yet."]
    lines = [
        f"Roles (one process at a time each; a holder renews every {RENEW_SECONDS:.0f} s, "
        f"or loses it after {LEASE_SECONDS:.0f} s):"
    ]
    for lease in held:
        if lease.live(now):
            state = f"held by {lease.holder} (epoch {lease.epoch}), runs out in {lease.expires_at - now:.0f} s unless renewed"
        else:
            state = f"free: {lease.holder} gave it up or stopped {now - lease.expires_at:.0f} s ago"
        lines.append(f"- {lease.role}: {state}")
    return lines


def sending(held: Sequence[Lease], now: float) -> list[str]:
    """For an admin's `/outbox`: whether some Moot process is sending each platform's messages
    now (which machine does is for operators: `moot status`)."""
    lines = []
    for lease in held:
        if not lease.role.startswith(OUTBOX_ROLE):
            continue
        platform = lease.role.removeprefix(OUTBOX_ROLE)
        if lease.live(now):
            lines.append(f"{platform}: sending.")
        else:
            lines.append(
                f"{platform}: nothing is sending now; messages wait until Moot is connected again."
            )
    return lines
