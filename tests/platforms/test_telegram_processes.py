"""Telegram with several Moot processes on one database: a person's next message may reach another
process than their last, so a form answered one question at a time and the private answers
waiting for them to open a chat are in the store (bot/forms.py, bot/held.py). Two cores on one
database, each with its adapter polling a fake Bot API of its own, stand in for two processes
behind a webhook's load balancer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import text

from adapters.telegram.adapter import TelegramOptions
from bot.clock import ManualClock
from bot.core import Moot
from tests.fakes.telegram_api import FakeTelegram, Updates
from tests.helpers import another_process, wait_until
from tests.telegram_harness import telegram_adapter

GROUP = -100500
ADMIN, BOB = 11, 33


@pytest.fixture
async def apis(
    moot: Moot, database_url: str, clock: ManualClock
) -> AsyncIterator[tuple[FakeTelegram, FakeTelegram]]:
    """Telegram as two processes see it: what reaches the first, and what reaches the second.
    Only one process may long-poll a bot (the holder of its role polls), so the second polls as
    another bot of its own, standing in for updates a webhook gives it."""
    another_bot = TelegramOptions(token="654321:" + "B" * 35, poll_timeout=timedelta(seconds=1))
    async with (
        another_process(database_url, clock) as second,
        telegram_adapter(moot, {(GROUP, ADMIN)}) as (first_api, _),
        telegram_adapter(second, {(GROUP, ADMIN)}, options=another_bot) as (second_api, _),
    ):
        yield first_api, second_api


async def test_a_form_started_on_one_process_is_answered_on_both(
    apis: tuple[FakeTelegram, FakeTelegram], updates: Updates
) -> None:
    one, two = apis
    one.push(updates.message(GROUP, ADMIN, "Admin", "/setup Elm Court"))
    await one.wait_for(GROUP, "home of Elm Court")
    one.push(updates.message(GROUP, ADMIN, "Admin", "/meeting"))
    await one.wait_for(ADMIN, "Schedule a meeting")  # its questions come privately
    answers = [
        (two, "Repairs surgery", "When?"),
        (one, "Friday 18:30", "Where?"),
        (two, "Office", "Link to join online"),
        (one, "-", "What is it about?"),
    ]
    for api, answer, next_question in answers:
        api.push(updates.message(ADMIN, ADMIN, "Admin", answer))
        await api.wait_for(ADMIN, next_question)
    two.push(updates.message(ADMIN, ADMIN, "Admin", "Drop in with any repair"))
    preview = str((await two.wait_for(ADMIN, "Draft meeting #1: Repairs surgery")).params["text"])
    assert "Where: Office" in preview
    assert "Drop in with any repair" in preview
    # The form is over on both: an ordinary message starts nothing.
    one.push(updates.message(ADMIN, ADMIN, "Admin", "Another answer"))
    await one.wait_for(ADMIN, "Send /help to see what I can do.")


async def test_a_new_command_on_another_process_abandons_the_form(
    apis: tuple[FakeTelegram, FakeTelegram], updates: Updates
) -> None:
    one, two = apis
    one.push(updates.message(GROUP, ADMIN, "Admin", "/setup"))
    await one.wait_for(GROUP, "A new community's name, or a CHAT- code")
    two.push(updates.message(GROUP, ADMIN, "Admin", "/help"))
    await two.wait_for(ADMIN, "/join [code]")
    one.push(updates.message(GROUP, ADMIN, "Admin", "Elm Court"))
    two.push(updates.message(GROUP, ADMIN, "Admin", "/setup Oak Row"))
    await two.wait_for(GROUP, "home of Oak Row")
    one.push(updates.message(GROUP, ADMIN, "Admin", "/help"))  # after "Elm Court" was read
    await one.wait_for(ADMIN, "/join [code]")
    assert not any("Elm Court" in t for t in one.texts_to(GROUP) + two.texts_to(GROUP))


async def held(moot: Moot) -> int:
    return int(
        await moot.read(lambda s: s.execute(text("SELECT count(*) FROM heldanswer")).one()[0])
    )


async def test_private_answers_wait_for_start_on_any_process_and_arrive_once(
    apis: tuple[FakeTelegram, FakeTelegram], updates: Updates, moot: Moot
) -> None:
    one, two = apis
    one.blocked.add(BOB)
    two.blocked.add(BOB)
    one.push(updates.message(GROUP, BOB, "Bob", "/whoami"))
    hint = await one.wait_for(GROUP, "Tap the button below, then Start")
    assert "You are Bob" not in str(hint.params["text"])
    two.push(updates.message(GROUP, BOB, "Bob", "/help"))  # a second answer waits too
    for _ in range(250):
        if await held(moot) == 2:
            break
        await asyncio.sleep(0.02)
    # The group was told once, by whichever process heard first.
    assert not any("Tap the button below" in t for t in two.texts_to(GROUP))
    one.blocked.discard(BOB)  # he opens the chat: Telegram sends /start to the second process
    two.blocked.discard(BOB)
    two.push(updates.message(BOB, BOB, "Bob", "/start answers"))
    # They go out through the outbox, sent by whichever process holds its role.
    await wait_until(lambda: len(one.texts_to(BOB) + two.texts_to(BOB)) == 3)
    said = one.texts_to(BOB) + two.texts_to(BOB)
    assert "Here is what I had for you" in said[0]
    assert "You are Bob" in said[1]  # in the order they waited
    assert "/join [code]" in said[2]
    one.push(updates.message(BOB, BOB, "Bob", "/start"))  # again, on the first: a plain hello
    await one.wait_for(BOB, "Hello! I'm Moot")
    assert sum("You are Bob" in t for t in one.texts_to(BOB) + two.texts_to(BOB)) == 1
    assert await held(moot) == 0
