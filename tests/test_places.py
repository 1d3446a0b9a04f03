"""Commands declared for one kind of place are refused, clearly, in the other — on every surface."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from adapters.discord.declarations import global_commands
from bot.clock import ManualClock
from bot.commands import Command, Where
from bot.context import Context
from bot.core import Moot
from bot.events import FileOut, Visibility
from bot.feature import Feature
from bot.features import ALL_FEATURES
from storage.store import Store
from tests.fakes.telegram_api import Updates
from tests.helpers import Resident, texts
from tests.telegram_harness import telegram_adapter


async def whisper(ctx: Context) -> None:
    ctx.reply("Only between us.", file=FileOut("chart.png", b"\x89PNG...", "image/png"))


SECRETS = Feature(
    "secrets", (Command("whisper", "Say something privately", whisper, where=Where.PRIVATE),)
)


@pytest.fixture
async def moot_with_secrets(database_url: str, clock: ManualClock) -> AsyncIterator[Moot]:
    core = Moot(Store(database_url), clock, [*ALL_FEATURES, SECRETS])
    await core.start()
    yield core
    await core.stop()


async def test_a_private_command_in_a_group_is_refused_privately(moot_with_secrets: Moot) -> None:
    alice = Resident(moot_with_secrets, "telegram", "5", "Alice")
    replies = await alice.say("/whisper")
    assert replies[0].visibility is Visibility.ACTOR
    assert "works in a direct message with me" in replies[0].text
    assert "Only between us." in texts(await alice.privately("/whisper"))


def test_discord_offers_each_command_where_it_works() -> None:
    commands = [*[c for f in ALL_FEATURES for c in f.commands], *SECRETS.commands]
    contexts = {c["name"]: c["contexts"] for c in global_commands(commands)}
    assert contexts["whisper"] == [1]  # only in a direct message with Moot
    assert contexts["setup"] == [0]  # only in a server's channel
    assert contexts["join"] == [0, 1]  # /join CODE works in a DM too
    assert contexts["help"] == [0, 1]


async def test_telegram_shows_images_as_photos(moot_with_secrets: Moot) -> None:
    async with telegram_adapter(moot_with_secrets) as (api, _):
        api.push(Updates().message(44, 44, "Alice", "/whisper"))
        await api.wait_for(44, "Only between us.")
        for _ in range(100):
            if any(c.method == "sendPhoto" for c in api.calls):
                break
            await asyncio.sleep(0.02)
        assert [c.method for c in api.sent(44)] == ["sendMessage", "sendPhoto"]
