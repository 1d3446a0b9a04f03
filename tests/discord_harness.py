"""Runs the Discord adapter against the fake REST API, feeding raw interactions to discord.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import discord.http
import pytest

from adapters.discord.adapter import DiscordAdapter
from bot.core import Moot
from bot.events import DISCORD
from tests.fakes.discord_api import FakeDiscord, Interactions

TOKEN = "MTA" + "a" * 21 + ".Gabcde." + "b" * 27


@asynccontextmanager
async def discord_adapter(
    moot: Moot, monkeypatch: pytest.MonkeyPatch, *, answer_within: float = 2.0
) -> AsyncIterator[tuple[FakeDiscord, DiscordAdapter]]:
    api = FakeDiscord()
    await api.start()
    monkeypatch.setattr(discord.http.Route, "BASE", api.api_base)
    adapter = DiscordAdapter(TOKEN, answer_within=answer_within)
    try:
        await adapter.log_in(moot)
        yield api, adapter
    finally:
        await moot.detach(DISCORD)
        if adapter.client is not None:
            await adapter.client.close()
        await api.stop()


def deliver(adapter: DiscordAdapter, payload: dict[str, Any]) -> None:
    """Hand a raw INTERACTION_CREATE to discord.py, as its gateway connection would."""
    assert adapter.client is not None
    adapter.client._connection.parse_interaction_create(payload)  # type: ignore[arg-type]


async def settle() -> None:
    """Let dispatched interaction handlers run."""
    await asyncio.sleep(0.05)


async def set_up(
    api: FakeDiscord, adapter: DiscordAdapter, interactions: Interactions, admin_id: int
) -> None:
    """An admin makes channel 50 the home of Elm Court (and is told its code privately)."""
    deliver(
        adapter,
        interactions.command(admin_id, "Admin", "setup", {"community": "Elm Court"}, admin=True),
    )
    await api.wait_for("CHAT-")
