"""Ballots being filled in are in the store (bot/polls/drafts.py): a voter's presses may reach
any Moot process, a secret poll's ballot in progress is unreadable in the stored database, and
one sealed under another SECRET_KEY is simply started afresh. Two cores on one database stand in
for two processes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.clock import ManualClock
from bot.core import OUR_FAULT, Moot
from bot.housekeeping.service import tidy
from bot.polls.drafts import SEALED_BYTES
from tests.helpers import Resident, another_process, texts
from tests.poll_helpers import members, published

KEY = "a-long-random-string-all-processes-share-0123456789"
OTHER_KEY = "another-long-random-string-from-another-setup-9876"
DRAFTS = "SELECT poll_id, person_id, marks, sealed FROM ballotdraft"


async def stored_drafts(moot: Moot) -> list[tuple[int, int, str | None, bytes | None]]:
    """The table as whoever copies the database reads it."""
    rows = await moot.read(lambda s: s.execute(text(DRAFTS)).all())
    return [(r[0], r[1], r[2], bytes(r[3]) if r[3] is not None else None) for r in rows]


@pytest.fixture
async def first(database_url: str, clock: ManualClock) -> AsyncIterator[Moot]:
    async with another_process(database_url, clock, secret_key=KEY) as core:
        yield core


@pytest.fixture
async def second(database_url: str, clock: ManualClock, first: Moot) -> AsyncIterator[Moot]:
    async with another_process(database_url, clock, secret_key=KEY) as core:
        yield core


async def elm_court(moot: Moot) -> tuple[Resident, Resident]:
    host = Resident(moot, "console", "host", "Host", chat_admin=True)
    await host.say("/setup Elm Court")
    (alice,) = await members(moot, host, "Alice")
    return host, alice


def on(core: Moot, resident: Resident) -> Resident:
    """The same person, their next press reaching another process."""
    return Resident(core, resident.platform, resident.user_id, resident.name)


async def test_a_ranking_pressed_on_two_processes_in_turn_is_cast_as_pressed(
    first: Moot, second: Moot
) -> None:
    host, alice = await elm_court(first)
    poll = await published(host, "Name the garden | Oak | Elm | Yew | kind: ranked")
    await alice.press(f"ballot {poll}")
    await on(second, alice).press(f"pick {poll} 3")
    await alice.press(f"pick {poll} 1")
    ranking = await on(second, alice).press(f"pick {poll} 2")
    assert "Your ranking for poll #1: Yew > Oak > Elm" in texts(ranking)
    reopened = await alice.press(f"ballot {poll}")
    assert "Yew > Oak > Elm" in texts(reopened)
    assert "(Yew > Oak > Elm) is counted" in texts(await on(second, alice).press(f"cast {poll}"))
    assert await stored_drafts(first) == []  # cast: the draft is gone
    await host.say(f"/close {poll}")
    assert "Winner: Yew" in texts(await host.say(f"/results {poll}"))


async def test_a_secret_ballot_in_progress_is_unreadable_in_the_store(
    first: Moot, second: Moot, database_url: str, clock: ManualClock
) -> None:
    host, alice = await elm_court(first)
    secret = await published(host, "Chair? | Oak | Elm | Yew | kind: ranked | secret | ballot")
    await on(second, alice).press(f"pick {secret} 3")
    ((_, _, marks, sealed),) = await stored_drafts(first)
    assert marks is None
    assert sealed is not None
    assert len(sealed) == SEALED_BYTES
    ranking = await alice.press(f"pick {secret} 1")  # the other process opens it
    assert "Your ranking for poll #1: Yew > Oak" in texts(ranking)
    ((_, _, marks, longer),) = await stored_drafts(first)
    assert marks is None
    assert longer is not None
    assert len(longer) == SEALED_BYTES  # two marks take as long as one
    assert b"3,1" not in longer
    assert longer[12:] != sealed[12:]
    # The same presses in an open poll are stored as they are: the test would see them.
    plain = await published(host, "Garden? | Oak | Elm | Yew | kind: ranked")
    await alice.press(f"pick {plain} 3")
    await alice.press(f"pick {plain} 1")
    assert (plain, 2, "3,1", None) in [
        (poll, person, m, s) for poll, person, m, s in await stored_drafts(first)
    ]

    async with another_process(database_url, clock, secret_key=OTHER_KEY) as elsewhere:
        fresh = texts(await on(elsewhere, alice).press(f"ballot {secret}"))
        assert "Your ranking for poll #1: nothing yet" in fresh
        assert OUR_FAULT not in fresh
    assert [d[0] for d in await stored_drafts(first)] == [plain]  # the unreadable one went
    again = await alice.press(f"pick {secret} 2")
    assert "Your ranking for poll #1: Elm\n" in texts(again)


async def test_a_secret_choice_waiting_to_be_cast_from_another_key_is_no_choice(
    first: Moot, database_url: str, clock: ManualClock
) -> None:
    host, alice = await elm_court(first)
    poll = await published(host, "Chair? | Oak | Elm | secret | ballot")
    asked = texts(await alice.privately(f"/vote {poll} 2"))
    assert "Your secret ballot in poll #1: Elm." in asked
    ((_, _, marks, sealed),) = await stored_drafts(first)
    assert marks is None
    assert sealed is not None
    assert len(sealed) == SEALED_BYTES
    async with another_process(database_url, clock, secret_key=OTHER_KEY) as elsewhere:
        refused = texts(await on(elsewhere, alice).press(f"cast {poll}"))
    assert "You have nothing waiting to cast in poll #1" in refused
    assert await stored_drafts(first) == []


async def test_a_ballot_abandoned_or_left_alone_is_deleted(
    moot: Moot, community: str, host: Resident, clock: ManualClock
) -> None:
    (alice, bob) = await members(moot, host, "Alice", "Bob")
    poll = await published(host, "Name the garden | Oak | Elm | Yew | kind: ranked")
    await alice.press(f"pick {poll} 2")
    assert "is cleared" in texts(await alice.press(f"clearballot {poll}"))
    assert await stored_drafts(moot) == []
    assert "nothing yet" in texts(await alice.press(f"ballot {poll}"))
    await bob.press(f"pick {poll} 1")
    await clock.advance(timedelta(hours=23))
    await moot.write(lambda s: tidy(s, clock.now()))
    assert len(await stored_drafts(moot)) == 1
    await clock.advance(timedelta(hours=2))
    await moot.write(lambda s: tidy(s, clock.now()))
    assert await stored_drafts(moot) == []
    assert "nothing yet" in texts(await bob.press(f"ballot {poll}"))
