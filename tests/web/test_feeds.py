"""Calendar subscriptions: served as text/calendar to whoever holds the address, and the same
404 as any missing page for an address that was never given out. Each member has two addresses
of their own, which stop when they are removed; a card's "add to calendar" link opens that one
meeting and its key opens nothing else."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import icalendar
import pytest

from bot.clock import ManualClock
from bot.core import Moot
from bot.features import ALL_FEATURES
from bot.web.settings import WebSettings
from storage.store import Store
from tests.conftest import STOP_WITHIN_SECONDS
from tests.helpers import RecordingOutlet, Resident, shown, texts
from tests.poll_helpers import members
from tests.web.conftest import OpenBrowser
from tests.web.sample import SAMPLE

BASE = "https://moot.example"
FEED = re.compile(re.escape(BASE) + r"(/feeds/[A-Za-z0-9_-]+\.ics)")
CARD_LINK = re.compile(r"Add to calendar: " + re.escape(BASE) + r"(/calendar/([0-9a-f-]{36})\.ics)")


@pytest.fixture
async def moot(database_url: str, clock: ManualClock) -> AsyncIterator[Moot]:
    """The test's Moot at an address others can reach, so cards carry a calendar link."""
    core = Moot(Store(database_url), clock, (*ALL_FEATURES, SAMPLE), settings=[WebSettings(BASE)])
    await core.start()
    yield core
    await asyncio.wait_for(core.stop(), STOP_WITHIN_SECONDS)


async def announce(host: Resident, definition: str) -> None:
    said = texts(await host.say(f"/meeting {definition}"))
    number = int(said.split("Draft meeting #")[1].split(":")[0])
    assert "is announced" in texts(await host.press(f"announce 1.{number}"))


async def addresses(resident: Resident) -> tuple[str, str]:
    """The member's two calendar paths from /web: the community's meetings, and their own."""
    whole, own = FEED.findall(texts(await resident.privately("/web")))
    return whole, own


def summaries(body: str) -> list[str]:
    calendar = icalendar.Calendar.from_ical(body)
    return sorted(str(event["SUMMARY"]) for event in calendar.walk("VEVENT"))


def card_link(outlet: RecordingOutlet, number: int) -> tuple[str, str]:
    """The path of the meeting's card's "add to calendar" link, and its key."""
    card = next(shown(r) for _, r in outlet.chats if r.text.startswith(f"📅 Meeting #{number}"))
    found = CARD_LINK.search(card)
    assert found is not None, card
    return found.group(1), found.group(2)


async def test_feeds_are_calendars_and_unknown_ones_are_not_found(
    moot: Moot, host: Resident, community: str, open_browser: OpenBrowser, outlet: RecordingOutlet
) -> None:
    await announce(host, "Garden day | Thursday 10:00 | place: Community hall")
    whole, own = await addresses(host)
    card, _ = card_link(outlet, 1)
    browser = open_browser()
    nowhere = (await browser.get("/nowhere")).text
    for path in (whole, own, card):
        feed = await browser.get(path)
        assert feed.status == 200, path
        assert feed.headers["Content-Type"] == "text/calendar; charset=utf-8"
        assert feed.text.startswith("BEGIN:VCALENDAR")
        assert feed.headers["Cache-Control"] == "private, no-store"
    for path in (
        "/feeds/never-given-out.ics",
        "/calendar/00000000-0000-4000-8000-000000000000.ics",
        "/calendar/not-a-key.ics",
        whole.removesuffix(".ics") + "/meeting-1.ics",  # the old form of a card's link
    ):
        missing = await browser.get(path)
        assert missing.status == 404, path
        assert missing.text == nowhere


async def test_a_cards_link_opens_that_meeting_only_and_its_key_nothing_else(
    moot: Moot, host: Resident, community: str, open_browser: OpenBrowser, outlet: RecordingOutlet
) -> None:
    await announce(host, "Garden day | Thursday 10:00 | link: https://meet.example/garden")
    await announce(host, "Secret-ish AGM | Friday 19:00 | link: https://meet.example/agm")
    path, key = card_link(outlet, 1)
    browser = open_browser()
    one = await browser.get(path)
    assert summaries(one.text) == ["Garden day"]
    assert "meet.example/agm" not in one.text
    for elsewhere in (
        f"/feeds/{key}.ics",
        f"/feeds/{key}/meeting-2.ics",
        f"/calendar/{key}/meeting-2.ics",
    ):
        assert (await browser.get(elsewhere)).status == 404, elsewhere


async def test_a_members_community_calendar_lists_every_announced_meeting(
    moot: Moot, host: Resident, community: str, open_browser: OpenBrowser
) -> None:
    (alice,) = await members(moot, host, "Alice")
    await announce(host, "Garden day | Thursday 10:00")
    await announce(host, "Residents' AGM | Friday 19:00")
    await host.say("/meeting Planning | Saturday 10:00")  # a draft: in no calendar
    await alice.say("/rsvp 2 going")
    whole, own = await addresses(alice)
    browser = open_browser()
    assert summaries((await browser.get(whole)).text) == ["Garden day", "Residents' AGM"]
    assert summaries((await browser.get(own)).text) == ["Residents' AGM"]


async def test_a_removed_members_two_calendar_addresses_stop(
    moot: Moot, host: Resident, community: str, open_browser: OpenBrowser
) -> None:
    alice, bob = await members(moot, host, "Alice", "Bob")
    await announce(host, "Garden day | Thursday 10:00")
    alices, bobs = await addresses(alice), await addresses(bob)
    browser = open_browser()
    for path in (*alices, *bobs):
        assert (await browser.get(path)).status == 200, path
    assert "Removed" in texts(await host.say("/remove 2"))
    for path in alices:
        assert (await browser.get(path)).status == 404, path
    for path in bobs:  # everyone else's keep working
        assert (await browser.get(path)).status == 200, path
