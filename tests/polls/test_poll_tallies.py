"""The web's lists of polls read their tallies together (bot/polls/tallies.py): each must be
what `/results` counts for that poll alone, whatever its kind, ballot and electorate."""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot.core import Moot
from bot.polls import views
from bot.polls.tallies import tallies, voted_in
from storage.polls import Poll
from tests.helpers import Resident
from tests.poll_helpers import cast_secretly, members, published


async def test_tallies_read_together_match_each_polls_own(
    moot: Moot, community: str, host: Resident
) -> None:
    alice, bob, cat = await members(moot, host, "Alice", "Bob", "Cat")
    single = await published(host, "Paint? | Blue | Green")
    secret = await published(host, "Chair? | Ann | Ben | secret")
    ranked = await published(host, "Name the garden | Oak | Elm | Yew | kind: ranked")
    score = await published(host, "Rate | A | B | C | kind: score")
    proposal = await published(host, "Ban barbecues | kind: proposal")
    organisers = await published(host, "Budget sign-off? | Yes | No | voters: role organiser")
    await published(host, "Nobody voted | X | Y")
    for person in (alice, bob, cat):
        await person.say(f"/vote {single} 1")
        await person.say(f"/vote {ranked} 2 1")
        await person.say(f"/vote {score} 5 2 1")
    await alice.say(f"/vote {proposal} 1")
    await bob.say(f"/vote {proposal} block")
    for person in (alice, bob):
        await cast_secretly(person, secret, 2)
    await host.say(f"/vote {organisers} 1")
    await host.say("/remove 2")  # Alice leaves: her votes still count, and her place in the base
    await host.say(f"/close {single}")  # a closed poll's tally is the one kept at the close

    def read(session: Session) -> None:
        polls = session.exec(select(Poll).order_by(col(Poll.number))).all()
        shown = [views.load(session, p.id or 0) for p in polls]
        together = tallies(session, shown)
        assert together == {v.id: views.tally(session, v) for v in shown}
        turnout = {v.number: together[v.id].online for v in shown}
        assert [turnout[n] for n in (single, secret, ranked, score, proposal)] == [3, 2, 3, 3, 2]
        host_id = shown[0].poll.created_by_person_id
        assert voted_in(session, [v.id for v in shown], host_id) == {
            v.id for v in shown if v.number == organisers
        }

    await moot.read(read)
