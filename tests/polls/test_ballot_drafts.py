"""Ballots being filled in: an open poll's are in the store (bot/polls/drafts.py), so a voter's
presses may reach any Moot process; a secret poll's are stored nowhere, carried by their own
buttons (bot/polls/carried.py), so neither the database nor its log ever holds a secret choice
before it is cast. Two cores on one database stand in for two processes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, SQLModel

from bot.clock import ManualClock
from bot.core import Moot
from bot.housekeeping.service import tidy
from tests.helpers import Resident, another_process, button, dm, texts
from tests.poll_helpers import members, published

DRAFTS = "SELECT poll_id, person_id, marks FROM ballotdraft"


async def stored_drafts(moot: Moot) -> list[tuple[int, int, str]]:
    """The table as whoever copies the database reads it."""
    rows = await moot.read(lambda s: s.execute(text(DRAFTS)).all())
    return [(r[0], r[1], r[2]) for r in rows]


async def everything_stored(moot: Moot) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table."""

    def read(session: Session) -> dict[str, list[tuple[object, ...]]]:
        return {
            table.name: sorted(map(tuple, session.execute(table.select()).all()), key=repr)
            for table in SQLModel.metadata.sorted_tables
        }

    return await moot.read(read)


@pytest.fixture
async def first(database_url: str, clock: ManualClock) -> AsyncIterator[Moot]:
    async with another_process(database_url, clock) as core:
        yield core


@pytest.fixture
async def second(database_url: str, clock: ManualClock, first: Moot) -> AsyncIterator[Moot]:
    async with another_process(database_url, clock) as core:
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


async def test_a_secret_ranking_pressed_on_two_processes_is_stored_nowhere_until_cast(
    first: Moot, second: Moot
) -> None:
    host, alice = await elm_court(first)
    secret = await published(host, "Chair? | Oak | Elm | Yew | kind: ranked | secret | ballot")
    ballot = await alice.press(f"ballot {secret}")
    before = await everything_stored(first)
    ballot = await on(second, alice).press(button(ballot, "3. Yew"))
    ballot = await alice.press(button(ballot, "1. Oak"))
    ballot = await on(second, alice).press(button(ballot, "2. Elm"))
    ballot = await alice.press(button(ballot, "✓ 2. Elm"))  # and taken back off
    assert "Your ranking for poll #1: Yew > Oak\n" in texts(ballot)
    assert await everything_stored(first) == before
    cast = texts(await on(second, alice).press(button(ballot, "Cast my vote")))
    assert "is cast" in cast
    assert "Oak" not in cast  # no receipt restates the choice
    # An earlier state of the ballot, pressed again, is refused: the ballot is cast.
    again = texts(await alice.press(button(ballot, "✓ 3. Yew")))
    assert "You have already cast your secret ballot in poll #1; it is final." in again


async def test_a_secret_choice_is_confirmed_and_cast_on_another_process_as_it_was_shown(
    first: Moot, second: Moot
) -> None:
    host, alice = await elm_court(first)
    poll = await published(host, "Chair? | Oak | Elm | secret | ballot")
    asked = await alice.privately(f"/vote {poll} 2")
    assert "Your secret ballot in poll #1: Elm." in texts(asked)
    assert await stored_drafts(first) == []
    assert "is cast" in texts(await on(second, alice).press(button(asked, "Cast my ballot")))
    assert "Turnout: 1 of 2" in texts(await host.say(f"/results {poll}"))


async def test_a_secret_ballot_typed_with_its_choices_is_cast_in_private_and_withdrawn_in_a_group(
    first: Moot,
) -> None:
    host, alice = await elm_court(first)
    poll = await published(host, "Chair? | Oak | Elm | Yew | kind: ranked | secret | ballot")
    in_group = await alice.say(f"/cast {poll} 3 1")
    assert in_group[0].removes_request
    assert "was not counted" in texts(in_group)
    assert "is cast" not in texts(in_group)
    nonsense = texts(await alice.privately(f"/cast {poll} 3 9"))
    assert "Options are numbered 1 to 3" in nonsense
    assert "is cast" in texts(await alice.privately(f"/cast {poll} 3 1"))


async def test_a_secret_ranking_spelling_a_word_is_still_a_ranking(first: Moot) -> None:
    host, alice = await elm_court(first)
    options = " | ".join(f"Site {n}" for n in range(1, 16))
    secret = await published(host, f"Where? | {options} | kind: ranked | secret | ballot")
    ballot = await alice.press(f"ballot {secret}")
    for option in (1, 11, 14, 2, 10):  # "block", as letters: a stance word, were it typed
        ballot = await alice.press(button(ballot, f"{option}. Site {option}"))
    assert "Site 1 > Site 11 > Site 14 > Site 2 > Site 10" in texts(ballot)
    assert "is cast" in texts(await alice.press(button(ballot, "Cast my vote")))


async def test_twenty_options_ranked_fit_in_telegrams_button_data_at_the_longest_poll_name(
    first: Moot,
) -> None:
    host, alice = await elm_court(first)
    options = " | ".join(f"Site {n}" for n in range(1, 21))
    secret = await published(host, f"Where? | {options} | kind: ranked | secret | ballot")
    ballot = await alice.press(f"ballot {secret}")
    for option in range(20, 0, -1):
        ballot = await alice.press(button(ballot, f"{option}. Site {option}"))
    assert "Site 20 > Site 19" in texts(ballot)
    longest_name = len("999999999.999999999")  # community and poll numbers of nine digits
    for choice in ballot[0].buttons:
        ref = choice.command.split()[1]
        assert len(choice.command.encode()) - len(ref) + longest_name <= 64, choice.command


async def test_forged_or_partial_secret_ballots_get_one_clear_answer_and_store_nothing(
    first: Moot,
) -> None:
    host, alice = await elm_court(first)
    ranked = await published(host, "Chair? | Oak | Elm | Yew | kind: ranked | secret | ballot")
    three = await published(
        host, "Pick 3 | A | B | C | D | kind: multiple | min: 3 | max: 3 | secret"
    )
    await alice.privately("/whoami")  # Moot notes her private chat, once
    before = await everything_stored(first)
    refused = {
        f"pick 1.{ranked} 2 ~bb": "Each option can appear only once",
        f"pick 1.{ranked} 2 ~z": "Options are numbered 1 to 3",
        f"pick 1.{ranked} 2 ~1": "open it again with /ballot",
        f"cast 1.{ranked} ~": "Pick at least one option.",
        f"cast 1.{ranked} ~bb": "Each option can appear only once",
        f"cast 1.{three} ~bc": "Pick exactly 3 options; you picked 2.",
    }
    for pressed, said in refused.items():
        answer = await alice.press(pressed, dm("console", alice.user_id))
        assert said in texts(answer), (pressed, texts(answer))
        assert len(answer) == 1
    # A ballot in progress, typed, need not be a whole vote yet.
    partial = texts(await alice.privately(f"/pick {three} 3 1"))
    assert "Your choices for poll #2: A, C" in partial
    typed_in_group = await alice.say(f"/pick {ranked} 2")
    assert typed_in_group[0].removes_request
    assert await everything_stored(first) == before


async def test_a_pick_with_choices_on_an_open_poll_is_refused_as_its_ballot_is_kept(
    first: Moot,
) -> None:
    host, alice = await elm_court(first)
    poll = await published(host, "Garden? | Oak | Elm | Yew | kind: ranked")
    refused = texts(await alice.privately(f"/pick {poll} 2 3 1"))
    assert f"send /pick {poll} 2, without choices" in refused
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
