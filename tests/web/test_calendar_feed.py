"""Calendar subscriptions, fetched over HTTP as Google, Apple and Outlook calendars fetch them,
and read with vobject, a parser independent of the icalendar library Moot writes them with: a
moved meeting updates the same event (its UID kept, its SEQUENCE raised), a cancelled one is
marked cancelled on that same event, each carries its place and join link, and a member's own
feed holds only the meetings they said they are going to."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
import pytest
import vobject
from sqlmodel import Session, select

from bot.clock import ManualClock
from bot.core import Moot
from bot.features import ALL_FEATURES
from bot.web.service import feed_token
from bot.web.settings import WebSettings
from storage.models import Community, Person
from storage.store import Store
from tests.conftest import STOP_WITHIN_SECONDS
from tests.helpers import RecordingOutlet, Resident, texts
from tests.poll_helpers import members
from tests.web.serving import serving

AGM = "Residents' AGM | Thursday 19:00 | place: Community hall | link: https://meet.example/agm"


@pytest.fixture
async def moot(database_url: str, clock: ManualClock) -> AsyncIterator[Moot]:
    """At an address others can reach, so each meeting's card carries its calendar link."""
    core = Moot(
        Store(database_url), clock, ALL_FEATURES, settings=[WebSettings("https://moot.example")]
    )
    await core.start()
    yield core
    await asyncio.wait_for(core.stop(), STOP_WITHIN_SECONDS)


@dataclass(frozen=True)
class Event:
    uid: str
    sequence: int
    start: datetime
    status: str
    location: str | None
    url: str | None


async def announce(host: Resident, definition: str) -> int:
    said = texts(await host.say(f"/meeting {definition}"))
    number = int(said.split("Draft meeting #")[1].split(":")[0])
    assert "is announced" in texts(await host.press(f"announce 1.{number}"))
    return number


async def feed_path(moot: Moot, person: str, *, whole: bool) -> str:
    """A member's (by name) calendar address for Elm Court: all its meetings (whole) or only
    those they are going to."""

    def token(session: Session) -> str:
        community = session.exec(select(Community.id)).one()
        person_id = session.exec(select(Person.id).where(Person.name == person)).one()
        assert community is not None
        assert person_id is not None
        return feed_token(session, community, person_id, whole=whole)

    return f"/feeds/{await moot.write(token)}.ics"


def card_link(outlet: RecordingOutlet, title: str) -> str:
    """The path of the "add to calendar" link on the meeting's card as posted."""
    posted = [r.text for _, r in outlet.chats if title in r.text and "Add to calendar" in r.text]
    assert posted, title
    found = re.search(r"Add to calendar: https://moot\.example(/calendar/\S+\.ics)", posted[-1])
    assert found is not None, posted[-1]
    return found.group(1)


async def fetched(base_url: str, path: str) -> dict[str, Event]:
    """The feed's events by summary, as a calendar app downloads and reads them."""
    async with aiohttp.ClientSession() as client, client.get(base_url + path) as response:
        assert response.status == 200, path
        assert response.content_type == "text/calendar"
        body = await response.text()
    calendar = vobject.readOne(body)
    events: dict[str, Event] = {}
    for event in getattr(calendar, "vevent_list", []):
        assert event.summary.value not in events, "one event per meeting"
        events[event.summary.value] = Event(
            uid=event.uid.value,
            sequence=int(event.sequence.value),
            start=event.dtstart.value.astimezone(UTC),
            status=event.status.value,
            location=event.location.value if hasattr(event, "location") else None,
            url=event.url.value if hasattr(event, "url") else None,
        )
    return events


async def test_a_moved_then_cancelled_meeting_updates_the_same_event_in_the_community_feed(
    moot: Moot, community: str, host: Resident, clock: ManualClock, outlet: RecordingOutlet
) -> None:
    await host.say("/web public")
    await announce(host, AGM)
    await announce(host, "Coffee morning | Friday 10:00 | place: Garden")
    path = await feed_path(moot, "Host", whole=True)
    assert await feed_path(moot, "Host", whole=True) == path  # the same address every time
    async with serving(moot) as base_url:
        first = await fetched(base_url, path)
        agm = first["Residents' AGM"]
        assert agm.start == datetime(2026, 11, 26, 19, 0, tzinfo=UTC)
        assert agm.location == "Community hall"
        assert agm.url == "https://meet.example/agm"
        assert agm.status == "CONFIRMED"
        assert first["Coffee morning"].location == "Garden"
        assert first["Coffee morning"].uid != agm.uid

        assert "now starts" in texts(await host.say("/movemeeting 1 Friday 19:00"))
        moved = (await fetched(base_url, path))["Residents' AGM"]
        assert moved.uid == agm.uid
        assert moved.sequence > agm.sequence
        assert moved.start == datetime(2026, 11, 27, 19, 0, tzinfo=UTC)

        assert "is cancelled" in texts(await host.say("/cancelmeeting 1 The hall flooded"))
        after = await fetched(base_url, path)
        cancelled = after["Residents' AGM"]
        assert (cancelled.uid, cancelled.status) == (agm.uid, "CANCELLED")
        assert cancelled.sequence > moved.sequence
        assert after["Coffee morning"] == first["Coffee morning"]  # untouched

        one = await fetched(base_url, card_link(outlet, "Coffee morning"))
        assert list(one) == ["Coffee morning"]  # the "add to calendar" link of a card
        assert one["Coffee morning"].uid == first["Coffee morning"].uid


async def test_a_members_own_feed_holds_only_the_meetings_they_are_going_to(
    moot: Moot, community: str, host: Resident
) -> None:
    alice, bob = await members(moot, host, "Alice", "Bob")
    await host.say("/web members")
    await announce(host, AGM)
    await announce(host, "Coffee morning | Friday 10:00 | place: Garden")
    await announce(host, "Gardening day | Saturday 10:00 | place: Garden")
    await alice.say("/rsvp 1 going")
    await alice.say("/rsvp 2 maybe")
    await alice.say("/rsvp 3 cant")
    await bob.say("/rsvp 2 going")
    alices = await feed_path(moot, "Alice", whole=False)
    bobs = await feed_path(moot, "Bob", whole=False)
    assert alices != bobs
    async with serving(moot) as base_url:
        assert list(await fetched(base_url, alices)) == ["Residents' AGM"]
        assert list(await fetched(base_url, bobs)) == ["Coffee morning"]
        await alice.say("/rsvp 1 cant")
        await alice.say("/rsvp 3 going")
        assert list(await fetched(base_url, alices)) == ["Gardening day"]
