"""Polls in every kind of Discord channel a resident can type in: text, the chat of a voice or
stage channel, threads, and forums (whose posts are threads; a forum itself takes new posts, not
messages). The card is posted where the poll was started and edited where it lives."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from adapters.discord.adapter import DiscordAdapter
from tests.discord_harness import deliver, set_up
from tests.fakes.discord_api import (
    FORUM,
    PUBLIC_THREAD,
    STAGE,
    VOICE,
    FakeDiscord,
    Interactions,
    channel_payload,
)

ADMIN, ALICE = 101, 202


async def started_poll(
    api: FakeDiscord, adapter: DiscordAdapter, interactions: Interactions, question: str
) -> tuple[str, dict[str, Any]]:
    """The admin starts and publishes a poll where `interactions` happen; where its card went."""
    deliver(
        adapter, interactions.command(ADMIN, "Admin", "poll", {"question": question}, admin=True)
    )
    _, preview = await api.wait_for("Draft poll #")
    number = preview["content"].split("#")[1].split(":")[0]
    deliver(adapter, interactions.press(ADMIN, "Admin", f"moot:publish 1.{number}", admin=True))
    return await api.wait_for(f"📊 Poll #{number}")


async def joined(api: FakeDiscord, adapter: DiscordAdapter, interactions: Interactions) -> None:
    await set_up(api, adapter, interactions, ADMIN)
    deliver(
        adapter, interactions.command(ADMIN, "Admin", "joinpolicy", {"policy": "open"}, admin=True)
    )
    await api.wait_for("Joining Elm Court is now open")
    deliver(adapter, interactions.command(ALICE, "Alice", "join"))
    await api.wait_for("Welcome to Elm Court, Alice")


async def edited_with(api: FakeDiscord, fragment: str, within: float = 10) -> tuple[str, str]:
    """(channel, message) of the first accepted edit whose text has `fragment`."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for channel, message, body in api.edits():
            if fragment in str(body.get("content")):
                return channel, message
        await asyncio.sleep(0.05)
    raise AssertionError(f"no accepted edit says {fragment!r}; requests: {api.requests[-5:]}")


def vote_button(card: dict[str, Any], option: int) -> str:
    custom_id: str = card["components"][0]["components"][option - 1]["custom_id"]
    return custom_id


@pytest.mark.parametrize("kind", [VOICE, STAGE], ids=["voice", "stage"])
async def test_a_poll_in_a_voice_or_stage_channels_chat(
    discord_env: tuple[FakeDiscord, DiscordAdapter], kind: int
) -> None:
    api, adapter = discord_env
    api.channels["70"] = channel_payload(70, kind)
    here = Interactions(channel_id=70, channel=api.channels["70"])
    await joined(api, adapter, here)
    where, card = await started_poll(api, adapter, here, "Bring snacks? | Yes | No")
    assert where == "channel 70"
    deliver(adapter, here.press(ALICE, "Alice", vote_button(card, 1)))
    channel, _ = await edited_with(api, "1. Yes — 1 vote")
    assert channel == "70"


async def test_a_poll_started_in_a_thread_lives_in_the_thread(
    discord_env: tuple[FakeDiscord, DiscordAdapter],
) -> None:
    api, adapter = discord_env
    await joined(api, adapter, Interactions())  # channel 50 is Elm Court's
    api.channels["51"] = channel_payload(51, PUBLIC_THREAD, parent_id=50)
    thread = Interactions(channel_id=51, channel=api.channels["51"])
    where, card = await started_poll(api, adapter, thread, "Paint the door? | Red | Blue")
    assert where == "channel 51"
    deliver(adapter, thread.press(ALICE, "Alice", vote_button(card, 2)))
    channel, _ = await edited_with(api, "2. Blue — 1 vote")
    assert channel == "51"
    deliver(adapter, thread.command(ADMIN, "Admin", "close", {"poll": "1"}, admin=True))
    where, _ = await api.wait_for("Results · Poll #1")
    assert where == "channel 51"


async def test_a_forum_gets_a_new_post_and_its_edits_go_there(
    discord_env: tuple[FakeDiscord, DiscordAdapter],
) -> None:
    api, adapter = discord_env
    api.channels["60"] = channel_payload(60, FORUM)
    api.channels["61"] = channel_payload(61, PUBLIC_THREAD, parent_id=60)
    post = Interactions(channel_id=61, channel=api.channels["61"])
    await joined(api, adapter, post)  # /setup in a forum post links the forum
    where, card = await started_poll(api, adapter, post, "Garden day? | Sat | Sun")
    assert where == "channel 61"  # in the post it was started in

    deliver(
        adapter, post.command(ADMIN, "Admin", "post", {"poll": "1", "where": "all"}, admin=True)
    )
    for _ in range(100):
        if any(w == "forum 60" for w, _ in api.messages()):
            break
        await asyncio.sleep(0.05)
    where, new_post = next((w, b) for w, b in api.messages() if w == "forum 60")
    assert new_post["name"] == "📊 Poll #1: Garden day?"
    assert new_post["components"][0]["components"][0]["custom_id"] == "moot:vote 1.1 1"
    post_id = next(
        c for c, body in api.channels.items() if body.get("parent_id") == "60" and c != "61"
    )

    deliver(adapter, post.press(ALICE, "Alice", vote_button(card, 1)))
    await edited_with(api, "1. Sat — 1 vote")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if any(c == post_id == m for c, m, _ in api.edits()):
            break
        await asyncio.sleep(0.05)
    assert any(c == post_id == m for c, m, _ in api.edits()), api.edits()


async def test_a_poll_card_with_long_options_fits_one_message(
    discord_env: tuple[FakeDiscord, DiscordAdapter],
) -> None:
    api, adapter = discord_env
    here = Interactions()
    await joined(api, adapter, here)
    options = " | ".join(f"{n:02d} " + "long option label " * 5 for n in range(1, 21))
    _, card = await started_poll(api, adapter, here, f"Which? | {options}")
    assert len(card["content"]) <= 2000
    assert "20. 20 long option" in card["content"]
    assert (
        sum(where == "channel 50" and "📊" in str(b.get("content")) for where, b in api.messages())
        == 1
    )
    deliver(adapter, here.press(ALICE, "Alice", vote_button(card, 1)))
    await edited_with(api, "— 1 vote")
    edit = next(b for _, _, b in api.edits() if "— 1 vote" in str(b.get("content")))
    assert edit["content"].startswith("📊 Poll #1: Which?")
    assert len(edit["content"]) <= 2000
