"""The outbox against a fake Discord that fails the way Discord does: a channel where Moot may
not send (403 50013), a run of 429s longer than discord.py's own retries, server errors, and
nonces that stop a send retried after a crash from posting twice."""

from __future__ import annotations

import asyncio

from sqlalchemy import update
from sqlmodel import col, select

from adapters.discord.adapter import DiscordAdapter
from bot.core import Moot
from storage.outbox import DeliveryStatus, OutboxEntry
from tests.discord_harness import deliver, set_up
from tests.fakes.discord_api import (
    FakeDiscord,
    Interactions,
    missing_permissions,
    rate_limited,
    service_unavailable,
)
from tests.helpers import wait_until

ADMIN = 101
CHANNEL = 50


async def draft_poll(api: FakeDiscord, adapter: DiscordAdapter) -> Interactions:
    interactions = Interactions()
    await set_up(api, adapter, interactions, ADMIN)
    deliver(
        adapter,
        interactions.command(ADMIN, "Admin", "poll", {"question": "Bins? | Yes | No"}, admin=True),
    )
    await api.wait_for("Draft poll #1")
    return interactions


def cards(api: FakeDiscord) -> list[str]:
    return [
        m["content"]
        for m in api.created
        if m["channel_id"] == str(CHANNEL) and m["content"].startswith("📊 Poll #1")
    ]


async def test_a_channel_without_send_permission_is_reported_to_the_publisher(
    discord_env: tuple[FakeDiscord, DiscordAdapter],
) -> None:
    api, adapter = discord_env
    interactions = await draft_poll(api, adapter)
    api.fail_next(CHANNEL, missing_permissions())
    deliver(adapter, interactions.command(ADMIN, "Admin", "publish", {"poll": "1"}, admin=True))
    _, answer = await api.wait_for("Poll #1 is open")
    assert (
        "Could not post poll #1 in general (Discord): Moot may not send messages there."
        in answer["content"]
    )
    assert cards(api) == []


async def test_six_rate_limits_in_a_row_still_post_once_with_a_nonce(
    discord_env: tuple[FakeDiscord, DiscordAdapter],
) -> None:
    api, adapter = discord_env
    interactions = await draft_poll(api, adapter)
    # discord.py retries a 429 five times by itself; the sixth reaches the outbox, which waits.
    api.fail_next(CHANNEL, *(rate_limited(0.05) for _ in range(6)))
    deliver(adapter, interactions.command(ADMIN, "Admin", "publish", {"poll": "1"}, admin=True))
    await wait_until(lambda: cards(api))
    await asyncio.sleep(0.5)
    assert len(cards(api)) == 1
    posts = [
        r.body
        for r in api.requests
        if r.method == "POST" and r.path == f"/channels/{CHANNEL}/messages"
    ]
    assert len(posts) == 7
    assert {p["nonce"] for p in posts} == {posts[0]["nonce"]}  # the same send, retried
    assert all(p["enforce_nonce"] for p in posts)


async def test_a_server_error_is_retried(
    discord_env: tuple[FakeDiscord, DiscordAdapter],
) -> None:
    api, adapter = discord_env
    interactions = await draft_poll(api, adapter)
    api.fail_next(CHANNEL, service_unavailable(), service_unavailable())
    deliver(adapter, interactions.command(ADMIN, "Admin", "publish", {"poll": "1"}, admin=True))
    await wait_until(lambda: cards(api))
    assert len(cards(api)) == 1


async def test_a_send_repeated_after_a_crash_is_not_posted_twice(
    discord_env: tuple[FakeDiscord, DiscordAdapter], moot: Moot
) -> None:
    api, adapter = discord_env
    interactions = await draft_poll(api, adapter)
    deliver(adapter, interactions.command(ADMIN, "Admin", "publish", {"poll": "1"}, admin=True))
    await wait_until(lambda: cards(api))
    # Moot crashed after Discord accepted the post but before the outbox recorded it.
    await moot.write(
        lambda s: s.exec(
            update(OutboxEntry)
            .where(col(OutboxEntry.summary) == "poll #1")
            .values(status=DeliveryStatus.PENDING, message_id=None)
        )
    )
    moot.attach(adapter)  # the platform connects again: a new dispatcher finds the entry waiting
    await moot.drain()
    entry = await moot.read(
        lambda s: s.exec(select(OutboxEntry).where(OutboxEntry.summary == "poll #1")).one()
    )
    assert entry.status == DeliveryStatus.SENT
    assert len(cards(api)) == 1
