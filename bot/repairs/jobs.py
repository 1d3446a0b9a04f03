"""Fix's scheduled jobs: a report's due-soon and overdue alerts, the tenant's reminder the day
before a visit, and the triage chat's digest."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.core import Moot
from bot.feature import JobHandler
from bot.repairs import service


async def digest_job(moot: Moot, payload: Mapping[str, Any]) -> None:
    community_id, due, now = int(payload["community"]), str(payload["due"]), moot.clock.now()
    await moot.write(lambda s: service.post_digest(s, community_id, due, now))


async def visit_reminder_job(moot: Moot, payload: Mapping[str, Any]) -> None:
    report_id, when, now = int(payload["report"]), str(payload["visit"]), moot.clock.now()
    await moot.write(lambda s: service.remind_visit(s, report_id, when, now))


def alert_job(overdue: bool) -> JobHandler:
    async def run(moot: Moot, payload: Mapping[str, Any]) -> None:
        report_id, due, now = int(payload["report"]), str(payload["due"]), moot.clock.now()
        await moot.write(lambda s: service.alert(s, report_id, due, overdue, now))

    return run
