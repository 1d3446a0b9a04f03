"""Scheduled work that survives restarts.

Every scheduled thing is a `ScheduledJob` row written in the same transaction as the change that
needs it. Only what falls due within `HORIZON` has a timer in memory: at start-up and every half
horizon after, the scheduler arms the rows due before then (rows already due run at once: the
catch-up policy in docs/architecture.md), so a store holding a hundred thousand future
reminders starts as fast as an empty one. On the system clock the timers are APScheduler date jobs;
whenever a clock is moved by hand (tests, the console's `:time` and `:wait`) due rows run at once
and the timers of the others are set again.
A job is claimed by marking it done in the writer before its handler runs, so it never runs twice;
a handler that fails is put back with a delay, up to `MAX_ATTEMPTS` times.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from bot.clock import Clock
from bot.feature import JobHandler
from bot.runtime import Runtime
from storage.models import ScheduledJob
from storage.store import Store

log = logging.getLogger(__name__)

NEW_JOBS = "moot.new_jobs"
HORIZON = timedelta(minutes=10)
REFILL = "moot.refill"  # the timer that arms the next stretch of the horizon
MAX_ATTEMPTS = 5
RETRY_DELAY = timedelta(minutes=1)
WAIT_FOR_LEASE_SECONDS = 0.5


def schedule(session: Session, kind: str, due_at: datetime, payload: Mapping[str, Any]) -> None:
    """Inside a write: add a one-off job that will be armed once the write commits. Anything
    that can be planned again (moved, changed, cancelled) uses `reschedule` instead."""
    _add(session, kind, None, due_at, payload)


def job_key(kind: str, subject: str) -> str:
    """The identity of one logical scheduled message: its kind and what it is about."""
    return f"{kind}|{subject}"


def reschedule(
    session: Session, kind: str, subject: str, due_at: datetime, payload: Mapping[str, Any]
) -> None:
    """Inside a write: (re)plan the one job of `kind` about `subject` (e.g. "report:17"): a job
    still waiting under that identity is cancelled first, so re-planning however often never
    leaves two behind (a partial unique index on waiting jobs' keys holds to that)."""
    unschedule(session, kind, subject)
    _add(session, kind, job_key(kind, subject), due_at, payload)


def unschedule(session: Session, kind: str, subject: str) -> None:
    """Inside a write: cancel the waiting job of `kind` about `subject`, if there is one (a timer
    already armed for it finds nothing to claim)."""
    key = job_key(kind, subject)
    new: list[ScheduledJob] = session.info.get(NEW_JOBS, [])
    new[:] = [job for job in new if job.key != key]
    session.flush()  # jobs added earlier in this write are rows now
    session.exec(
        delete(ScheduledJob).where(
            col(ScheduledJob.key) == key, col(ScheduledJob.done_at).is_(None)
        )
    )


def _add(
    session: Session, kind: str, key: str | None, due_at: datetime, payload: Mapping[str, Any]
) -> None:
    job = ScheduledJob(kind=kind, key=key, due_at=due_at, payload=json.dumps(dict(payload)))
    session.add(job)
    session.info.setdefault(NEW_JOBS, []).append(job)


class Scheduler:
    def __init__(
        self, store: Store, clock: Clock, *, allowed: Callable[[], bool] = lambda: True
    ) -> None:
        self._store = store
        self._clock = clock
        # Whether this process may run jobs now (it holds the scheduler's lease: bot/leases.py).
        # A process that lost it without hearing so yet (stalled) leaves jobs to the new holder.
        self._allowed = allowed
        self._stopping = False
        self._handlers: dict[str, JobHandler] = {}
        self._timers = AsyncIOScheduler(
            timezone=UTC, job_defaults={"misfire_grace_time": None, "coalesce": True}
        )
        self._running: set[asyncio.Task[None]] = set()
        self._runtime: Runtime | None = None
        self._stop_listening: Callable[[], None] = lambda: None
        self._stop_walking: Callable[[], None] = lambda: None

    def register(self, kind: str, handler: JobHandler) -> None:
        if kind in self._handlers:
            raise ValueError(f"job kind {kind!r} registered twice")
        self._handlers[kind] = handler

    async def start(self, runtime: Runtime) -> None:
        """Arm every job that is not done yet (once; starting again does nothing)."""
        if self._runtime is not None:
            return
        self._runtime, self._stopping = runtime, False
        self._stop_listening = self._clock.on_move(self._clock_moved)
        self._stop_walking = self._clock.walk_through(self._next_due, self.drain)
        if self._clock.ticks:
            self._timers.start()
        await self._arm_pending()

    async def _arm_pending(self) -> None:
        """Arm every job not done yet that falls due within the horizon (its index keeps this one
        range read however many jobs wait further ahead), and come back half a horizon later."""
        until = self._clock.now() + HORIZON
        pending = await self._store.read(
            lambda s: list(
                s.exec(
                    select(ScheduledJob.id, ScheduledJob.due_at).where(
                        col(ScheduledJob.done_at).is_(None), col(ScheduledJob.due_at) <= until
                    )
                )
            )
        )
        for job_id, due_at in pending:
            if job_id is not None:
                self.arm(job_id, due_at)
        if self._clock.ticks:
            self._timers.add_job(
                self._arm_pending,
                DateTrigger(run_date=datetime.now(UTC) + HORIZON / 2),
                id=REFILL,
                replace_existing=True,
            )

    def rearm(self) -> None:
        """Jobs were scheduled by another process: arm those due within the horizon (if this
        process schedules: bot/leases.py)."""
        if self._runtime is not None and not self._stopping:
            task = asyncio.get_running_loop().create_task(self._arm_pending())
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _next_due(self, after: datetime, until: datetime) -> datetime | None:
        """When the next waiting job falls due after `after`, up to `until` (a clock moved by
        hand stops there)."""
        return await self._store.read(
            lambda s: s.exec(
                select(func.min(ScheduledJob.due_at)).where(
                    col(ScheduledJob.done_at).is_(None),
                    col(ScheduledJob.due_at) > after,
                    col(ScheduledJob.due_at) <= until,
                )
            ).one()
        )

    async def _clock_moved(self) -> None:
        await self.run_due()
        if self._clock.ticks:
            await self._arm_pending()

    async def stop(self) -> None:
        self._stopping = True
        self._stop_listening()
        self._stop_listening = lambda: None
        self._stop_walking()
        self._stop_walking = lambda: None
        if self._timers.running:
            self._timers.shutdown(wait=False)
        await self.drain()
        self._runtime = None  # arms nothing more; `start` may take scheduling up again

    async def drain(self) -> None:
        """Wait for jobs that are running now."""
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)

    def arm(self, job_id: int, due_at: datetime) -> None:
        """Run the job when it is due by Moot's clock (at once if it is due already). Before
        `start`, nothing: start arms every job still waiting in the table."""
        if self._runtime is None or self._stopping:
            return
        wait = due_at - self._clock.now()
        if wait <= timedelta(0):
            self._spawn(job_id)
        elif self._clock.ticks and wait <= HORIZON:  # further off: armed by a later refill
            self._timers.add_job(
                self._fire,
                DateTrigger(run_date=datetime.now(UTC) + wait),
                args=[job_id],
                id=str(job_id),
                replace_existing=True,
            )

    async def run_due(self) -> None:
        """Run every job that is due by the clock now."""
        now = self._clock.now()
        due = await self._store.read(
            lambda s: list(
                s.exec(
                    select(ScheduledJob.id)
                    .where(col(ScheduledJob.done_at).is_(None), col(ScheduledJob.due_at) <= now)
                    .order_by(col(ScheduledJob.due_at), col(ScheduledJob.id))
                )
            )
        )
        for job_id in due:
            if job_id is not None:
                await self._run(job_id)

    async def _fire(self, job_id: int) -> None:
        """A timer went off (APScheduler runs coroutines on Moot's loop)."""
        self._spawn(job_id)

    def _spawn(self, job_id: int) -> None:
        task = asyncio.get_running_loop().create_task(self._run(job_id))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _run(self, job_id: int) -> None:
        while not self._allowed():  # stalled: wait to hear whether this process keeps the role
            if self._stopping:
                return  # it did not: the new holder runs the job
            await asyncio.sleep(WAIT_FOR_LEASE_SECONDS)
        now = self._clock.now()
        job = await self._store.write(lambda s: _claim(s, job_id, now))
        if job is None:
            return  # done already, by another timer or a clock move
        handler = self._handlers.get(job.kind)
        assert self._runtime is not None, "the scheduler runs jobs only after start()"
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            await handler(self._runtime, json.loads(job.payload))
        except Exception:
            log.exception("scheduled job %s (%s) failed", job_id, job.kind)
            await self._retry(job)

    async def _retry(self, job: ScheduledJob) -> None:
        attempts = json.loads(job.payload).get("_attempts", 0) + 1
        if attempts >= MAX_ATTEMPTS:
            log.error("scheduled job %s (%s) gave up after %d attempts", job.id, job.kind, attempts)
            return
        payload = {**json.loads(job.payload), "_attempts": attempts}
        due = self._clock.now() + RETRY_DELAY * attempts

        def put_back(session: Session) -> None:
            if job.key is not None and _waiting(session, job.key):
                return  # planned again meanwhile: the new plan stands
            _add(session, job.kind, job.key, due, payload)

        assert self._runtime is not None
        await self._runtime.write(put_back)


def lag(session: Session, now: datetime) -> timedelta:
    """How late the most overdue job is that fell due but nobody has claimed (zero when none):
    a job is claimed as it starts, so this grows only while the scheduler falls behind or is
    not running."""
    due = session.exec(
        select(func.min(ScheduledJob.due_at)).where(
            col(ScheduledJob.done_at).is_(None), col(ScheduledJob.due_at) <= now
        )
    ).one()
    return timedelta(0) if due is None else now - due


def is_planned(session: Session, kind: str, subject: str) -> bool:
    """Inside a read or write: whether the job of `kind` about `subject` waits to run."""
    return _waiting(session, job_key(kind, subject))


def _waiting(session: Session, key: str) -> bool:
    return (
        session.exec(
            select(ScheduledJob.id).where(
                col(ScheduledJob.key) == key, col(ScheduledJob.done_at).is_(None)
            )
        ).first()
        is not None
    )


def _claim(session: Session, job_id: int, now: datetime) -> ScheduledJob | None:
    claimed = session.exec(
        update(ScheduledJob)
        .where(col(ScheduledJob.id) == job_id, col(ScheduledJob.done_at).is_(None))
        .values(done_at=now)
    )
    if claimed.rowcount != 1:
        return None
    return session.get(ScheduledJob, job_id)
