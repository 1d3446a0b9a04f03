"""The calendar feeds the web serves, read back by an independent parser (icalendar): a moved
meeting keeps its UID with a higher SEQUENCE, a cancelled one says so, a member's own feed holds
only what they are going to, and one meeting's file is only its own community's."""

from __future__ import annotations

import icalendar
from sqlmodel import Session, select

from bot.clock import ManualClock
from bot.core import Moot
from bot.meetings.feeds import community_feed, one_meeting, personal_feed
from storage.models import Community, Person
from tests.helpers import Resident, group
from tests.meetings.test_meetings import AGM, announced
from tests.poll_helpers import members


def events(data: bytes) -> dict[str, dict[str, str]]:
    """The feed's events by summary: each property as the file writes it."""
    calendar = icalendar.Calendar.from_ical(data)
    return {
        str(event["SUMMARY"]): {key: _written(event[key].to_ical()) for key in event}
        for event in calendar.walk("VEVENT")
    }


def _written(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


async def ids(moot: Moot, person: str) -> tuple[int, int]:
    """Elm Court's id, and the person's."""

    def read(session: Session) -> tuple[int, int]:
        community = session.exec(select(Community.id).where(Community.name == "Elm Court")).one()
        found = session.exec(select(Person.id).where(Person.name == person)).one()
        assert community is not None
        assert found is not None
        return community, found

    return await moot.read(read)


async def test_a_moved_or_cancelled_meeting_updates_the_same_event_in_every_feed(
    moot: Moot, community: str, host: Resident, clock: ManualClock
) -> None:
    alice, _bob = await members(moot, host, "Alice", "Bob")
    await announced(host, AGM)
    await announced(host, "Garden day | Saturday 10:00 | place: Courtyard")
    await alice.press("rsvp 1.1 going")
    await alice.press("rsvp 1.2 maybe")
    community_id, alice_id = await ids(moot, "Alice")

    before = events(await moot.read(lambda s: community_feed(s, community_id, clock.now())))
    agm = before["Residents' AGM"]
    assert agm["LOCATION"] == "Community hall"
    assert agm["URL"] == "https://meet.example/agm"
    assert int(agm["SEQUENCE"]) == 0
    assert agm["STATUS"] == "CONFIRMED"

    await host.say("/movemeeting 1 Friday 19:00")
    await host.say("/cancelmeeting 2 Rain")
    after = events(await moot.read(lambda s: community_feed(s, community_id, clock.now())))
    moved = after["Residents' AGM"]
    assert moved["UID"] == agm["UID"]
    assert int(moved["SEQUENCE"]) > int(agm["SEQUENCE"])
    assert moved["DTSTART"] == "20261127T190000Z"
    cancelled = after["Garden day"]
    assert cancelled["UID"] == before["Garden day"]["UID"]
    assert cancelled["STATUS"] == "CANCELLED"

    mine = events(await moot.read(lambda s: personal_feed(s, community_id, alice_id, clock.now())))
    assert list(mine) == ["Residents' AGM"]  # she is going to it, and only maybe to the other
    assert mine["Residents' AGM"]["UID"] == agm["UID"]
    assert int(mine["Residents' AGM"]["SEQUENCE"]) == int(moved["SEQUENCE"])
    await alice.press("rsvp 1.1 cant")
    empty = await moot.read(lambda s: personal_feed(s, community_id, alice_id, clock.now()))
    assert events(empty) == {}


async def test_one_meeting_is_found_only_in_its_own_community(
    moot: Moot, community: str, host: Resident, clock: ManualClock
) -> None:
    await announced(host, AGM)
    await host.say("/meeting Secret planning | Friday 10:00")  # draft #2
    community_id, _ = await ids(moot, "Host")
    data = await moot.read(lambda s: one_meeting(s, community_id, 1, clock.now()))
    assert data is not None
    assert list(events(data)) == ["Residents' AGM"]
    assert await moot.read(lambda s: one_meeting(s, community_id, 2, clock.now())) is None
    assert await moot.read(lambda s: one_meeting(s, community_id, 9, clock.now())) is None
    other = Resident(moot, "console", "oak", "Oak host", chat_admin=True)
    await other.say("/setup Oak Lane", group("console", "oak-lane"))
    oak_id = await moot.read(
        lambda s: s.exec(select(Community.id).where(Community.name == "Oak Lane")).one() or 0
    )
    assert oak_id != community_id
    # Elm Court's meeting #1 is not Oak Lane's: asked for under Oak Lane, there is none.
    assert await moot.read(lambda s: one_meeting(s, oak_id, 1, clock.now())) is None
