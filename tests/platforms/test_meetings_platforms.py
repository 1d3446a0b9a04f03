"""Meetings on Telegram and Discord: the card's answer buttons acknowledged as each platform
does (a toast on Telegram, an ephemeral answer on Discord), the card kept current, and one
person's answers merged whichever platform they answered on."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from adapters.discord.adapter import DiscordAdapter
from bot.core import Moot
from storage.meetings import MeetingEvent
from tests.discord_harness import deliver, set_up
from tests.fakes.discord_api import FakeDiscord, Interactions, channel_payload
from tests.fakes.telegram_api import FakeTelegram, Updates
from tests.helpers import wait_until
from tests.telegram_harness import elm_court_with, telegram_adapter

GROUP, ADMIN, ALICE = -100900, 11, 22
EPHEMERAL = 64


@pytest.fixture
async def telegram(moot: Moot) -> AsyncIterator[FakeTelegram]:
    async with telegram_adapter(moot, {(GROUP, ADMIN)}) as (api, _):
        yield api


async def test_a_meeting_on_telegram(telegram: FakeTelegram) -> None:
    updates = Updates()
    await elm_court_with(telegram, updates, GROUP, ADMIN, ALICE, "Alice")
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


async def test_who_is_going_from_the_card_on_telegram(telegram: FakeTelegram) -> None:
    """A meeting that shares who is going has a button for it on its card; the list goes to
    the one who pressed it (a toast while it is short), never to the group."""
    updates = Updates()
    await elm_court_with(telegram, updates, GROUP, ADMIN, ALICE, "Alice")
    definition = "Garden day | Saturday 10:00 | guests: members"
    telegram.push(updates.message(GROUP, ADMIN, "Admin", f"/meeting {definition}"))
    preview = await telegram.wait_for(ADMIN, "Draft meeting #1")
    announce = preview.params["reply_markup"]["inline_keyboard"][0][0]
    telegram.push(updates.press(ADMIN, ADMIN, "Admin", announce["callback_data"]))
    card = await telegram.wait_for(GROUP, "📅 Meeting #1: Garden day")
    assert "Who is going: /whosgoing 1" in card.params["text"]
    keys = [key for row in card.params["reply_markup"]["inline_keyboard"] for key in row]
    assert keys[-1] == {"text": "Who's going", "callback_data": "whosgoing 1.1"}
    telegram.push(updates.press(GROUP, ALICE, "Alice", "rsvp 1.1 going"))
    await telegram.wait_for_toast("Meeting #1: you are going")
    telegram.push(updates.press(GROUP, ALICE, "Alice", keys[-1]["callback_data"]))
    await telegram.wait_for_toast("Going (1): Alice (#2)")  # only she sees it
    assert not any("Going (1): Alice" in str(c.params.get("text")) for c in telegram.sent(GROUP))


async def test_a_meeting_on_discord(discord_env: tuple[FakeDiscord, DiscordAdapter]) -> None:
    api, adapter = discord_env
    interactions = Interactions()
    await set_up(api, adapter, interactions, 101)
    deliver(
        adapter, interactions.command(101, "Admin", "joinpolicy", {"policy": "open"}, admin=True)
    )
    await api.wait_for("Joining Elm Court is now open")
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


async def test_a_meeting_is_a_discord_scheduled_event_kept_in_step(
    discord_env: tuple[FakeDiscord, DiscordAdapter],
) -> None:
    api, adapter = discord_env
    interactions = Interactions()
    await set_up(api, adapter, interactions, 101)
    definition = "Garden day | Saturday 10:00 | place: The yard | length: 2h"
    deliver(
        adapter,
        interactions.command(101, "Admin", "meeting", {"definition": definition}, admin=True),
    )
    await api.wait_for("Draft meeting #1")
    deliver(adapter, interactions.press(101, "Admin", "moot:announce 1.1", admin=True))
    await api.wait_for("📅 Meeting #1")
    await wait_until(lambda: len(api.events) == 1)
    (event,) = api.events.values()
    assert event["name"] == "Garden day"
    assert event["scheduled_start_time"] == "2026-11-28T10:00:00+00:00"
    assert event["scheduled_end_time"] == "2026-11-28T12:00:00+00:00"
    assert event["entity_metadata"] == {"location": "The yard"}
    assert event["entity_type"] == 3  # external: somewhere other than a voice channel

    deliver(
        adapter,
        interactions.command(
            101, "Admin", "movemeeting", {"meeting": "1", "when": "Sunday 11:00"}, admin=True
        ),
    )
    await wait_until(lambda: event["scheduled_start_time"] == "2026-11-29T11:00:00+00:00")
    deliver(
        adapter, interactions.command(101, "Admin", "cancelmeeting", {"meeting": "1"}, admin=True)
    )
    await wait_until(lambda: event["status"] == 4)  # cancelled, not deleted
    assert len(api.events) == 1


async def test_a_server_that_refuses_events_is_explained_to_the_organiser(
    discord_env: tuple[FakeDiscord, DiscordAdapter],
) -> None:
    api, adapter = discord_env
    api.refusing_event_guilds.add(1)
    interactions = Interactions()
    await set_up(api, adapter, interactions, 101)
    deliver(
        adapter,
        interactions.command(
            101, "Admin", "meeting", {"definition": "Garden day | Saturday 10:00"}, admin=True
        ),
    )
    await api.wait_for("Draft meeting #1")
    deliver(adapter, interactions.press(101, "Admin", "moot:announce 1.1", admin=True))
    _, told = await api.wait_for("could not be added to Discord's events")
    assert "Moot may not manage events in that server" in told["content"]
    assert "Manage Events permission" in told["content"]
    assert api.events == {}


async def test_two_channels_of_one_server_share_one_scheduled_event(
    discord_env: tuple[FakeDiscord, DiscordAdapter], moot: Moot
) -> None:
    api, adapter = discord_env
    interactions = Interactions()
    await set_up(api, adapter, interactions, 101)
    _, private = await api.wait_for("CHAT-")
    code = re.search(r"CHAT-\w{4}-\w{4}", private["content"].replace("\\", ""))
    assert code is not None
    api.channels["51"] = channel_payload(51)
    other = Interactions(channel_id=51, channel=api.channels["51"])
    deliver(adapter, other.command(101, "Admin", "setup", {"community": code[0]}, admin=True))
    await api.wait_for("is now linked")
    definition = "Garden day | Saturday 10:00 | place: The yard"
    deliver(
        adapter,
        interactions.command(101, "Admin", "meeting", {"definition": definition}, admin=True),
    )
    await api.wait_for("Draft meeting #1")
    deliver(adapter, interactions.press(101, "Admin", "moot:announce 1.1", admin=True))
    await wait_until(lambda: len(api.events) == 1)
    deliver(adapter, other.command(101, "Admin", "announce", {"meeting": "1"}, admin=True))
    await wait_until(  # announced in both channels
        lambda: any(
            where == "channel 51" and "📅" in str(body.get("content"))
            for where, body in api.messages()
        )
    )
    await moot.drain()  # the calendar sync for the second channel has run
    remembered = await moot.read(
        lambda s: {(e.chat_id, e.event_id) for e in s.exec(select(MeetingEvent))}
    )
    (event,) = api.events.values()
    assert remembered == {("50", event["id"]), ("51", event["id"])}
    deliver(
        adapter, interactions.command(101, "Admin", "cancelmeeting", {"meeting": "1"}, admin=True)
    )
    await wait_until(lambda: event["status"] == 4)
    assert len(api.events) == 1  # one event in the server's list, not one per channel
