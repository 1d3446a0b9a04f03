"""Fixtures for the tests that drive Moot through its real Discord and Telegram adapters, over
HTTP, against fakes of both platforms on 127.0.0.1 (tests/fakes/) that fail the way the
platforms do."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.discord.adapter import DiscordAdapter
from bot.core import Moot
from tests.discord_harness import discord_adapter
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import Updates


@pytest.fixture
async def discord_env(
    moot: Moot, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[FakeDiscord, DiscordAdapter]]:
    """The fake Discord API and an adapter logged in to it for `moot`."""
    async with discord_adapter(moot, monkeypatch) as env:
        yield env


@pytest.fixture
def updates() -> Updates:
    """Raw Telegram updates, numbered as Telegram numbers them."""
    return Updates()
