"""Requests that wait for an organiser (to join, an agenda item) reach a person: when no
organiser can get a direct message from Moot (Telegram: they never opened a chat), the group is
asked for one to, naming nobody's request in detail, and the person asking hears the truth."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.core import Moot
from tests.fakes.telegram_api import FakeTelegram, Updates
from tests.helpers import wait_until
from tests.telegram_harness import elm_court_with, telegram_adapter

GROUP, ADMIN, ALICE, BOB = -100900, 11, 22, 33
CALL = "could not send"


@pytest.fixture
async def telegram(moot: Moot) -> AsyncIterator[FakeTelegram]:
    async with telegram_adapter(moot, {(GROUP, ADMIN)}) as (api, _):
        yield api


def calls(api: FakeTelegram) -> list[str]:
    return [text for text in api.texts_to(GROUP) if CALL in text]


async def test_a_join_request_no_organiser_can_receive_is_called_out_in_the_group(
    telegram: FakeTelegram,
) -> None:
    updates = Updates()
    telegram.blocked.add(ADMIN)  # the only admin never opened a chat with Moot
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/setup Elm Court"))
    await telegram.wait_for(GROUP, "home of Elm Court")

    # Telegram refuses the admin's message only once Moot tries: the group, where Alice asked,
    # hears that her request reached nobody.
    telegram.push(updates.message(GROUP, ALICE, "Alice", "/join"))
    await telegram.wait_for(GROUP, CALL)
    (call,) = calls(telegram)
    assert "Alice's request to join" in call
    assert "/members" in call

    # Now Moot knows the admin cannot be reached: Bob is told so at once, and the group again.
    telegram.push(updates.message(GROUP, BOB, "Bob", "/join"))
    answer = str((await telegram.wait_for(BOB, "Your request to join")).params["text"])
    assert "Moot could not message any of them yet" in answer
    assert "is with the organisers" not in answer
    await wait_until(lambda: len(calls(telegram)) == 2)
    assert "Bob's request to join" in calls(telegram)[1]


async def test_an_agenda_item_no_organiser_can_receive_is_called_out_in_the_group(
    telegram: FakeTelegram,
) -> None:
    updates = Updates()
    await elm_court_with(telegram, updates, GROUP, ADMIN, ALICE, "Alice")
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/meeting AGM | in 5 days 19:00"))
    await telegram.wait_for(ADMIN, "Draft meeting #1")
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/announce 1"))
    await telegram.wait_for(GROUP, "📅 Meeting #1: AGM")
    telegram.blocked.add(ADMIN)  # from now on, Moot cannot message the only organiser

    telegram.push(updates.message(GROUP, ALICE, "Alice", "/propose 1 Bike storage"))
    await telegram.wait_for(ALICE, "Item 1 is proposed")
    await telegram.wait_for(GROUP, CALL)
    (call,) = calls(telegram)
    assert "an agenda item for meeting #1" in call
