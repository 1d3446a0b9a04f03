"""On Telegram, a button pressed on a private message updates that message: Publish on a
draft's preview, Cast my vote on a ranked ballot, Approve on a join request."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.core import Moot
from tests.fakes.telegram_api import FakeTelegram, Updates
from tests.helpers import wait_until
from tests.telegram_harness import telegram_adapter

GROUP, ADMIN, ALICE = -100800, 11, 22


@pytest.fixture
async def telegram(moot: Moot) -> AsyncIterator[FakeTelegram]:
    async with telegram_adapter(moot, {(GROUP, ADMIN)}) as (api, _):
        yield api


def edited(api: FakeTelegram, chat: int, message_id: int) -> list[str]:
    return [
        str(c.params["text"])
        for c in api.calls
        if c.method == "editMessageText"
        and int(c.params["chat_id"]) == chat
        and int(c.params["message_id"]) == message_id
        and c.ok
    ]


async def test_private_presses_update_the_pressed_message(telegram: FakeTelegram) -> None:
    updates = Updates()
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/setup Elm Court"))
    await telegram.wait_for(GROUP, "home of Elm Court")

    # Approve, on the request's direct message.
    telegram.push(updates.message(GROUP, ALICE, "Alice", "/join"))
    request = await telegram.wait_for(ADMIN, "Alice asks to join Elm Court")
    approve = request.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    telegram.push(updates.press(ADMIN, ADMIN, "Admin", approve, on_message=5001))
    await wait_until(lambda: edited(telegram, ADMIN, 5001))
    assert "Approved: #2 Alice is now a member." in edited(telegram, ADMIN, 5001)[-1]
    assert not any("Approved" in t for t in telegram.texts_to(ADMIN))  # nothing stacked

    # Publish, on the draft's preview.
    telegram.push(
        updates.message(GROUP, ADMIN, "Admin", "/poll Name it | Oak | Elm | Yew | kind: ranked")
    )
    await telegram.wait_for(ADMIN, "Draft poll #1")
    telegram.push(updates.press(ADMIN, ADMIN, "Admin", "publish 1.1", on_message=5002))
    await wait_until(lambda: edited(telegram, ADMIN, 5002))
    assert "Poll #1 is open" in edited(telegram, ADMIN, 5002)[-1]
    assert not any("Poll #1 is open" in t for t in telegram.texts_to(ADMIN))
    await telegram.wait_for(GROUP, "📊 Poll #1")

    # Cast my vote, on the ballot being filled in.
    telegram.push(updates.press(GROUP, ALICE, "Alice", "ballot 1.1"))
    await telegram.wait_for(ALICE, "Your ranking for poll #1")
    for option in ("2", "1"):
        telegram.push(updates.press(ALICE, ALICE, "Alice", f"pick 1.1 {option}", on_message=5003))
    await wait_until(lambda: any("Elm > Oak" in t for t in edited(telegram, ALICE, 5003)))
    telegram.push(updates.press(ALICE, ALICE, "Alice", "cast 1.1", on_message=5003))
    await wait_until(lambda: any("is counted" in t for t in edited(telegram, ALICE, 5003)))
    assert not any("is counted" in t for t in telegram.texts_to(ALICE))
    receipt = next(
        c
        for c in telegram.calls
        if c.method == "editMessageText" and "is counted" in str(c.params["text"])
    )
    assert not receipt.params.get("reply_markup")  # the old ballot's buttons are gone
