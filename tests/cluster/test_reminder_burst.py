"""Acceptance test 3 of issue 20: 1,000 meeting reminders due in the same second across 200
chats, scheduled from all three processes (how: tests/cluster/burst.py), go out in order in
each chat, at no more than Telegram's 30 messages a second, and none twice."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.cluster import burst
from tests.cluster.harness import cluster


async def test_a_thousand_reminders_due_at_once_leave_in_order_within_the_limit_once(
    postgres_url: str, tmp_path: Path
) -> None:
    burst.seed(postgres_url)
    async with cluster(postgres_url, tmp_path) as running:
        running.telegram.messages_per_second = burst.LIMIT
        moment = await burst.set_up(running, postgres_url)
        await burst.all_arrived(running.telegram, within=burst.LEAD.total_seconds() + 60)

        sent = Counter(burst.reminders(running.telegram))
        assert set(sent) == burst.expected()
        assert [s for s, times in sent.items() if times > 1] == []
        burst.check_order_and_pace(running.telegram, postgres_url, moment)
        assert burst.outbox_reminders(postgres_url) == {"sent": 1000}
        assert running.tracebacks() == []
