"""Once a day Moot deletes what it no longer needs, and only that."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from bot.clock import ManualClock
from bot.core import Moot
from bot.housekeeping.jobs import DAILY_JOB, keep_tidy
from storage.models import ProcessedUpdate, ScheduledJob
from storage.outbox import DeliveryKind, DeliveryStatus, OutboxEntry
from tests.helpers import Resident, texts


def delivered(kind: DeliveryKind, summary: str, at: datetime) -> OutboxEntry:
    return OutboxEntry(
        kind=kind,
        platform="console",
        chat_id="group-1",
        summary=summary,
        status=DeliveryStatus.SENT,
        created_at=at,
        finished_at=at,
    )


async def test_old_deliveries_and_update_ids_go_and_posts_stay(
    moot: Moot, clock: ManualClock, community: str, host: Resident
) -> None:
    start = clock.now()
    await host.say("/help", update_id="old-update")

    def add(session: Session) -> None:
        for kind in DeliveryKind:
            session.add(delivered(kind, f"old {kind}", start))

    await moot.write(add)
    await clock.advance(timedelta(days=25))
    await host.say("/help", update_id="recent-update")
    await moot.write(lambda s: s.add(delivered(DeliveryKind.DIRECT, "recent direct", clock.now())))
    await clock.advance(timedelta(days=6))  # 31 days after the old ones
    await moot.drain()

    summaries = await moot.read(lambda s: set(s.exec(select(OutboxEntry.summary)).all()))
    assert "old direct" not in summaries
    assert "old edit" not in summaries
    assert {"old post", "recent direct"} <= summaries  # a card is edited through its post
    updates = await moot.read(lambda s: set(s.exec(select(ProcessedUpdate.update_id)).all()))
    assert "old-update" not in updates
    assert "recent-update" in updates
    again = await host.say("/help", update_id="recent-update")
    assert texts(again) == "That was already handled; nothing more was done."


async def test_one_daily_tidy_up_waits_however_often_moot_restarts(
    moot: Moot, clock: ManualClock
) -> None:
    await keep_tidy(moot)  # as a second start-up does
    await clock.advance(timedelta(days=3))
    await moot.drain()
    jobs = await moot.read(
        lambda s: s.exec(select(ScheduledJob).where(ScheduledJob.kind == DAILY_JOB)).all()
    )
    waiting = [job for job in jobs if job.done_at is None]
    assert len(waiting) == 1
    assert waiting[0].due_at > clock.now()
