"""The outbox against a fake Telegram that fails the way Telegram does: rate limits, server
errors, a group that removed Moot, a group upgraded to a supergroup, a person who never opened a
chat with Moot, and presses answered too late. Whoever asked hears what did not arrive."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.clock import ManualClock
from bot.core import Moot
from storage.models import Chat
from storage.outbox import DeliveryStatus, OutboxEntry
from tests.fakes.telegram_api import (
    FakeTelegram,
    Updates,
    bad_gateway,
    migrated,
    query_too_old,
    rate_limited,
)
from tests.helpers import wait_until
from tests.telegram_harness import elm_court_with, telegram_adapter

GROUP, SUPERGROUP = -100700, -1001700
ADMIN, ALICE, CAROL = 11, 22, 33
CARD = "📊 Poll #1"


@pytest.fixture
async def telegram(moot: Moot) -> AsyncIterator[FakeTelegram]:
    async with telegram_adapter(moot, {(GROUP, ADMIN)}) as (api, _):
        yield api


async def draft_poll(
    api: FakeTelegram, updates: Updates, definition: str = "Bin store? | Yes | No"
) -> None:
    """Elm Court, open to join, with Alice in it and a draft poll #1 from the admin."""
    await elm_court_with(api, updates, GROUP, ADMIN, ALICE, "Alice")
    api.push(updates.message(GROUP, ADMIN, "Admin", f"/poll {definition}"))
    await api.wait_for(ADMIN, "Draft poll #1")


async def published_poll(api: FakeTelegram, updates: Updates) -> None:
    """Poll #1 drafted, published and its card in the group."""
    await draft_poll(api, updates)
    api.push(updates.message(GROUP, ADMIN, "Admin", "/publish 1"))
    await wait_until(lambda: cards(api, GROUP))


def cards(api: FakeTelegram, chat: int) -> list[str]:
    return [t for t in api.texts_to(chat) if t.startswith(CARD)]


def reports_to(api: FakeTelegram, person: int) -> list[str]:
    return [t for t in api.texts_to(person) if "Could not post" in t or "was not sent" in t]


async def test_a_rate_limited_post_arrives_exactly_once(
    telegram: FakeTelegram, updates: Updates
) -> None:
    await draft_poll(telegram, updates)
    # Four 429s: the rate limiter's three retries are used up, then the outbox waits and retries.
    telegram.fail_next("sendMessage", GROUP, *(rate_limited(1) for _ in range(4)))
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/publish 1"))
    await telegram.wait_for(ADMIN, "Poll #1 is open")
    await wait_until(lambda: cards(telegram, GROUP))
    await asyncio.sleep(1.5)  # room for a duplicate, were there one
    assert len(cards(telegram, GROUP)) == 1
    attempts = [
        c for c in telegram.calls if c.method == "sendMessage" and c.params["chat_id"] == GROUP
    ]
    assert len([c for c in attempts if not c.ok]) == 4
    assert reports_to(telegram, ADMIN) == []


async def test_a_server_error_while_publishing_does_not_lose_the_post(
    telegram: FakeTelegram, updates: Updates
) -> None:
    await draft_poll(telegram, updates)
    telegram.fail_next("sendMessage", GROUP, bad_gateway())
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/publish 1"))
    await wait_until(lambda: cards(telegram, GROUP))
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/post 1"))
    await telegram.wait_for(ADMIN, "Poll #1 is already there")
    assert len(cards(telegram, GROUP)) == 1


async def test_a_group_that_removed_moot_is_reported_not_claimed(
    telegram: FakeTelegram, updates: Updates, moot: Moot
) -> None:
    await published_poll(telegram, updates)
    telegram.removed_from.add(GROUP)

    telegram.push(updates.message(ADMIN, ADMIN, "Admin", "/close 1"))
    answer = await telegram.wait_for(ADMIN, "Could not post the results of poll #1")
    assert "Moot was removed from this chat" in str(answer.params["text"])
    chat = await moot.read(lambda s: s.exec(select(Chat)).one())
    assert chat.unreachable == "Moot was removed from this chat"

    # Moot stops trying there: the next post fails at once, without asking Telegram.
    tried = len(telegram.calls)
    telegram.push(updates.message(ADMIN, ADMIN, "Admin", "/outcome 1 We build it"))
    answer = await telegram.wait_for(ADMIN, "Could not post the outcome of poll #1")
    assert "tries there again once someone uses a command in it" in str(answer.params["text"])
    assert not [c for c in telegram.calls[tried:] if c.params.get("chat_id") == GROUP]

    # An admin sees it in /outbox and, once Moot is back in the group, sends it again.
    telegram.push(updates.message(ADMIN, ADMIN, "Admin", "/outbox"))
    listing = await telegram.wait_for(ADMIN, "waiting or failed")
    # Numbered in this community, not by the row id every community shares.
    listed, sending = str(listing.params["text"]).split("\n\n")
    assert sending == "Sending now, by platform:\ntelegram: sending."
    shown = listed.splitlines()
    failed = next(line for line in shown if "failed: the outcome of poll #1" in line)
    number = failed.split()[0].lstrip("#")
    assert failed.endswith(f"/resend {number}")
    assert {line.split()[0] for line in shown[1:]} == {f"#{n}" for n in range(1, len(shown))}
    telegram.removed_from.discard(GROUP)
    telegram.push(updates.message(ADMIN, ADMIN, "Admin", f"/resend {number}"))
    await telegram.wait_for(GROUP, "Outcome of poll #1 (Bin store?): We build it")
    await telegram.wait_for(ADMIN, "Posted the outcome of poll #1 in")


async def test_a_group_upgraded_to_a_supergroup_is_followed(
    telegram: FakeTelegram, updates: Updates, moot: Moot
) -> None:
    await published_poll(telegram, updates)
    telegram.fail_next("sendMessage", GROUP, migrated(SUPERGROUP))
    telegram.push(updates.message(ADMIN, ADMIN, "Admin", "/close 1"))
    await telegram.wait_for(SUPERGROUP, "Results · Poll #1")
    chat = await moot.read(lambda s: s.exec(select(Chat)).one())
    assert chat.platform_chat_id == str(SUPERGROUP)
    # The community lives on in the supergroup.
    telegram.push(updates.message(SUPERGROUP, ALICE, "Alice", "/polls"))
    await telegram.wait_for(ALICE, "No polls are open right now")


async def test_someone_who_never_opened_a_chat_is_named_to_the_organiser(
    telegram: FakeTelegram, updates: Updates
) -> None:
    telegram.blocked.add(CAROL)
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/setup Elm Court"))
    await telegram.wait_for(GROUP, "home of Elm Court")
    telegram.push(updates.message(GROUP, CAROL, "Carol", "/join"))
    await telegram.wait_for(GROUP, "Carol, I have a private answer for you")
    request = await telegram.wait_for(ADMIN, "Carol asks to join")
    approve = request.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    telegram.push(updates.press(ADMIN, ADMIN, "Admin", approve))
    # The request's message becomes the answer (updated in place), with the truth in it.
    await wait_until(lambda: any("Approved" in t for t in telegram.edits(ADMIN)))
    answer = next(t for t in telegram.edits(ADMIN) if "Approved" in t)
    assert (
        "Carol was not sent word that they are in: they have not opened a chat with Moot on "
        "Telegram yet." in answer
    )


async def test_a_press_answered_too_late_still_counts(
    telegram: FakeTelegram, updates: Updates
) -> None:
    await published_poll(telegram, updates)
    telegram.fail_next("answerCallbackQuery", 0, query_too_old())
    telegram.push(updates.press(GROUP, ALICE, "Alice", "vote 1 1"))
    await telegram.wait_for(ALICE, "Your vote in poll #1 (Yes) is counted")


async def test_results_that_fell_due_while_telegram_was_away_are_posted_once_it_is_back(
    moot: Moot, clock: ManualClock
) -> None:
    updates = Updates()
    async with telegram_adapter(moot, {(GROUP, ADMIN)}) as (api, _):
        await draft_poll(api, updates, "Bin store? | Yes | No | closes: in 1 day")
        api.push(updates.message(GROUP, ADMIN, "Admin", "/publish 1"))
        await wait_until(lambda: cards(api, GROUP))

    await clock.advance(timedelta(days=2))  # the close falls due with no Telegram connected
    await moot.drain()
    waiting = await moot.read(
        lambda s: s.exec(
            select(OutboxEntry).where(OutboxEntry.status == DeliveryStatus.PENDING)
        ).all()
    )
    assert "the results of poll #1" in [entry.summary for entry in waiting]

    async with telegram_adapter(moot, {(GROUP, ADMIN)}) as (api, _):
        await api.wait_for(GROUP, "Results · Poll #1")
        await asyncio.sleep(0.5)
        assert len([t for t in api.texts_to(GROUP) if t.startswith("Results · Poll #1")]) == 1


async def test_a_burst_of_votes_edits_the_card_a_few_times_and_ends_true(
    moot: Moot, telegram: FakeTelegram, updates: Updates
) -> None:
    """Telegram allows about 20 messages a minute in a group: eight votes in a burst must not
    become eight edits, and once they stop the card shows all eight."""
    await published_poll(telegram, updates)
    voters = range(100, 108)
    for voter in voters:
        telegram.push(updates.message(GROUP, voter, f"Voter {voter}", "/join"))
    welcomed = "Welcome to Elm Court, Voter"
    await wait_until(lambda: sum(welcomed in t for t in telegram.texts_to(GROUP)) == 8)
    for voter in voters:
        telegram.push(updates.press(GROUP, voter, f"Voter {voter}", "vote 1.1 1"))
    await wait_until(lambda: any("1. Yes — 8 votes" in t for t in telegram.edits(GROUP)))
    edits = telegram.edits(GROUP)
    assert len(edits) <= 4, edits
    assert "1. Yes — 8 votes" in edits[-1]


async def test_moot_removed_from_a_group_tells_the_organisers_and_stops_posting_there(
    telegram: FakeTelegram, updates: Updates, moot: Moot
) -> None:
    await published_poll(telegram, updates)
    telegram.removed_from.add(GROUP)
    telegram.push(updates.member_change(GROUP, 999, "member", "kicked", key="my_chat_member"))
    await telegram.wait_for(
        ADMIN, "Moot was removed from Elm Court (Telegram) on Telegram: Moot was kicked"
    )
    sends = len(telegram.sent(GROUP))
    telegram.push(updates.message(ADMIN, ADMIN, "Admin", "/close 1"))
    await telegram.wait_for(ADMIN, "Could not post")  # told at once, without trying Telegram
    assert len(telegram.sent(GROUP)) == sends

    telegram.removed_from.discard(GROUP)  # added back: an introduction, and posting resumes
    telegram.push(updates.member_change(GROUP, 999, "left", "member", key="my_chat_member"))
    await telegram.wait_for(GROUP, "Hello! I'm Moot")
    chat = await moot.read(lambda s: s.exec(select(Chat)).one())
    assert chat.unreachable is None


async def test_a_group_that_becomes_a_supergroup_is_followed_before_anything_fails(
    telegram: FakeTelegram, updates: Updates, moot: Moot
) -> None:
    await published_poll(telegram, updates)
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "", migrate_to_chat_id=SUPERGROUP))
    for _ in range(100):
        chat = await moot.read(lambda s: s.exec(select(Chat)).one())
        if chat.platform_chat_id == str(SUPERGROUP):
            break
        await asyncio.sleep(0.05)
    assert chat.platform_chat_id == str(SUPERGROUP)
    telegram.push(updates.message(SUPERGROUP, ADMIN, "Admin", "/close 1"))
    await telegram.wait_for(SUPERGROUP, "Results · Poll #1")
    assert not any(c.method == "sendMessage" and not c.ok for c in telegram.calls)


async def test_a_card_left_behind_by_a_supergroup_is_posted_again_where_the_chat_lives(
    telegram: FakeTelegram, updates: Updates, moot: Moot
) -> None:
    await published_poll(telegram, updates)
    telegram.push(updates.message(GROUP, ALICE, "Alice", "/vote 1 1"))
    await wait_until(lambda: any("1. Yes — 1 vote" in t for t in telegram.edits(GROUP)))
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "", migrate_to_chat_id=SUPERGROUP))
    # The old card stays in the old group, where Moot can no longer edit it: the card is posted
    # again in the supergroup, as it stands, and nobody is told of a failure.
    await wait_until(lambda: cards(telegram, SUPERGROUP))
    assert "1. Yes — 1 vote" in cards(telegram, SUPERGROUP)[0]
    assert reports_to(telegram, ADMIN) == []

    # The old card's buttons (pressed in the old group) say where the live one is, and count
    # nothing.
    old = await moot.read(
        lambda s: s.exec(
            select(OutboxEntry).where(OutboxEntry.status == DeliveryStatus.RETIRED)
        ).one()
    )
    assert old.chat_id == str(GROUP)
    assert old.message_id is not None
    telegram.push(
        updates.press(GROUP, CAROL, "Carol", "vote 1.1 2", on_message=int(old.message_id))
    )
    await telegram.wait_for_toast("can no longer be updated, so Moot posted it again")

    # Later changes edit the new card, which counts Alice's vote and the admin's, not Carol's.
    telegram.push(updates.message(SUPERGROUP, ADMIN, "Admin", "/vote 1 2"))
    await wait_until(lambda: any("2. No — 1 vote" in t for t in telegram.edits(SUPERGROUP)))
    assert "1. Yes — 1 vote" in telegram.edits(SUPERGROUP)[-1]
    assert len(cards(telegram, SUPERGROUP)) == 1
