"""Scheduled jobs live in the store, survive a restart and run exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from bot import scheduler
from bot.clock import ManualClock, SystemClock
from bot.commands import Command
from bot.core import Moot
from bot.feature import Feature
from bot.runtime import Runtime
from bot.scheduler import MAX_ATTEMPTS, schedule
from storage.models import ScheduledJob
from storage.store import Store

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def feature_recording(ran: list[str], *, failures: int = 0) -> Feature:
    """A feature whose one job kind records its payload (failing the first `failures` times)."""
    remaining = [failures]

    async def remember(_runtime: Runtime, payload: Mapping[str, Any]) -> None:
        if remaining[0] > 0:
            remaining[0] -= 1
            raise RuntimeError("not yet")
        ran.append(str(payload["note"]))

    async def no_op(_ctx: object) -> None:
        """Declared only so the feature has a command."""

    return Feature("test", (Command("noop", "Does nothing", no_op),), {"test.remember": remember})


def add_job(due: datetime, note: str) -> Any:
    def op(session: Session) -> None:
        schedule(session, "test.remember", due, {"note": note})

    return op


async def start(url: str, clock: Any, ran: list[str], failures: int = 0) -> Moot:
    moot = Moot(Store(url), clock, [feature_recording(ran, failures=failures)])
    await moot.start()
    return moot


async def test_a_job_survives_a_restart_and_runs_once(database_url: str) -> None:
    clock = ManualClock(START)
    ran: list[str] = []
    first = await start(database_url, clock, ran)
    await first.write(add_job(START + timedelta(hours=1), "reminder"))
    await first.stop()

    second = await start(database_url, clock, ran)
    await clock.advance(timedelta(minutes=59))
    assert ran == []
    await clock.advance(timedelta(minutes=2))
    await clock.advance(timedelta(minutes=2))
    await second.stop()
    assert ran == ["reminder"]


async def test_jobs_missed_while_down_run_at_start_up(database_url: str) -> None:
    clock = ManualClock(START)
    ran: list[str] = []
    first = await start(database_url, clock, ran)
    await first.write(add_job(START + timedelta(minutes=5), "missed"))
    await first.stop()
    await clock.set(START + timedelta(hours=3))  # Moot was down past the due time
    second = await start(database_url, clock, ran)
    await second.drain()
    await second.stop()
    assert ran == ["missed"]


async def test_on_the_system_clock_jobs_fire_by_timer(database_url: str) -> None:
    ran: list[str] = []
    moot = await start(database_url, SystemClock(), ran)
    await moot.write(add_job(datetime.now(UTC) + timedelta(milliseconds=200), "timer"))
    for _ in range(50):
        if ran:
            break
        await asyncio.sleep(0.05)
    await moot.stop()
    assert ran == ["timer"]


async def test_only_jobs_due_within_the_horizon_have_timers(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job further off than the horizon has no timer at start-up (a store of 100,000 future
    reminders is not held in memory), and is armed by a refill in time to run when due."""
    monkeypatch.setattr(scheduler, "HORIZON", timedelta(milliseconds=400))
    ran: list[str] = []
    clock = SystemClock()
    first = await start(database_url, clock, ran)
    await first.write(add_job(datetime.now(UTC) + timedelta(seconds=1), "later"))
    await first.stop()
    moot = await start(database_url, clock, ran)
    armed = {job.id for job in moot.scheduler._timers.get_jobs()}
    assert armed == {scheduler.REFILL}  # nothing but the refill timer yet
    for _ in range(60):
        if ran:
            break
        await asyncio.sleep(0.05)
    await moot.stop()
    assert ran == ["later"]


async def test_a_failing_job_is_retried_then_runs_once(database_url: str) -> None:
    clock = ManualClock(START)
    ran: list[str] = []
    moot = await start(database_url, clock, ran, failures=2)
    await moot.write(add_job(START + timedelta(minutes=1), "flaky"))
    for _ in range(6):
        await clock.advance(timedelta(minutes=5))
    pending = await moot.read(
        lambda s: s.exec(select(ScheduledJob).where(col(ScheduledJob.done_at).is_(None))).all()
    )
    await moot.stop()
    assert ran == ["flaky"]
    assert pending == []


async def test_a_job_that_always_fails_gives_up(database_url: str) -> None:
    clock = ManualClock(START)
    ran: list[str] = []
    moot = await start(database_url, clock, ran, failures=100)
    await moot.write(add_job(START, "doomed"))
    for _ in range(MAX_ATTEMPTS + 3):
        await clock.advance(timedelta(minutes=30))
    attempts = await moot.read(lambda s: len(s.exec(select(ScheduledJob)).all()))
    await moot.stop()
    assert ran == []
    assert attempts == MAX_ATTEMPTS
