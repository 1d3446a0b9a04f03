"""A command that posts something, run on a process that does not send for that platform
(another holds its outbox role): its answer says where the post arrived as soon as the sender
stored it, not after the whole wait; and a failure is told once, by the sender. Two cores on one
PostgreSQL database stand in for two processes."""

from __future__ import annotations

import time

from bot.clock import ManualClock
from bot.core import Moot
from bot.events import Reply
from bot.features import ALL_FEATURES
from bot.leases import outbox_role
from bot.outlet import RefusedError
from storage.store import Store
from tests.helpers import RecordingOutlet, Resident, texts, wait_until


class RemovedFromTheGroup(RecordingOutlet):
    """Telegram, where Moot was removed from the group: every post there is refused."""

    async def send_to_chat(
        self, chat_id: str, reply: Reply, *, thread_id: str | None, key: str
    ) -> str:
        raise RefusedError("Moot was removed from this chat")


async def started(
    url: str, clock: ManualClock, outlet: RecordingOutlet | None = None
) -> tuple[Moot, RecordingOutlet]:
    moot = Moot(Store(url), clock, ALL_FEATURES)
    outlet = outlet or RecordingOutlet("telegram")
    moot.attach(outlet)
    await moot.start()
    return moot, outlet


async def test_a_post_sent_by_another_process_is_reported_once_it_arrives(
    postgres_url: str, clock: ManualClock
) -> None:
    sender, sent = await started(postgres_url, clock)
    other, _ = await started(postgres_url, clock)
    try:
        assert sender.leases.holds(outbox_role("telegram"))
        assert not other.leases.holds(outbox_role("telegram"))
        host = Resident(other, "telegram", "900", "Host", chat_admin=True)
        await host.say("/setup Elm Court")
        await host.say("/poll Bins? | Yes | No")
        asked = time.monotonic()
        answer = texts(await host.say("/publish 1"))
        assert time.monotonic() - asked < other.settle_within / 2, answer
        assert "Posted poll #1 in" in answer
        assert sent.chats  # the sender sent it, not the process that took the command
    finally:
        await other.stop()
        await sender.stop()


async def test_a_post_another_process_could_not_send_is_told_once(
    postgres_url: str, clock: ManualClock
) -> None:
    sender, refused = await started(postgres_url, clock, RemovedFromTheGroup("telegram"))
    other, _ = await started(postgres_url, clock)
    try:
        host = Resident(other, "telegram", "900", "Host", chat_admin=True)
        await host.say("/setup Elm Court")
        await host.say("/poll Bins? | Yes | No")
        answer = texts(await host.say("/publish 1"))
        await wait_until(lambda: refused.dms_to("900"))
        told = [*refused.dms_to("900"), answer]
        assert sum("removed from this chat" in t for t in told) == 1, told
    finally:
        await other.stop()
        await sender.stop()
