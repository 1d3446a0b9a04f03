"""Results as residents read them: one verdict that never contradicts itself, rules that mean what
they say, and the same verdict in the export."""

from __future__ import annotations

import json
from typing import Any

from bot.core import Moot
from tests.helpers import Resident, texts
from tests.poll_helpers import members, published


async def closed_results(host: Resident, poll_id: int) -> str:
    await host.say(f"/close {poll_id}")
    return texts(await host.say(f"/results {poll_id}"))


async def exported(host: Resident, poll_id: int) -> dict[str, Any]:
    files = await host.say(f"/export {poll_id}")
    json_file = next(
        r.file for r in files if r.file is not None and r.file.filename.endswith(".json")
    )
    document: dict[str, Any] = json.loads(json_file.data)[0]
    return document


async def test_a_void_poll_says_only_that_it_is_void(
    moot: Moot, community: str, host: Resident
) -> None:
    alice, _bob, _cat = await members(moot, host, "Alice", "Bob", "Cat")
    poll_id = await published(host, "Big decision? | Yes | No | quorum: 75% | threshold: majority")
    await alice.say(f"/vote {poll_id} 1")
    result = await closed_results(host, poll_id)
    assert "Void: the quorum 75% of the electorate was not met, so nothing was decided." in result
    for contradiction in ("Winner", "pass", "Leading"):
        assert contradiction not in result
    document = await exported(host, poll_id)
    assert document["winner"] is None
    assert document["passed"] is False  # it has a pass rule, and a void poll passed nothing
    assert document["quorum_met"] is False
    assert document["verdict"].startswith("Void")
    no_rule = await published(host, "Small decision? | Yes | No | quorum: 75%")
    await alice.say(f"/vote {no_rule} 1")
    await closed_results(host, no_rule)
    assert (await exported(host, no_rule))["passed"] is None  # nothing to pass without a rule


async def test_a_winner_is_never_named_when_the_threshold_was_not_reached(
    moot: Moot, community: str, host: Resident
) -> None:
    alice, bob, cat = await members(moot, host, "Alice", "Bob", "Cat")
    poll_id = await published(host, "Repaint the hall? | Blue | Green | threshold: two-thirds")
    for person, choice in ((alice, 1), (bob, 1), (cat, 2), (host, 2)):
        await person.say(f"/vote {poll_id} {choice}")
    result = await closed_results(host, poll_id)
    assert "Nothing passed: Blue led with 2 of 4 votes cast (50%), short of two thirds." in result
    assert "Winner" not in result
    document = await exported(host, poll_id)
    assert document["passed"] is False
    assert document["winner"] is None


async def test_a_winner_that_clears_the_threshold_is_named_once(
    moot: Moot, community: str, host: Resident
) -> None:
    alice, bob, _cat = await members(moot, host, "Alice", "Bob", "Cat")
    poll_id = await published(host, "Repaint the hall? | Blue | Green | threshold: majority")
    for person, choice in ((alice, 2), (bob, 2), (host, 1)):
        await person.say(f"/vote {poll_id} {choice}")
    result = await closed_results(host, poll_id)
    assert "Winner: Green, with 2 of 3 votes cast (67%); it needed a majority" in result
    assert result.count("Winner") == 1
    assert (await exported(host, poll_id))["winner"] == 2


async def test_a_proposal_always_says_passed_or_not_passed(
    moot: Moot, community: str, host: Resident
) -> None:
    alice, bob, cat = await members(moot, host, "Alice", "Bob", "Cat")
    carried = await published(host, "Adopt the garden rota | kind: proposal")
    await alice.say(f"/vote {carried} agree")
    await bob.say(f"/vote {carried} agree")
    await cat.say(f"/vote {carried} disagree")
    await host.say(f"/vote {carried} abstain")
    result = await closed_results(host, carried)
    assert "The proposal passed: 2 agree of 3 who took a side (67%)" in result
    assert (await exported(host, carried))["passed"] is True

    split = await published(host, "Ban barbecues | kind: proposal")
    await alice.say(f"/vote {split} agree")
    await bob.say(f"/vote {split} disagree")
    result = await closed_results(host, split)
    assert "The proposal did not pass: 1 agree of 2 who took a side (50%)" in result
    assert (await exported(host, split))["passed"] is False


async def test_a_ranked_threshold_counts_every_ballot_cast(
    moot: Moot, community: str, host: Resident
) -> None:
    """4 ballots, one of which ranks only an eliminated option: the winner's 2 of the 3 ballots
    still continuing is not more than half of the 4 cast."""
    alice, bob, cat = await members(moot, host, "Alice", "Bob", "Cat")
    poll_id = await published(host, "Chair | Ann | Raj | Sue | kind: ranked | threshold: majority")
    await alice.say(f"/vote {poll_id} 1 2")
    await bob.say(f"/vote {poll_id} 1")
    await cat.say(f"/vote {poll_id} 2")
    await host.say(f"/vote {poll_id} 3")
    result = await closed_results(host, poll_id)
    assert "Round 1: Ann 2, Raj 1, Sue 1." in result
    assert "Sue has the fewest and is eliminated" in result
    assert "Round 2: Ann 2, Raj 1; 1 with no choice left. Ann has 2 of 3 and wins." in result
    assert "Nothing passed: Ann led with 2 of 4 votes cast (50%), short of a majority" in result


async def test_a_budget_never_funds_a_project_nobody_voted_for(
    moot: Moot, community: str, host: Resident
) -> None:
    (alice,) = await members(moot, host, "Alice")
    poll_id = await published(
        host, "Share £5,000 | Benches £1,000 | Bulbs £500 | kind: budget | budget: £5000"
    )
    await alice.say(f"/vote {poll_id} 1")
    result = await closed_results(host, poll_id)
    assert "Funded: Benches (£1,000)" in result
    assert "Not funded: Bulbs" in result
    assert "Left over: £4,000" in result
    assert "a project with no votes is never funded" in result


async def test_scores_and_ties_read_as_people_say_them(
    moot: Moot, community: str, host: Resident
) -> None:
    (alice,) = await members(moot, host, "Alice")
    scored = await published(host, "Rate the fair | Food | Music | kind: score")
    await alice.say(f"/vote {scored} 1 2")
    result = await closed_results(host, scored)
    assert "1. Food — 1 point" in result
    assert "1 points" not in result
    assert "2. Music — 2 points" in result

    tied = await published(host, "Day? | Sat | Sun")
    await alice.say(f"/vote {tied} 2")
    await host.say(f"/vote {tied} 1")
    result = await closed_results(host, tied)
    assert "Winner: Sat (tied with Sun; ties go to the option listed first)" in result
