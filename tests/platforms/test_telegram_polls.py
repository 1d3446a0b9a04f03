"""Polls on Telegram: the guided flow as a DM conversation, inline-keyboard votes, live edits."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import pytest

from bot.core import Moot
from tests.fakes.telegram_api import Call, FakeTelegram, Updates
from tests.helpers import Resident, group, texts, wait_until
from tests.telegram_harness import elm_court_with, telegram_adapter

GROUP, ADMIN, ALICE = -100900, 11, 22


@pytest.fixture
async def telegram(moot: Moot) -> AsyncIterator[FakeTelegram]:
    async with telegram_adapter(moot, {(GROUP, ADMIN)}) as (api, _):
        yield api


async def set_up(telegram: FakeTelegram, updates: Updates) -> None:
    """Elm Court, at home in the Telegram group."""
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/setup Elm Court"))
    await telegram.wait_for(GROUP, "home of Elm Court")


async def publish(telegram: FakeTelegram, updates: Updates, definition: str) -> Call:
    """Poll #1, drafted and published by the admin; its card in the group."""
    telegram.push(updates.message(GROUP, ADMIN, "Admin", f"/poll {definition}"))
    await telegram.wait_for(ADMIN, "Draft poll #1")
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/publish 1"))
    return await telegram.wait_for(GROUP, "📊 Poll #1")


async def test_a_guided_poll_is_a_dm_conversation_then_votes_update_the_group(
    telegram: FakeTelegram,
) -> None:
    updates = Updates()
    await elm_court_with(telegram, updates, GROUP, ADMIN, ALICE, "Alice")

    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/poll"))
    await telegram.wait_for(ADMIN, "The question")  # asked privately, not in the group
    telegram.push(updates.message(ADMIN, ADMIN, "Admin", "Should we back the bin store plan?"))
    await telegram.wait_for(ADMIN, "Options, one per line")
    telegram.push(updates.message(ADMIN, ADMIN, "Admin", "Yes\nNo\nNeed more information"))
    await telegram.wait_for(ADMIN, "Closes when?")
    telegram.push(updates.message(ADMIN, ADMIN, "Admin", "Friday 18:00"))
    preview = await telegram.wait_for(ADMIN, "Draft poll #1")
    publish = preview.params["reply_markup"]["inline_keyboard"][0][0]
    assert publish["callback_data"] == "publish 1.1"
    assert not any("bin store" in t for t in telegram.texts_to(GROUP) if "Draft" in t)

    telegram.push(updates.press(ADMIN, ADMIN, "Admin", publish["callback_data"]))
    posted = await telegram.wait_for(GROUP, "📊 Poll #1: Should we back the bin store plan?")
    assert "Closes Fri 27 Nov 2026, 18:00 (Europe/London)" in str(posted.params["text"])
    vote = posted.params["reply_markup"]["inline_keyboard"][0][0]
    assert vote["callback_data"] == "vote 1.1 1"
    telegram.blocked.add(ALICE)  # she never opened a chat with the bot: the toast still tells her
    telegram.push(updates.press(GROUP, ALICE, "Alice", vote["callback_data"]))
    await telegram.wait_for_toast("Your vote in poll #1 (Yes) is counted")
    assert telegram.texts_to(ALICE) == []  # acknowledged by the press itself, not by a message
    assert not any("private answer" in t for t in telegram.texts_to(GROUP))  # nor a group notice
    await wait_until(lambda: any("1. Yes — 1 vote (100%)" in t for t in telegram.edits(GROUP)))

    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/close 1"))
    results = await telegram.wait_for(GROUP, "Results · Poll #1")
    assert "Winner: Yes" in str(results.params["text"])
    await wait_until(lambda: any(c.method == "sendPhoto" for c in telegram.sent(GROUP)))


async def test_typed_votes_and_bad_input_on_telegram(telegram: FakeTelegram) -> None:
    updates = Updates()
    await set_up(telegram, updates)
    telegram.push(
        updates.message(GROUP, ADMIN, "Admin", "/poll Lunch? | Soup | Salad | kind: ranked")
    )
    preview = await telegram.wait_for(ADMIN, "Draft poll #1")
    assert re.search(r"ranked choice", str(preview.params["text"]))
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/publish 1"))
    await telegram.wait_for(GROUP, "📊 Poll #1")
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/vote 1 2 2"))
    await telegram.wait_for(ADMIN, "Each option can appear only once")
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/vote 1 2 1"))
    await telegram.wait_for(ADMIN, "(Salad > Soup) is counted")
    telegram.push(updates.message(GROUP, ALICE, "Alice", "/vote 1 1"))
    await telegram.wait_for(ALICE, "Only members of Elm Court can use /vote; send /join first.")


async def test_forty_residents_voting_at_once_cost_one_admin_lookup(
    telegram: FakeTelegram, moot: Moot
) -> None:
    updates = Updates()
    await set_up(telegram, updates)
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/joinpolicy open"))
    await telegram.wait_for(GROUP, "Joining Elm Court is now open")
    residents = range(1000, 1040)
    for user_id in residents:  # joined earlier (straight through the core, to save a minute)
        resident = Resident(moot, "telegram", str(user_id), f"Resident {user_id}")
        assert "Welcome" in texts(await resident.say("/join", group("telegram", str(GROUP))))
    await publish(telegram, updates, "Bins? | Yes | No")

    started = asyncio.get_running_loop().time()
    for user_id in residents:
        telegram.push(updates.press(GROUP, user_id, f"Resident {user_id}", "vote 1.1 1"))
    await wait_until(lambda: sum("is counted" in t for t in telegram.toasts()) == 40)
    assert asyncio.get_running_loop().time() - started < 5
    lookups = [c.method for c in telegram.calls if c.method.startswith("getChat")]
    assert lookups == ["getChatAdministrators"]  # one for the group, none per person


async def test_a_new_admin_is_known_from_the_member_update(
    telegram: FakeTelegram, moot: Moot
) -> None:
    updates = Updates()
    await set_up(telegram, updates)
    telegram.push(updates.message(GROUP, ALICE, "Alice", "/joinpolicy open"))
    await telegram.wait_for(ALICE, "Only")
    telegram.admins.add((GROUP, ALICE))  # promoted: Telegram tells the bot
    telegram.push(updates.member_change(GROUP, ALICE, "member", "administrator"))
    await asyncio.sleep(0.3)
    telegram.push(updates.message(GROUP, ALICE, "Alice", "/joinpolicy open"))
    await telegram.wait_for(GROUP, "Joining Elm Court is now open")
    assert [c.method for c in telegram.calls if c.method.startswith("getChat")] == [
        "getChatAdministrators"
    ]


async def test_a_secret_vote_typed_in_the_group_is_refused_and_removed(
    telegram: FakeTelegram, moot: Moot
) -> None:
    updates = Updates()
    await set_up(telegram, updates)
    card = await publish(telegram, updates, "Chair? | Ann | Raj | secret")
    assert "press a button to vote privately" in str(card.params["text"])
    assert "type /vote" not in str(card.params["text"])

    typed = updates.message(GROUP, ADMIN, "Admin", "/vote 1 2")
    telegram.push(typed)
    await telegram.wait_for(ADMIN, "Poll #1 is a secret ballot, so votes are cast privately")
    removed = [c for c in telegram.calls if c.method == "deleteMessage"]
    assert [c.params["message_id"] for c in removed] == [typed["message"]["message_id"]]
    telegram.push(updates.message(ADMIN, ADMIN, "Admin", "/voters 1"))
    await telegram.wait_for(ADMIN, "Turnout: 0 of 1")  # nothing was cast


async def test_pressing_on_a_private_preview_updates_it_in_place(telegram: FakeTelegram) -> None:
    updates = Updates()
    await set_up(telegram, updates)
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/poll Lunch? | Soup | Salad"))
    await telegram.wait_for(ADMIN, "Draft poll #1")
    telegram.push(updates.press(ADMIN, ADMIN, "Admin", "pollset 1.1 secret: yes", on_message=4242))
    await wait_until(lambda: any("Secret ballot" in t for t in telegram.edits(ADMIN)))
    edit = next(c for c in telegram.calls if c.method == "editMessageText")
    assert int(edit.params["message_id"]) == 4242
    assert sum("Draft poll #1" in t for t in telegram.texts_to(ADMIN)) == 1  # nothing stacked
