"""An organiser who moves a meeting hears the truth about who the news reached (Telegram)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.core import Moot
from tests.fakes.telegram_api import FakeTelegram, Updates
from tests.telegram_harness import telegram_adapter

GROUP, ADMIN, ALICE, CAROL = -100500, 11, 22, 33


@pytest.fixture
async def telegram(moot: Moot) -> AsyncIterator[FakeTelegram]:
    async with telegram_adapter(moot, {(GROUP, ADMIN)}) as (api, _):
        yield api


async def test_a_move_names_who_was_not_told(telegram: FakeTelegram) -> None:
    updates = Updates()
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/setup Elm Court"))
    await telegram.wait_for(GROUP, "home of Elm Court")
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/joinpolicy open"))
    await telegram.wait_for(GROUP, "Joining Elm Court is now open")
    for user, name in ((ALICE, "Alice"), (CAROL, "Carol")):
        telegram.push(updates.message(GROUP, user, name, "/join"))
        await telegram.wait_for(GROUP, f"Welcome to Elm Court, {name}")
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/meeting AGM | Thursday 19:00"))
    await telegram.wait_for(ADMIN, "Draft meeting #1")
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/announce 1"))
    await telegram.wait_for(GROUP, "📅 Meeting #1: AGM")
    for answered, (user, name) in enumerate(((ALICE, "Alice"), (CAROL, "Carol")), start=1):
        telegram.push(updates.press(GROUP, user, name, "rsvp 1.1 going"))
        await telegram.wait_for_toast("Meeting #1: you are going", count=answered)
    telegram.blocked.add(CAROL)  # she never opened a chat with Moot

    telegram.push(updates.message(ADMIN, ADMIN, "Admin", "/movemeeting 1 Friday 19:00"))
    answer = await telegram.wait_for(ADMIN, "now starts")
    said = str(answer.params["text"])
    assert "word is on its way to the 2 people who answered" in said
    assert (
        "Carol was not sent news of meeting #1: they have not opened a chat with Moot on "
        "Telegram yet." in said
    )
    assert "Alice" not in said  # who it reached needs no word

    # Moving it again: Moot knows now that it cannot reach her, and says so again.
    telegram.push(updates.message(ADMIN, ADMIN, "Admin", "/movemeeting 1 Saturday 19:00"))
    await telegram.wait_for(ADMIN, "now starts Sat")
    again = [t for t in telegram.texts_to(ADMIN) if "now starts" in t][-1]
    assert "Carol was not sent news of meeting #1" in again, again
