"""Meetings on Telegram and Discord: the card's answer buttons acknowledged as each platform
does (a toast on Telegram, an ephemeral answer on Discord), the card kept current, and one
person's answers merged whichever platform they answered on."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.discord.adapter import DiscordAdapter
from bot.core import Moot
from tests.discord_harness import deliver, set_up
from tests.fakes.discord_api import FakeDiscord, Interactions
from tests.fakes.telegram_api import FakeTelegram, Updates
from tests.helpers import wait_until
from tests.telegram_harness import telegram_adapter

GROUP, ADMIN, ALICE = -100900, 11, 22
EPHEMERAL = 64


@pytest.fixture
async def telegram(moot: Moot) -> AsyncIterator[FakeTelegram]:
    async with telegram_adapter(moot, {(GROUP, ADMIN)}) as (api, _):
        yield api


async def test_a_meeting_on_telegram(telegram: FakeTelegram) -> None:
    updates = Updates()
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/setup Elm Court"))
    await telegram.wait_for(GROUP, "home of Elm Court")
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/joinpolicy open"))
    telegram.push(updates.message(GROUP, ALICE, "Alice", "/join"))
    await telegram.wait_for(GROUP, "Welcome to Elm Court, Alice")
    telegram.push(
        updates.message(GROUP, ADMIN, "Admin", "/meeting Garden day | Saturday 10:00 | place: Yard")
    )
    preview = await telegram.wait_for(ADMIN, "Draft meeting #1")  # privately, not in the group
    announce = preview.params["reply_markup"]["inline_keyboard"][0][0]
    telegram.push(updates.press(ADMIN, ADMIN, "Admin", announce["callback_data"]))
    card = await telegram.wait_for(GROUP, "📅 Meeting #1: Garden day")
    going = card.params["reply_markup"]["inline_keyboard"][0][0]
    assert going == {"text": "Going", "callback_data": "rsvp 1.1 going"}
    telegram.push(updates.press(GROUP, ALICE, "Alice", going["callback_data"]))
    await telegram.wait_for_toast("Meeting #1: you are going")
    await wait_until(lambda: any("Going 1 · Maybe 0" in t for t in telegram.edits(GROUP)))


async def test_a_meeting_on_discord(discord_env: tuple[FakeDiscord, DiscordAdapter]) -> None:
    api, adapter = discord_env
    interactions = Interactions()
    await set_up(api, adapter, interactions, 101)
    deliver(
        adapter, interactions.command(101, "Admin", "joinpolicy", {"policy": "open"}, admin=True)
    )
    deliver(adapter, interactions.command(202, "Alice", "join"))
    await api.wait_for("Welcome to Elm Court, Alice")
    deliver(
        adapter,
        interactions.command(
            101, "Admin", "meeting", {"definition": "Garden day | Saturday 10:00"}, admin=True
        ),
    )
    _, preview = await api.wait_for("Draft meeting #1")
    assert preview["flags"] & EPHEMERAL
    assert "<t:" in preview["content"]  # each reader sees the time in their own zone
    deliver(adapter, interactions.press(101, "Admin", "moot:announce 1.1", admin=True))
    where, card = await api.wait_for("📅 Meeting #1")
    assert where == "channel 50"
    going = card["components"][0]["components"][0]
    assert going["custom_id"] == "moot:rsvp 1.1 going"
    deliver(adapter, interactions.press(202, "Alice", going["custom_id"]))
    _, answer = await api.wait_for("Meeting #1: you are going")
    assert answer["flags"] & EPHEMERAL
    await wait_until(
        lambda: any("Going 1" in str(body.get("content")) for _, _, body in api.edits())
    )
