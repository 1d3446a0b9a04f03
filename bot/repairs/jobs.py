"""Fix's scheduled jobs: a report's due-soon and overdue alerts, the tenant's reminder the day
before a visit, and the triage chat's digest."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.feature import JobHandler
from bot.repairs import service
from bot.runtime import Runtime


async def digest_job(runtime: Runtime, payload: Mapping[str, Any]) -> None:
    community_id, due, now = int(payload["community"]), str(payload["due"]), runtime.clock.now()
    await runtime.write(lambda s: service.post_digest(s, community_id, due, now))


async def visit_reminder_job(runtime: Runtime, payload: Mapping[str, Any]) -> None:
    report_id, when, now = int(payload["report"]), str(payload["visit"]), runtime.clock.now()
    await runtime.write(lambda s: service.remind_visit(s, report_id, when, now))


def alert_job(overdue: bool) -> JobHandler:
    async def run(runtime: Runtime, payload: Mapping[str, Any]) -> None:
        report_id, due, now = int(payload["report"]), str(payload["due"]), runtime.clock.now()
        await runtime.write(lambda s: service.alert(s, report_id, due, overdue, now))

    return run
