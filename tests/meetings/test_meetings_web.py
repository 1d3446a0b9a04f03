"""The Meetings page and the home page's next meetings, as each kind of visitor sees them:
times and answers for everyone who may see the community's meetings; the place, the link to join,
the agenda, the minutes and the action items for members only; cancelled meetings marked."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from bot.core import Moot
from bot.meetings.feature import FEATURE
from bot.meetings.web import MEETINGS, NEXT_MEETINGS
from tests.helpers import Resident
from tests.meetings.test_meetings import AGM, announced
from tests.page_helpers import load, page_html, panel_html, text_of, viewer
from tests.poll_helpers import members


async def test_everyone_sees_what_is_coming_and_members_also_how_to_join_and_the_agenda(
    moot: Moot, community: str, host: Resident
) -> None:
    alice, bob = await members(moot, host, "Alice", "Bob")
    await announced(host, AGM)  # Thursday 26 Nov, 19:00
    garden = await announced(host, "Garden day | Saturday 10:00 | place: Courtyard")
    await host.say(f"/cancelmeeting {garden} Rain")
    await alice.press("rsvp 1.1 going")
    await bob.press("rsvp 1.1 maybe")
    await alice.say("/propose 1 Bike storage")
    await host.say("/agendaitem 1 1 accept")
    await bob.say("/propose 1 Declined idea")
    await host.say("/agendaitem 1 2 decline")
    await host.say("/meeting Secret planning | Friday 10:00")  # a draft, never announced

    stranger = await viewer(moot)
    assert stranger.may_see(MEETINGS.rule)  # as a meeting's card in the chat, and /ics
    html = await page_html(moot, MEETINGS, stranger)
    page = text_of(html)
    assert "Meeting #1: Residents' AGM Thu 26 Nov 2026, 19:00 · 1 hour" in page
    assert "Community hall" not in page  # the place may be someone's home: members only
    assert "Going 1 · Maybe 1 · Can't come 0" in page
    assert "Cancelled: Meeting #2: Garden day" in page
    assert "Secret planning" not in page  # a draft
    assert "meet.example" not in html
    assert "Bike storage" not in page
    assert 'aria-label="Meeting #1: answers so far"' in html
    assert "style=" not in html

    member_html = await page_html(moot, MEETINGS, await viewer(moot, "Bob"))
    assert '<a href="https://meet.example/agm"' in member_html
    member_page = text_of(member_html)
    assert "Where: Community hall" in member_page
    assert "Agenda Bike storage" in member_page
    assert "Declined idea" not in member_page

    panel = text_of(await panel_html(moot, NEXT_MEETINGS, stranger))
    assert "Meeting #1: Residents' AGM · Thu 26 Nov 2026, 19:00 ·" in panel
    assert "Community hall" not in panel
    assert "Cancelled: Meeting #2: Garden day" in panel
    assert (await load(moot, NEXT_MEETINGS, stranger))["total"] == 2
    assert FEATURE.pages == (MEETINGS,)
    assert FEATURE.panels == (NEXT_MEETINGS,)


async def test_past_meetings_keep_their_minutes_and_actions_for_members(
    moot: Moot, community: str, host: Resident, clock: ManualClock
) -> None:
    await members(moot, host, "Alice", "Bob")  # members #2, #3
    await announced(host, AGM)
    await clock.advance(timedelta(days=3, hours=10, minutes=30))  # Thursday 19:30, under way
    await moot.drain()
    await host.say("/actionitem 1 3 | Fix the gate | due: 2026-12-04")
    await host.say("/minutes 1 We agreed to paint the railings green.")

    under_way = text_of(await page_html(moot, MEETINGS, await viewer(moot)))
    coming = under_way[under_way.index("Coming up") : under_way.index("Past meetings")]
    assert "Residents' AGM" in coming  # until it ends
    await clock.advance(timedelta(hours=1))

    stranger = text_of(await page_html(moot, MEETINGS, await viewer(moot)))
    past = stranger[stranger.index("Past meetings") :]
    assert "Meeting #1: Residents' AGM" in past
    assert "No meetings are coming up." in stranger
    assert "railings" not in stranger
    assert "Fix the gate" not in stranger

    member = text_of(await page_html(moot, MEETINGS, await viewer(moot, "Alice")))
    assert "Minutes We agreed to paint the railings green." in member
    assert "#1 Fix the gate — Bob, due Fri 4 Dec 2026, end of the day" in member
