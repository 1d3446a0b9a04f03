"""Repairs on Telegram and Discord: a report made privately (a direct message on Telegram, an
ephemeral answer to the slash command on Discord), the team's card with its buttons in the
triage chat, and the tenant hearing back by direct message."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from adapters.discord.adapter import DiscordAdapter
from bot.core import Moot
from tests.discord_harness import deliver, set_up
from tests.fakes.discord_api import FakeDiscord, Interactions
from tests.fakes.telegram_api import FakeTelegram, Updates
from tests.repairs.test_repairs import photo_with_location
from tests.telegram_harness import elm_court_with, telegram_adapter
from tests.test_edges import png_claiming

GROUP, ADMIN, ALICE = -100900, 11, 22
EPHEMERAL = 64


@pytest.fixture
async def telegram(moot: Moot) -> AsyncIterator[FakeTelegram]:
    async with telegram_adapter(moot, {(GROUP, ADMIN)}) as (api, _):
        yield api


async def alice_joined(telegram: FakeTelegram) -> Updates:
    """Elm Court in the group, open to join, and Alice a member; the updates numbered so far."""
    updates = Updates()
    await elm_court_with(telegram, updates, GROUP, ADMIN, ALICE, "Alice")
    return updates


async def test_a_repair_on_telegram(telegram: FakeTelegram) -> None:
    updates = await alice_joined(telegram)
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/triagechat"))
    await telegram.wait_for(ADMIN, "now come to this chat")

    telegram.push(updates.message(ALICE, ALICE, "Alice", "/report heating | No hot water"))
    receipt = await telegram.wait_for(ALICE, "Your report is R-0001")
    assert "Target: by Mon 30 Nov 2026" in receipt.params["text"]
    card = await telegram.wait_for(GROUP, "R-0001 · heating and hot water · at home")
    acknowledge = card.params["reply_markup"]["inline_keyboard"][0][0]
    assert acknowledge == {"text": "Acknowledge", "callback_data": "repairstatus 1.1 acknowledged"}
    telegram.push(updates.press(GROUP, ADMIN, "Admin", acknowledge["callback_data"]))
    await telegram.wait_for(ALICE, "R-0001 (heating and hot water, at home): acknowledged.")


async def test_a_repair_on_discord(discord_env: tuple[FakeDiscord, DiscordAdapter]) -> None:
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
        interactions.command(202, "Alice", "report", {"details": "pests | Mice in the kitchen"}),
    )
    _, receipt = await api.wait_for("Your report is R-0001")
    assert receipt["flags"] & EPHEMERAL  # nobody else in the channel sees it
    assert "pests, at home" in receipt["content"]


async def test_a_photo_sent_as_a_telegram_photo_is_kept_without_its_metadata(
    telegram: FakeTelegram, moot: Moot
) -> None:
    updates = await alice_joined(telegram)
    telegram.push(updates.message(ALICE, ALICE, "Alice", "/report leak | Damp patch"))
    await telegram.wait_for(ALICE, "Your report is R-0001")

    telegram.files["photo-big"] = photo_with_location()
    sizes = [  # Telegram sends a compressed photo in several sizes; the largest is taken
        {"file_id": "photo-small", "file_unique_id": "s", "width": 32, "height": 24},
        {"file_id": "photo-big", "file_unique_id": "b", "width": 64, "height": 48},
    ]
    telegram.push(updates.message(ALICE, ALICE, "Alice", "", photo=sizes, caption="/photo R-0001"))
    await telegram.wait_for(ALICE, "The photo is on R-0001 (1 in all)")


async def test_a_report_typed_in_the_group_is_filed_answered_privately_and_removed(
    telegram: FakeTelegram,
) -> None:
    updates = await alice_joined(telegram)

    typed = updates.message(
        GROUP, ALICE, "Alice", "/report leak | Damp under my bed, I use a hoist"
    )
    telegram.push(typed)
    receipt = await telegram.wait_for(ALICE, "Your report is R-0001")
    assert "send it to me in a direct message" in receipt.params["text"]
    removed = [c.params["message_id"] for c in telegram.calls if c.method == "deleteMessage"]
    assert removed == [typed["message"]["message_id"]]
    said_in_group = [
        str(c.params.get("text")) for c in telegram.calls if c.params.get("chat_id") == GROUP
    ]
    assert not [text for text in said_in_group if "R-0001" in text or "Damp" in text]

    telegram.files["damp"] = photo_with_location()
    size = {"file_id": "damp", "file_unique_id": "d", "width": 64, "height": 48}
    shown = updates.message(GROUP, ALICE, "Alice", "", photo=[size], caption="/photo R-0001")
    telegram.push(shown)
    await telegram.wait_for(ALICE, "The photo is on R-0001 (1 in all)")
    removed = [c.params["message_id"] for c in telegram.calls if c.method == "deleteMessage"]
    assert removed == [typed["message"]["message_id"], shown["message"]["message_id"]]


async def test_a_tenant_answers_and_withdraws_on_telegram(telegram: FakeTelegram) -> None:
    updates = await alice_joined(telegram)
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/triagechat"))
    await telegram.wait_for(ADMIN, "now come to this chat")
    telegram.push(updates.message(ALICE, ALICE, "Alice", "/report leak | Water under the sink"))
    receipt = await telegram.wait_for(ALICE, "Your report is R-0001")
    assert "0800 111 999" in receipt.params["text"]  # a leak may be an emergency
    await telegram.wait_for(GROUP, "R-0001 · leak or water")

    telegram.push(
        updates.message(GROUP, ADMIN, "Admin", "/repairstatus 1 needs-info Is it the cold pipe?")
    )
    await telegram.wait_for(ALICE, "Answer with /repaircomment 1")
    telegram.push(updates.message(ALICE, ALICE, "Alice", "/repaircomment 1 Yes, the cold one"))
    await telegram.wait_for(ALICE, "Added to R-0001; the repairs team has it. It is back to")
    await telegram.wait_for(GROUP, "💬 R-0001: Alice (the tenant) answered: Yes, the cold one")

    telegram.push(updates.message(ALICE, ALICE, "Alice", "/withdraw 1 A plumber friend fixed it"))
    await telegram.wait_for(ALICE, "R-0001 is withdrawn: the repairs team is told")
    await telegram.wait_for(
        GROUP, "↩ R-0001 is withdrawn by the tenant: A plumber friend fixed it."
    )
    for _ in range(500):
        edited = [
            c
            for c in telegram.calls
            if c.method == "editMessageText" and "withdrawn" in str(c.params["text"])
        ]
        if edited:
            break
        await asyncio.sleep(0.02)
    assert edited, telegram.edits(GROUP)
    assert "R-0001 · leak or water · at home · withdrawn by the tenant" in edited[-1].params["text"]
    assert not edited[-1].params.get("reply_markup", {}).get("inline_keyboard")


async def test_a_decompression_bomb_sent_as_a_telegram_file_is_refused_plainly(
    telegram: FakeTelegram,
) -> None:
    updates = await alice_joined(telegram)
    telegram.push(updates.message(ALICE, ALICE, "Alice", "/report leak | Damp patch"))
    await telegram.wait_for(ALICE, "Your report is R-0001")
    telegram.files["bomb"] = png_claiming(20000, 20000)  # 400 megapixels in a few bytes
    document = {
        "file_id": "bomb",
        "file_unique_id": "bomb",
        "file_name": "damp.png",
        "mime_type": "image/png",
    }
    telegram.push(
        updates.message(ALICE, ALICE, "Alice", "", document=document, caption="/photo R-0001")
    )
    await telegram.wait_for(ALICE, "too large to be a photo")
    assert not any("went wrong" in text for text in telegram.texts_to(ALICE))
