"""The daily tidy-up job (what it deletes is in `service`).

The job reschedules itself for the next day; at start-up one is scheduled if none is waiting, so
a day missed while Moot was down is caught up once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, select

from bot.housekeeping.service import tidy
from bot.runtime import Runtime
from bot.scheduler import schedule
from storage.models import ScheduledJob

DAILY_JOB = "housekeeping.daily"
EVERY = timedelta(days=1)


async def daily(runtime: Runtime, payload: Mapping[str, Any]) -> None:
    now = runtime.clock.now()

    def tidy_and_reschedule(session: Session) -> None:
        tidy(session, now)
        schedule(session, DAILY_JOB, now + EVERY, {})

    await runtime.write(tidy_and_reschedule)


async def keep_tidy(runtime: Runtime) -> None:
    """At start-up: make sure tomorrow's tidy-up (or an overdue one) is scheduled."""
    now = runtime.clock.now()

    def ensure(session: Session) -> None:
        waiting = session.exec(
            select(ScheduledJob.id).where(
                ScheduledJob.kind == DAILY_JOB, col(ScheduledJob.done_at).is_(None)
            )
        ).first()
        if waiting is None:
            schedule(session, DAILY_JOB, now + EVERY, {})

    await runtime.write(ensure)
