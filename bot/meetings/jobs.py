"""The meetings feature's scheduled jobs: reminders (the meeting's own, personal ones and nudges),
the next occurrence of a series, platform calendar events, and the day-before reminder of an
action."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlmodel import Session

from bot.dates import length
from bot.meetings import native, record, reminders, service
from bot.runtime import Runtime


async def remind_job(runtime: Runtime, payload: Mapping[str, Any]) -> None:
    """A reminder is near (or fell due while Moot was down): prepare its messages. One for a
    moved or cancelled meeting sends nothing; see `reminders.moment` for late ones."""
    meeting_id, before = int(payload["meeting"]), timedelta(minutes=int(payload["before"]))
    now = runtime.clock.now()

    def prepare(session: Session) -> None:
        meeting_ = reminders.still_due(session, payload)
        if meeting_ is None:
            return
        when = reminders.moment(
            meeting_.starts_at - before,
            now,
            f"the {length(before)} reminder for meeting #{meeting_.number}",
        )
        if when is not None:
            service.remind(session, meeting_id, before, when, now)

    await runtime.write(prepare)


async def personal_job(runtime: Runtime, payload: Mapping[str, Any]) -> None:
    now = runtime.clock.now()
    await runtime.write(lambda s: reminders.personal_reminder(s, payload, now))


async def nudge_job(runtime: Runtime, payload: Mapping[str, Any]) -> None:
    now = runtime.clock.now()
    await runtime.write(lambda s: reminders.nudge(s, payload, now))


async def series_job(runtime: Runtime, payload: Mapping[str, Any]) -> None:
    """An occurrence of a series is over: the next one is announced where it was."""
    meeting_id, now = int(payload["meeting"]), runtime.clock.now()
    await runtime.write(lambda s: service.next_in_series(s, meeting_id, now))


async def sync_job(runtime: Runtime, payload: Mapping[str, Any]) -> None:
    """The meeting changed in a way platforms' calendars show: bring its events up to date."""
    await native.sync(runtime, int(payload["meeting"]))


async def action_due_job(runtime: Runtime, payload: Mapping[str, Any]) -> None:
    """The day before an action is due, its owner is reminded (unless it is done)."""
    action_id, now = int(payload["action"]), runtime.clock.now()
    await runtime.write(lambda s: record.remind_owner(s, action_id, now))
