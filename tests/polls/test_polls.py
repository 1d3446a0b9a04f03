"""Decide, through the core as residents and organisers use it."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.clock import ManualClock
from bot.core import Moot
from bot.events import Visibility
from bot.polls.sealing import HELD_BYTES
from storage.models import AuditEntry
from storage.polls import PollCount, SecretBallot, VoterRoll
from storage.raw import RawConnection
from tests.helpers import RecordingOutlet, Resident, button, dm, group, shown, texts
from tests.poll_helpers import (
    cast_secretly,
    draft,
    latest_poll_text,
    members,
    poll_messages,
    published,
)

T = TypeVar("T")


def link_code(text_: str) -> str:
    return next(word for word in text_.split() if word.startswith("LINK-"))


BIN_STORE = "Should we back the bin store plan? | Yes | No | closes: Friday 18:00"


async def test_a_quick_poll_from_one_line_to_results(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    alice, bob = await members(moot, host, "Alice", "Bob")
    poll_id, preview = await draft(host, BIN_STORE)
    assert preview.visibility is Visibility.ACTOR
    assert "Closes Fri 27 Nov 2026, 18:00 (Europe/London)" in shown(preview)
    assert preview.buttons[0].command == f"publish 1.{poll_id}"  # community 1's poll
    await host.press(f"publish {poll_id}")
    posted = poll_messages(outlet)[-1]
    assert [b.command for b in posted.buttons] == [f"vote 1.{poll_id} 1", f"vote 1.{poll_id} 2"]

    assert "is counted" in texts(await alice.press(f"vote {poll_id} 1"))
    assert "is counted" in texts(await bob.press(f"vote {poll_id} 1"))
    assert "replaces your earlier vote" in texts(await bob.say(f"/vote {poll_id} 2"))
    assert "1. Yes — 1 vote (50%)" in latest_poll_text(outlet)
    assert "Turnout: 2 of 3 eligible (67%)" in latest_poll_text(outlet)

    await clock.advance(timedelta(days=5))  # past Friday 18:00: the close timer fires
    await moot.drain()  # what the jobs queued is sent
    announcement = outlet.chats[-1][1]
    assert shown(announcement).startswith(f"Results · Poll #{poll_id}")
    assert "Winner: Yes" in shown(announcement)
    assert "Ties are broken in favour of the option listed first." in shown(announcement)
    assert announcement.file is not None
    assert announcement.file.data.startswith(b"\x89PNG")
    assert "This poll has closed" in latest_poll_text(outlet)
    assert "has closed; votes are no longer counted" in texts(await alice.say(f"/vote {poll_id} 2"))


async def test_bad_definitions_are_refused_with_their_limits(
    moot: Moot, community: str, host: Resident
) -> None:
    cases = {
        "Lunch? | Soup": "at least two options",
        "Lunch? | Soup | soup": "listed twice",
        "Lunch? | "
        + " | ".join(f"Dish {n}" for n in range(21)): "at most 20 options; this one has 21",
        "x" * 301 + " | A | B": "the limit is 300",
        "Lunch? | A | B | closes: yesterday": "is in the past",
        "Lunch? | A | B | closes: when pigs fly": "couldn't read 'when pigs fly'",
        "Lunch? | A | B | colour: red": "Unknown setting 'colour'",
        "Lunch? | A | B | kind: multiple | min: 3": "1 ≤ min ≤ max ≤ 2",
        "Lunch? | A | B | secret | results: live": "only after it closes",
        "Fund? | A £10 | B £20 | kind: budget": "needs the money to share out",
        # Times and lengths that cannot be, or are too far off to mean anything.
        "Lunch? | A | B | closes: tomorrow 25:00": "25:00 is not a time of day",
        "Lunch? | A | B | opens: 9999-12-31 12:00": "more than two years away",
        "Lunch? | A | B | closes: 2030-01-01 10:00": "more than two years away",
        "Lunch? | A | B | remind: 1000000000d": "longer than two years",
        "Lunch? | A | B | remind: 99999999999d": "longer than two years",
        "Lunch? | A | B | kind: multiple | max: ²": "give a whole number",
    }
    for definition, reason in cases.items():
        replies = await host.say(f"/poll {definition}")
        assert replies[0].visibility is Visibility.ACTOR
        assert reason in texts(replies), definition
    assert "There is no poll #1" in texts(await host.say("/publish 1"))


async def test_an_ambiguous_date_must_be_confirmed(
    moot: Moot, community: str, host: Resident
) -> None:
    poll_id, preview = await draft(host, "Lunch? | A | B | closes: 03/04/2027 10:00")
    assert "could be Thu 04 Mar 2027, 10:00" in shown(preview)
    assert "Choose which closing time" in texts(await host.say(f"/publish {poll_id}"))
    choice = preview.buttons[1].command
    assert choice == f"pollset 1.{poll_id} closes: 2027-03-04T10:00+00:00"
    chosen = await host.press(choice)
    assert "Closes Thu 04 Mar 2027, 10:00" in texts(chosen)
    assert "is open" in texts(await host.say(f"/publish {poll_id}"))


async def test_results_of_options_in_any_script_or_with_mathematics_can_be_shown(
    moot: Moot, community: str, host: Resident
) -> None:
    poll_id = await published(host, "$x^2$ or 住宅? | $a$ | 🏠 | مرحبا")
    assert "is counted" in texts(await host.say(f"/vote {poll_id} 2"))
    assert "Votes are option numbers" in texts(await host.say(f"/vote {poll_id} ²"))
    await host.say(f"/close {poll_id}")
    (result,) = await host.say(f"/results {poll_id}")
    assert "Winner: 🏠" in result.text
    assert result.file is not None
    assert result.file.data.startswith(b"\x89PNG")


async def test_hostile_text_stays_plain(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    poll_id = await published(host, "@everyone <b>Vote</b>\x1b[2J now? | **Yes** | No")
    message = shown(poll_messages(outlet)[-1])
    assert "@everyone <b>Vote</b>[2J now?" in message  # kept as text; adapters never format it
    assert "\x1b" not in message
    assert f"Poll #{poll_id}" in message


async def test_who_may_vote_is_told_why_not(moot: Moot, community: str, host: Resident) -> None:
    (alice,) = await members(moot, host, "Alice")
    outsider = Resident(moot, "telegram", "77", "Outsider")
    visitor = Resident(moot, "console", "78", "Visitor")
    poll_id = await published(host, "Trees? | Oak | Ash")
    assert texts(await visitor.say(f"/vote {poll_id} 1")) == (  # in its chat, not a member
        "Only members of Elm Court can use /vote; send /join first."
    )
    assert "/vote needs a community" in texts(await outsider.privately(f"/vote {poll_id} 1"))
    assert texts(await outsider.privately(f"/vote 1.{poll_id} 1")) == (
        f"There is no poll 1.{poll_id} here."
    )
    organisers_only = await published(host, "Budget sign-off? | Yes | No | voters: role organiser")
    assert f"Poll #{organisers_only} is for organisers only" in texts(
        await alice.say(f"/vote {organisers_only} 1")
    )
    assert "no poll #99" in texts(await alice.press("vote 99 1"))


async def test_the_register_is_fixed_when_a_ballot_opens(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    (alice,) = await members(moot, host, "Alice")
    poll_id = await published(host, "Regeneration? | Yes | No | voters: register | ballot")
    latecomer = Resident(moot, "console", "late", "Late")
    await latecomer.say("/join")
    assert "on the register when poll" in texts(await latecomer.say(f"/vote {poll_id} 1"))
    await alice.say(f"/vote {poll_id} 1")
    assert "Turnout: 1 of 2 eligible (50%)" in latest_poll_text(outlet)


async def test_binding_ballots_and_quick_polls_respect_who_may_start_them(
    moot: Moot, community: str, host: Resident
) -> None:
    (alice,) = await members(moot, host, "Alice")
    assert "only organisers start binding ballots" in texts(
        await alice.say("/poll Rent strike? | Yes | No | ballot")
    )
    assert "Draft poll" in texts(await alice.say("/poll Picnic? | Sat | Sun"))
    await host.say("/pollsby organisers")
    assert "only organisers start polls" in texts(await alice.say("/poll Picnic? | Sat | Sun"))


async def test_a_secret_ballot_keeps_who_apart_from_what(
    moot: Moot, community: str, host: Resident, clock: ManualClock
) -> None:
    alice, bob = await members(moot, host, "Alice", "Bob")
    poll_id = await published(host, "Chair? | Ann | Raj | secret | ballot")
    confirm = await alice.press(f"vote {poll_id} 2")
    assert "Once cast it cannot be changed" in texts(confirm)
    assert "Your secret ballot in poll" in texts(await alice.press(button(confirm, "Cast")))
    assert "it is final" in texts(await alice.privately(f"/vote {poll_id} 1"))
    assert "nothing waiting to cast" in texts(await alice.say(f"/cast {poll_id}"))
    assert "it is final" in texts(await alice.press(button(confirm, "Cast")))
    typed_in_group = texts(await bob.say(f"/vote {poll_id} 1"))
    assert "votes are cast privately: your message was not counted" in typed_in_group
    await cast_secretly(bob, poll_id, 1)
    assert "Turnout: 2 of 3" in texts(await host.say(f"/voters {poll_id}"))
    assert "Choices are never shown" in texts(await host.say(f"/voters {poll_id}"))
    assert "shows results after it closes" in texts(await host.say(f"/results {poll_id}"))

    # Two ballots wait to be sealed with others: none is in the ballot table yet, and the roll
    # holds them only as bytes that say nothing without Moot's memory.
    assert await moot.read(lambda s: s.exec(select(SecretBallot)).all()) == []
    held = await moot.read(lambda s: s.exec(select(VoterRoll)).all())
    plain = {f"{choice}|".encode().ljust(HELD_BYTES, b"\0") for choice in (1, 2)}
    assert len(held) == 2
    assert all(r.held is not None and not any(p in r.held for p in plain) for r in held)
    await host.say(f"/close {poll_id}")
    assert "Winner: Ann" in texts(await host.say(f"/results {poll_id}"))
    ballots = await moot.read(lambda s: s.exec(select(SecretBallot)).all())
    assert sorted(b.choice or 0 for b in ballots) == [1, 2]
    roll = await moot.read(lambda s: s.exec(select(VoterRoll)).all())
    assert [(r.waiting, r.held) for r in roll] == [(None, None), (None, None)]


async def test_kinds_of_ballot(moot: Moot, community: str, host: Resident) -> None:
    alice, bob = await members(moot, host, "Alice", "Bob")
    multiple = await published(host, "Pick 2 | A | B | C | kind: multiple | min: 2 | max: 2")
    assert "Pick exactly 2 options; you picked 1" in texts(await alice.say(f"/vote {multiple} 1"))
    assert "is counted" in texts(await alice.say(f"/vote {multiple} 1 3"))
    score = await published(host, "Rate | A | B | C | kind: score")
    assert "score from 0 to 5" in texts(await alice.say(f"/vote {score} 5 9 1"))
    assert "is counted" in texts(await alice.say(f"/vote {score} 5 2 1"))
    proposal = await published(host, "Adopt the constitution | kind: proposal | threshold: 75%")
    await alice.press(f"vote {proposal} 1")
    await bob.say(f"/vote {proposal} block")
    await host.say(f"/close {proposal}")
    result = texts(await host.say(f"/results {proposal}"))
    assert "⚠ 1 block(s)" in result
    assert "did not pass" not in result
    assert "The proposal passed: 1 agree of 1 who took a side (100%); it needed 75%." in result


async def test_ranked_choice_by_pressing_options_then_casting(
    moot: Moot, community: str, host: Resident
) -> None:
    alice, bob = await members(moot, host, "Alice", "Bob")
    poll_id = await published(host, "Name the garden | Oak | Elm | Yew | kind: ranked")
    await alice.press(f"ballot {poll_id}")
    await alice.press(f"pick {poll_id} 3")
    ranking = await alice.press(f"pick {poll_id} 1")
    assert "Your ranking for poll" in texts(ranking)
    assert "Yew > Oak" in texts(ranking)
    assert "(Yew > Oak) is counted" in texts(await alice.press(f"cast {poll_id}"))
    await bob.say(f"/vote {poll_id} 2 1")
    await host.say(f"/vote {poll_id} 1 2")
    await host.say(f"/close {poll_id}")
    result = texts(await host.say(f"/results {poll_id}"))
    assert (
        "Round 1: Oak 1, Elm 1, Yew 1. No option has more than half of 3; Yew has the fewest and "
        "is eliminated." in result
    )
    assert "Round 2: Oak 2, Elm 1. Oak has 2 of 3 and wins." in result
    assert "Winner: Oak" in result


async def test_a_participatory_budget(moot: Moot, community: str, host: Resident) -> None:
    alice, bob = await members(moot, host, "Alice", "Bob")
    poll_id = await published(
        host,
        "Share £5,000 | Youth club £3,000 | Community larder £2,500 | Christmas lights £1,500 | kind: budget | budget: £5000",
    )
    assert "more than the £5,000.00 to share" in texts(await alice.say(f"/vote {poll_id} 1 2"))
    await alice.say(f"/vote {poll_id} 1 3")
    await bob.say(f"/vote {poll_id} 2 3")
    await host.say(f"/vote {poll_id} 2")
    await host.say(f"/close {poll_id}")
    result = texts(await host.say(f"/results {poll_id}"))
    assert "Funded: Christmas lights (£1,500), Community larder (£2,500)" in result
    assert "Not funded: Youth club" in result
    assert "Left over: £1,000" in result


async def test_quorum_and_thresholds(moot: Moot, community: str, host: Resident) -> None:
    alice, bob, _cat = await members(moot, host, "Alice", "Bob", "Cat")
    void = await published(host, "Big decision? | Yes | No | quorum: 75% | threshold: majority")
    await alice.say(f"/vote {void} 1")
    await host.say(f"/close {void}")
    assert "Void: the quorum 75% of the electorate was not met" in texts(
        await host.say(f"/results {void}")
    )
    electorate = await published(
        host, "Special resolution? | Yes | No | threshold: two-thirds | of: electorate"
    )
    for person in (alice, bob):
        await person.say(f"/vote {electorate} 1")
    await host.say(f"/close {electorate}")
    result = texts(await host.say(f"/results {electorate}"))
    assert (
        "Nothing passed: Yes led with 2 of 4 in the electorate (50%), short of two thirds."
        in result
    )
    assert "Winner" not in result


async def test_paper_votes_are_shown_apart_and_audited(
    moot: Moot, community: str, host: Resident
) -> None:
    people = await members(moot, host, *(f"Resident{i}" for i in range(1, 12)))
    poll_id = await published(host, "AGM motion? | For | Against")
    await people[0].say(f"/vote {poll_id} 1")
    # Members #3 to #12 voted in the room (the host is #1, Resident1 #2).
    assert "Only organisers" in texts(await people[1].say(f"/papervoters {poll_id} 3-12"))
    assert "Marked as voting on paper" in texts(await host.say(f"/papervoters {poll_id} 3-12"))
    assert "Only organisers" in texts(await people[1].say(f"/paper {poll_id} 10 1=6 2=4"))
    assert "add up to 3 at most" in texts(await host.say(f"/paper {poll_id} 3 1=2 2=2"))
    assert "Added 10 paper ballot(s)" in texts(await host.say(f"/paper {poll_id} 10 1=6 2=4"))
    result = texts(await host.say(f"/results {poll_id}"))
    assert "1. For — 7 votes (64%) [1 online + 6 paper]" in result
    assert "Turnout: 11 of 12 eligible" in result
    assert "1 online, 10 on paper or in the room" in result
    audit = await moot.read(
        lambda s: s.exec(select(AuditEntry).where(AuditEntry.action == "poll.paper")).one()
    )
    assert audit.actor_person_id == 1


async def test_no_one_votes_both_online_and_on_paper(
    moot: Moot, community: str, host: Resident
) -> None:
    alice, bob, cat = await members(moot, host, "Alice", "Bob", "Cat")  # members #2, #3, #4
    poll_id = await published(host, "AGM motion? | For | Against")
    await alice.say(f"/vote {poll_id} 1")

    refused = texts(await host.say(f"/paper {poll_id} 1 1=1"))
    assert "0 member(s) are marked as voting on paper" in refused
    assert "/papervoters" in refused
    refused = texts(await host.say(f"/papervoters {poll_id} 2 3"))
    assert "Alice (#2) has already voted online" in refused
    assert "nobody was marked" in refused
    assert "There is no member #99" in texts(await host.say(f"/papervoters {poll_id} 99"))
    assert "Give member numbers" in texts(await host.say(f"/papervoters {poll_id} Bob"))

    marked = texts(await host.say(f"/papervoters {poll_id} 3, 4"))
    assert "Marked as voting on paper in poll" in marked
    assert "Bob (#3), Cat (#4)" in marked
    assert "/paper 1 can add up to 2 more" in marked.replace(f"/paper {poll_id}", "/paper 1")
    assert "Already marked: Bob (#3)" in texts(await host.say(f"/papervoters {poll_id} 3"))
    said = texts(await bob.say(f"/vote {poll_id} 2"))
    assert "marked you as voting on paper" in said
    assert "Bob" not in await voters_of(host, poll_id)

    assert "Added 2 paper ballot(s)" in texts(await host.say(f"/paper {poll_id} 2 1=1 2=1"))
    assert "at most 0 more" in texts(await host.say(f"/paper {poll_id} 1 1=1"))
    kept = texts(await host.say(f"/papervoters {poll_id} remove 4"))
    assert "at least 2 member(s) must stay marked" in kept
    assert "marked you as voting on paper" in texts(await cat.say(f"/vote {poll_id} 1"))

    result = texts(await host.say(f"/results {poll_id}"))
    assert "Turnout: 3 of 4 eligible" in result
    await host.say(f"/close {poll_id}")
    assert "results are final" in texts(await host.say(f"/paper {poll_id} 1 1=1"))
    assert "results are final" in texts(await host.say(f"/papervoters {poll_id} 1"))


async def test_a_paper_mark_made_by_mistake_comes_off(
    moot: Moot, community: str, host: Resident
) -> None:
    (alice,) = await members(moot, host, "Alice")
    poll_id = await published(host, "AGM motion? | For | Against")
    await host.say(f"/papervoters {poll_id} 2")
    assert "Took the paper mark off in poll" in texts(
        await host.say(f"/papervoters {poll_id} remove 2")
    )
    assert "is counted" in texts(await alice.say(f"/vote {poll_id} 1"))


async def voters_of(host: Resident, poll_id: int) -> str:
    return texts(await host.say(f"/voters {poll_id}"))


async def test_extend_and_close_early_are_logged_and_timers_follow(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    poll_id = await published(host, "Paint colour? | Blue | Green | closes: in 2 days")
    assert "now closes" in texts(await host.say(f"/extend {poll_id} in 4 days"))
    await clock.advance(timedelta(days=3))  # the first deadline passes: nothing closes
    await moot.drain()  # what the jobs queued is sent
    assert "Results ·" not in texts([r for _, r in outlet.chats])
    await clock.advance(timedelta(days=2))
    await moot.drain()  # what the jobs queued is sent
    assert any(r.text.startswith(f"Results · Poll #{poll_id}") for _, r in outlet.chats)
    early = await published(host, "Second? | A | B")
    await host.say(f"/close {early}")
    actions = await moot.read(
        lambda s: [
            (a.action, a.detail)
            for a in s.exec(select(AuditEntry))
            if a.action in ("poll.extended", "poll.closed")
        ]
    )
    assert actions[0][0] == "poll.extended"
    assert ("poll.closed", f"#{poll_id} at its deadline") in actions
    assert ("poll.closed", f"#{early} early") in actions


async def test_reminders_go_to_eligible_people_who_have_not_voted(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    alice, _bob = await members(moot, host, "Alice", "Bob")
    poll_id = await published(host, "Street party? | Yes | No | closes: in 3 days | remind: 1d")
    await alice.say(f"/vote {poll_id} 1")
    await clock.advance(timedelta(days=2, hours=1))
    await moot.drain()  # what the jobs queued is sent
    reminded = {who for who, reply in outlet.directs if f"Reminder: poll #{poll_id}" in reply.text}
    assert reminded == {"bob", "host"}


async def test_scheduled_opening_with_notice_survives_a_restart(
    moot: Moot,
    community: str,
    host: Resident,
    outlet: RecordingOutlet,
    clock: ManualClock,
    database_url: str,
) -> None:
    poll_id = await published(
        host,
        "AGM ballot | Yes | No | opens: in 15 days | notice: 14d | closes: in 20 days | ballot",
    )
    assert "Voting has not opened yet." in shown(poll_messages(outlet)[-1])
    assert "not open yet" in texts(await host.say(f"/vote {poll_id} 1"))
    too_soon = await host.say("/poll Rushed | Yes | No | opens: in 2 days | notice: 14d")
    # In the community's zone (START is 09:00 UTC in November: 09:00 in London too).
    assert "With notice: 14 days, the poll can open Mon 07 Dec 2026, 09:00 (Europe/London)" in (
        texts(too_soon)
    )
    _, preview = await draft(host, "Meet? | Yes | No | opens: in 3 days | notice: 36h")
    assert "(notice: 1 day 12 hours)" in shown(preview)  # 36 hours, not one day
    too_close = await host.say("/poll Soon? | Yes | No | opens: in 1 day | notice: 36h")
    assert "With notice: 1 day 12 hours" in texts(too_close)

    from bot.features import ALL_FEATURES
    from storage.store import Store

    await moot.stop()  # Moot goes down; the opening and closing are rows in the store
    restarted = Moot(Store(database_url), clock, ALL_FEATURES)
    restarted.attach(outlet)
    await restarted.start()
    try:
        await clock.advance(timedelta(days=15, minutes=1))
        await restarted.drain()  # what the jobs queued is sent
        assert any(f"Poll #{poll_id} is now open" in r.text for _, r in outlet.chats)
        voter = Resident(restarted, "console", "host", "Host", chat_admin=True)
        assert "is counted" in texts(await voter.say(f"/vote {poll_id} 1"))
        await clock.advance(timedelta(days=5))
        await restarted.drain()  # what the jobs queued is sent
        assert any(r.text.startswith(f"Results · Poll #{poll_id}") for _, r in outlet.chats)
    finally:
        await restarted.stop()


async def test_outcome_is_posted_and_reviewed(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    poll_id = await published(host, "Bin store? | Yes | No")
    assert "has not closed yet" in texts(await host.say(f"/outcome {poll_id} We build it"))
    await host.say(f"/close {poll_id}")
    await host.say(f"/outcome {poll_id} We build it by March |Review: in 30 days")
    assert any(
        f"Outcome of poll #{poll_id}" in r.text and "We build it by March" in r.text
        for _, r in outlet.chats
    )
    await clock.advance(timedelta(days=31))
    await moot.drain()  # what the jobs queued is sent
    assert any("Review due: poll" in reply.text for who, reply in outlet.directs if who == "host")


async def test_export_is_per_ballot_for_open_polls_and_totals_for_secret(
    moot: Moot, community: str, host: Resident
) -> None:
    (alice,) = await members(moot, host, "Alice")
    open_poll = await published(host, "Open? | A | B")
    await alice.say(f"/vote {open_poll} 2")
    files = await host.say(f"/export {open_poll}")
    csv_file = files[0].file
    assert csv_file is not None
    assert f"{open_poll},Open?,single,False,open,ballot,Alice,2,B,1" in csv_file.data.decode()
    secret = await published(host, "Secret? | A | B | secret")
    await cast_secretly(alice, secret, 1)
    exported = await host.say(f"/export {secret}")
    json_file = exported[1].file
    assert json_file is not None
    assert '"ballots"' not in json_file.data.decode()
    assert "Alice" not in exported[0].file.data.decode()  # type: ignore[union-attr]
    assert "Only organisers" in texts(await alice.say(f"/export {open_poll}"))


async def test_votes_from_linked_accounts_count_once(
    moot: Moot, community: str, host: Resident
) -> None:
    (alice,) = await members(moot, host, "Alice")
    poll_id = await published(host, "Once? | A | B")
    other = Resident(moot, "telegram", "555", "Alice on Telegram")
    await alice.say(f"/vote {poll_id} 1")
    code = link_code(texts(await alice.privately("/link")))
    await other.say(f"/vote {poll_id} 2")  # not a member yet on this account: refused
    await other.privately(f"/link {code}")
    assert "replaces your earlier vote" in texts(await other.privately(f"/vote {poll_id} 2"))
    assert "Turnout: 1 of 2" in texts(await host.say(f"/results {poll_id}"))


async def test_a_secret_ballot_voted_from_two_accounts_blocks_linking(
    moot: Moot, community: str, host: Resident
) -> None:
    await host.say("/joinpolicy open")
    first = Resident(moot, "console", "ann", "Ann")
    second = Resident(moot, "console", "ann2", "Ann again")
    for person in (first, second):
        await person.say("/join")
    poll_id = await published(host, "Chair? | X | Y | secret")
    for person in (first, second):
        await cast_secretly(person, poll_id, 1)
    code = link_code(texts(await first.privately("/link")))
    refused = await second.privately(f"/link {code}")
    assert "Link them after it closes" in texts(refused)


async def test_a_poll_posted_in_two_chats_counts_votes_together(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    telegram = RecordingOutlet("telegram")
    moot.attach(telegram)
    tg_admin = Resident(moot, "telegram", "900", "Tg Admin", chat_admin=True)
    await tg_admin.say(f"/setup {community}", group("telegram", "-100"))
    (alice,) = await members(moot, host, "Alice")
    tg_member = Resident(moot, "telegram", "901", "Tess")
    await tg_member.say("/join", group("telegram", "-100"))
    poll_id = await published(host, "Shared? | A | B")
    assert f"Posted poll #{poll_id} in telegram group (Telegram)." in texts(
        await host.say(f"/post {poll_id} all")
    )
    assert poll_messages(telegram)
    await alice.say(f"/vote {poll_id} 1")
    await tg_member.press(f"vote {poll_id} 1", group("telegram", "-100"))
    assert "1. A — 2 votes (100%)" in telegram.edits[-1][2].text
    assert "1. A — 2 votes (100%)" in outlet.edits[-1][2].text
    assert "already there" in texts(await host.say(f"/post {poll_id}"))
    assert "Run /post" in texts(await host.say(f"/post {poll_id}", dm("console", "host")))


async def test_running_totals_always_equal_a_recount(
    moot: Moot, community: str, host: Resident
) -> None:
    """The totals kept by each vote must never drift from the votes themselves, through first
    votes, changed votes, repeated votes and refused ones."""
    voters = await members(moot, host, *(f"Voter{n}" for n in range(8)))
    poll_id = await published(host, "Colour? | Red | Green | Blue | Grey")
    rng = random.Random(2026)
    expected: dict[str, int] = {}
    for _ in range(120):
        person, choice = rng.choice(voters), rng.randint(0, 5)  # 0 and 5 are refused
        await person.say(f"/vote {poll_id} {choice}")
        if 1 <= choice <= 4:
            expected[person.user_id] = choice
    kept = await moot.read(
        lambda s: sorted((c.choice, c.votes) for c in s.exec(select(PollCount)) if c.votes)
    )
    recount = await moot.read(
        lambda s: sorted(
            (choice, n)
            for choice, n in s.connection().execute(
                text("SELECT choice, count(*) FROM vote WHERE poll_id = :p GROUP BY choice"),
                {"p": poll_id},
            )
        )
    )
    assert kept == recount
    assert kept == sorted(Counter(expected.values()).items())


async def test_closed_results_never_change(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    """Two accounts of one person both voted; linking them after the close, or a late paper
    tally, leaves the closed result exactly as announced."""
    first, second, carol = await members(moot, host, "Alice", "Alice Again", "Carol")
    open_poll = await published(host, "Bins? | Yes | No")
    secret = await published(host, "Chair? | Ann | Raj | secret")
    for voter in (first, second, carol):
        await voter.say(f"/vote {open_poll} 1")
        await cast_secretly(voter, f"1.{secret}", 2)
    for poll in (open_poll, secret):
        await host.say(f"/close {poll}")
    before = {poll: texts(await host.say(f"/results {poll}")) for poll in (open_poll, secret)}
    assert "Turnout: 3 of 4 eligible (75%)" in before[open_poll]
    assert "Turnout: 3 of 4 eligible (75%)" in before[secret]

    issued = await first.privately("/link")
    code = next(word for word in texts(issued).split() if word.startswith("LINK-"))
    assert "one member" in texts(await second.privately(f"/link {code.rstrip('.')}"))
    assert "results are final" in texts(await host.say(f"/paper {open_poll} 5 2=5"))
    for poll in (open_poll, secret):
        assert texts(await host.say(f"/results {poll}")) == before[poll]


def card_of(outlet: RecordingOutlet, number: int) -> str:
    """The latest text of poll #number's card: its last edit, or the card as posted."""
    cards = [r for _, r in outlet.chats if r.text.startswith(f"📊 Poll #{number}:")]
    cards += [r for _, _, r in outlet.edits if r.text.startswith(f"📊 Poll #{number}:")]
    return cards[-1].text


async def link(first: Resident, second: Resident) -> str:
    """`second` redeems a code `first` asked for; what `second` is told."""
    issued = await first.privately("/link")
    code = next(word for word in texts(issued).split() if word.startswith("LINK-"))
    return texts(await second.privately(f"/link {code.rstrip('.')}"))


async def test_linking_two_accounts_that_both_voted_says_which_vote_was_kept(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    first, second = await members(moot, host, "Alice", "Alice Again")
    first.platform = second.platform = "console"
    bins = await published(host, "Bins? | Yes | No")
    garden = await published(host, "Name the garden | Oak | Elm | Yew | kind: ranked")
    await first.say(f"/vote {bins} 1")
    await second.say(f"/vote {bins} 2")
    await first.say(f"/vote {garden} 3 1")
    await second.say(f"/vote {garden} 2")
    await moot.drain()
    assert "1. Yes — 1 vote (50%)" in card_of(outlet, bins)  # before: both accounts counted

    said = await link(first, second)
    assert "one member" in said
    assert (
        f"Poll #{bins} (Elm Court): both accounts had voted. The vote of your console account, "
        "which asked for the link code, is kept (Yes); the vote of this console account (No) no "
        "longer counts." in said
    )
    assert f"Poll #{garden} (Elm Court): both accounts had voted." in said
    assert "is kept (Yew > Oak)" in said
    await moot.drain()
    card = card_of(outlet, bins)
    assert "1. Yes — 1 vote (100%)" in card
    assert "2. No — 0 votes" in card
    assert "Turnout: 1 of 2 eligible" in card
    result = texts(await host.say(f"/results {bins}"))
    assert "2. No — 0 votes" in result


async def test_linking_keeps_a_paper_vote_over_an_online_one(
    moot: Moot, community: str, host: Resident
) -> None:
    first, second = await members(moot, host, "Alice", "Alice Again")  # members #2 and #3
    bins = await published(host, "Bins? | Yes | No")
    await host.say(f"/papervoters {bins} 2")
    await host.say(f"/paper {bins} 1 1=1")
    await second.say(f"/vote {bins} 2")
    said = await link(first, second)
    assert "its paper vote stands and the online vote (No) no longer counts" in said
    result = texts(await host.say(f"/results {bins}"))
    assert "2. No — 0 votes" in result
    assert "Turnout: 1 of 2 eligible" in result

    secret = await published(host, "Chair? | Ann | Raj | secret")
    third, fourth = await members(moot, host, "Bob", "Bob Again")  # members #4 and #5
    await host.say(f"/papervoters {secret} 4")
    await cast_secretly(fourth, f"1.{secret}", 2)
    said = await link(third, fourth)
    assert "Link them after it closes" in said


async def test_open_polls_come_a_page_at_a_time(moot: Moot, community: str, host: Resident) -> None:
    for number in range(1, 24):
        await published(host, f"Question {number:02d}? | Yes | No | closes: in {number} days")
    first = (await host.say("/polls"))[0]
    assert first.visibility is Visibility.ACTOR
    assert first.text.startswith("Open polls (23), page 1 of 3:")
    assert "Question 01?" in first.text
    assert "Question 11?" not in first.text
    assert [b.command for b in first.buttons] == ["polls 1.2"]
    second = (await host.press("polls 1.2"))[0]
    assert "Question 11?" in second.text
    assert "Question 10?" not in second.text
    assert [b.label for b in second.buttons] == ["◀ Previous", "Next ▶"]
    last = texts(await host.say("/polls 3"))
    assert "Question 23?" in last
    assert "More:" not in last
    assert "There are 3 page(s) of open polls: try /polls 3." in texts(await host.say("/polls 9"))
    assert "Pages are numbered from 1" in texts(await host.say("/polls 0"))


async def test_a_vote_cast_before_its_voter_left_keeps_its_place_in_the_turnout(
    moot: Moot, community: str, host: Resident
) -> None:
    alice, _bob = await members(moot, host, "Alice", "Bob")  # members #2 and #3
    bins = await published(host, "Bins? | Yes | No")
    await alice.say(f"/vote {bins} 1")
    await host.say("/remove 2")
    result = texts(await host.say(f"/results {bins}"))
    assert "1. Yes — 1 vote (100%)" in result
    assert "Turnout: 1 of 3 eligible (33%)" in result  # not "1 of 2": Bob has not voted
    await host.say(f"/close {bins}")
    assert "Turnout: 1 of 3 eligible (33%)" in texts(await host.say(f"/results {bins}"))


async def test_one_persons_quick_presses_count_in_the_order_they_were_made(
    moot: Moot, community: str, host: Resident, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two presses a moment apart: the first one's arrival lookup is slow (a busy server), and
    still the ranking is the one pressed, not the one that finished first."""
    (alice,) = await members(moot, host, "Alice")
    poll_id = await published(host, "Name the garden | Oak | Elm | Yew | kind: ranked")
    await alice.press(f"ballot {poll_id}")
    peek = moot.store.peek
    slowed = [0.3]

    async def slow_first_peek(query: Callable[[RawConnection], T]) -> T:
        if slowed:
            await asyncio.sleep(slowed.pop())
        return await peek(query)

    monkeypatch.setattr(moot.store, "peek", slow_first_peek)
    first = asyncio.create_task(alice.press(f"pick {poll_id} 3"))
    await asyncio.sleep(0.05)  # the second press arrives while the first is still looked up
    second = await alice.press(f"pick {poll_id} 1")
    await first
    assert "Yew > Oak" in texts(second)
    assert "(Yew > Oak) is counted" in texts(await alice.press(f"cast {poll_id}"))
