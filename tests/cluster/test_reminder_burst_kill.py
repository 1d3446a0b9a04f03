"""Acceptance test 4 of issue 20: kill -9 of the process sending Telegram's outbox (which holds
the scheduler's role too, unless a busy start split them) in the middle of test 3's burst of
1,000 reminders (tests/cluster/burst.py): the roles it held move to another process within the
lease's 15 s and one try; every reminder ends sent, and the only ones Telegram sees twice were
in flight at the kill (sent, but not yet recorded as sent: Telegram takes no idempotency key,
docs/operating.md); no reminder job runs twice (they ran at the set-up, preparing the reminders
two minutes ahead, and the new scheduler must not run any of them again).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

from bot.leases import outbox_role
from bot.outbox.dispatcher import LANES_AT_ONCE
from tests.cluster import burst
from tests.cluster.harness import TAKE_OVER_WITHIN, cluster, holders
from tests.fakes.telegram_api import FakeTelegram

KILL_AFTER = 300  # reminders Telegram has accepted when the sender is killed


async def sent_at_least(telegram: FakeTelegram, count: int, within: float) -> None:
    started = time.monotonic()
    while len(burst.reminders(telegram)) < count:
        assert time.monotonic() - started < within, f"{len(burst.reminders(telegram))} sent"
        await asyncio.sleep(0.2)


async def test_killing_the_sender_mid_burst_moves_its_roles_and_loses_and_repeats_nothing_else(
    postgres_url: str, tmp_path: Path
) -> None:
    burst.seed(postgres_url)
    async with cluster(postgres_url, tmp_path) as running:
        running.telegram.messages_per_second = burst.LIMIT
        moment = await burst.set_up(running, postgres_url)
        before = holders(postgres_url)
        sender = next(p for p in running.processes if p.pid == before[outbox_role("telegram")])
        held = {role for role, pid in before.items() if pid == sender.pid}

        await sent_at_least(running.telegram, KILL_AFTER, within=burst.LEAD.total_seconds() + 30)
        running.kill(sender)
        killed = time.monotonic()
        await asyncio.sleep(0.5)  # the fake takes in what reached it before the kill
        accepted = set(burst.reminders(running.telegram))
        in_flight = accepted & burst.waiting_reminders(postgres_url)
        assert len(accepted) < len(burst.expected())  # killed in the middle of the burst
        assert len(in_flight) <= LANES_AT_ONCE

        # Read in a thread: the fake Telegram runs on this loop, and a loop held up would
        # stamp the sends queued meanwhile as arriving together.
        while True:
            now = await asyncio.to_thread(holders, postgres_url)
            if all(now.get(role) not in (None, sender.pid) for role in held):
                break
            assert time.monotonic() - killed < TAKE_OVER_WITHIN, now
            await asyncio.sleep(0.5)
        live = {p.pid for p in running.processes if p.running}
        assert {now[role] for role in held} <= live

        await burst.all_arrived(running.telegram, within=60)
        await asyncio.sleep(1)  # a late repeat would show
        sent = Counter(burst.reminders(running.telegram))
        assert {s for s, times in sent.items() if times > 1} <= in_flight
        assert max(sent.values()) <= 2
        burst.check_order_and_pace(running.telegram, postgres_url, moment)
        assert burst.outbox_reminders(postgres_url) == {"sent": 1000}
        jobs = burst.reminder_jobs(postgres_url)
        assert jobs == [True] * burst.MEETINGS  # each ran, and once:
        assert burst.reminders_per_meeting(postgres_url) == [5] * burst.MEETINGS
        assert running.tracebacks() == []
