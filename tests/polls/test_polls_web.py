"""The Decisions page and the home page's open polls, as each kind of visitor sees them: closed
polls with their results, verdicts and outcomes; open polls with their turnout, and their
choices only where /results would show them; drafts never."""

from __future__ import annotations

from datetime import timedelta

from bot.access import ANYONE
from bot.clock import ManualClock
from bot.core import Moot
from bot.pages import WebAccess
from bot.polls.feature import FEATURE
from bot.polls.web import DECISIONS, OPEN_POLLS
from tests.helpers import Resident
from tests.page_helpers import load, page_html, panel_html, text_of, viewer
from tests.poll_helpers import cast_secretly, draft, members, published


async def test_decisions_show_each_closed_poll_with_its_verdict_and_what_was_done(
    moot: Moot, community: str, host: Resident, clock: ManualClock
) -> None:
    alice, bob, cat = await members(moot, host, "Alice", "Bob", "Cat")
    hall = await published(host, "Repaint the hall? | Blue | Green | threshold: majority")
    for person, choice in ((alice, 1), (bob, 1), (cat, 2)):
        await person.say(f"/vote {hall} {choice}")
    await host.say(f"/close {hall}")
    await host.say(f"/outcome {hall} The hall is painted blue in January | review: 2027-02-01")
    await clock.advance(timedelta(hours=1))
    void = await published(host, "Sell the shed? | Yes | No | quorum: 75% | threshold: majority")
    await alice.say(f"/vote {void} 1")
    await host.say(f"/close {void}")

    stranger = await viewer(moot)
    assert stranger.may_see(DECISIONS.rule)  # as /results: anyone who sees the chat's polls
    page = text_of(await page_html(moot, DECISIONS, stranger))
    assert page.index(f"Poll #{void}: Sell the shed?") < page.index(f"Poll #{hall}: Repaint")
    assert "Quorum not met" in page
    assert "Void: the quorum 75% of the electorate was not met, so nothing was decided." in page
    assert "Passed" in page
    assert "Winner: Blue, with 2 of 3 votes cast (67%); it needed a majority" in page
    assert "Turnout: 3 of 4 eligible (75%)" in page
    assert "1. Blue 2 votes (67%)" in page
    assert "The hall is painted blue in January" in page
    assert "To be reviewed Mon 1 Feb 2027" in page
    assert "No outcome has been recorded yet." in page
    assert "2 closed polls, newest first." in page
    html = await page_html(moot, DECISIONS, stranger)
    assert '<svg class="chart"' in html
    assert 'role="img"' in html
    assert 'aria-label="Poll #1: votes for each option"' in html
    assert "style=" not in html
    assert "<script" not in html


async def test_open_polls_show_turnout_and_never_a_secret_ballots_choices(
    moot: Moot, community: str, host: Resident
) -> None:
    alice, bob = await members(moot, host, "Alice", "Bob")
    secret = await published(host, "Chair for next year? | Ann | Ben | secret")
    for voter in (alice, bob):
        await cast_secretly(voter, secret, 2)
    live = await published(host, "Bring food? | Yes | No")
    await alice.say(f"/vote {live} 1")
    after_vote = await published(host, "Party theme? | Disco | Jazz | results: after-vote")
    await bob.say(f"/vote {after_vote} 2")
    hidden, _ = await draft(host, "Secret plan? | A | B")

    for person in (None, "Alice", "Host"):
        who = await viewer(moot, person)
        html = await page_html(moot, DECISIONS, who)
        page = text_of(html)
        assert "Secret plan" not in page  # a draft, even for its creator
        assert f"Poll #{secret}: Chair for next year?" in page
        assert "Turnout: 2 of 3 eligible (67%)" in page
        assert "Results are shown after it closes." in page
        assert "2. Ben" not in page
        assert "1. Ann" not in page
        assert "1. Yes 1 vote (100%)" in page  # live results, for everyone who sees the poll
        theme = page[page.index("Party theme") :]
        assert "Results are shown once you have voted." in theme
        assert "Disco" not in theme
    bob_sees = text_of(await page_html(moot, DECISIONS, await viewer(moot, "Bob")))
    assert "2. Jazz 1 vote (100%)" in bob_sees  # he voted, as /results would show him
    assert f"Poll #{hidden}:" not in bob_sees


async def test_the_home_panel_lists_open_polls_with_their_turnout_only(
    moot: Moot, community: str, host: Resident
) -> None:
    (alice,) = await members(moot, host, "Alice")
    poll = await published(host, "Bring food? | Yes | No | closes: 2026-11-30 18:00")
    await alice.say(f"/vote {poll} 1")
    who = await viewer(moot, "Alice")
    panel = text_of(await panel_html(moot, OPEN_POLLS, who))
    assert f"Poll #{poll}: Bring food?" in panel
    assert "closes Mon 30 Nov 2026, 18:00" in panel
    assert "Turnout: 1 of 2 eligible (50%)" in panel
    assert "1. Yes" not in panel  # no choices on the home page
    data = await load(moot, OPEN_POLLS, who)
    assert data["total"] == 1


async def test_a_members_only_community_shows_decisions_to_members_alone(
    moot: Moot, community: str, host: Resident
) -> None:
    assert FEATURE.pages == (DECISIONS,)
    assert FEATURE.panels == (OPEN_POLLS,)
    assert DECISIONS.rule is ANYONE  # as /results
    await members(moot, host, "Alice")
    assert not (await viewer(moot, access=WebAccess.MEMBERS)).may_see(DECISIONS.rule)
    assert (await viewer(moot, "Alice", access=WebAccess.MEMBERS)).may_see(DECISIONS.rule)
    assert not (await viewer(moot, "Alice", access=WebAccess.OFF)).may_see(DECISIONS.rule)
