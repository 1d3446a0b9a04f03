"""The calendar feeds the web serves, read back by an independent parser (icalendar): a moved
meeting keeps its UID with a higher SEQUENCE, a cancelled one says so, a member's own feed holds
only what they are going to, the community's feed reaches back 180 days (and forward to every
meeting to come), and one meeting's file opens by its calendar UID's random part, and only it."""

from __future__ import annotations

from datetime import timedelta

import icalendar
from sqlmodel import Session, select

from bot.clock import ManualClock
from bot.core import Moot
from bot.meetings.calendar import FEED_DAYS_BACK, calendar_key
from bot.meetings.feeds import community_feed, one_meeting, personal_feed
from storage.meetings import Meeting, MeetingSeries
from storage.models import Community, Person
from tests.helpers import Resident
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


async def uid_of(moot: Moot, number: int) -> str:
    """Elm Court's meeting's calendar UID (its series' for an occurrence of one)."""

    def read(session: Session) -> str:
        meeting = session.exec(select(Meeting).where(Meeting.number == number)).one()
        uid = meeting.calendar_uid
        if meeting.series_id is not None:
            uid = session.get_one(MeetingSeries, meeting.series_id).calendar_uid
        assert uid is not None
        return uid

    return await moot.read(read)


async def test_one_meetings_file_opens_by_its_own_key_only(
    moot: Moot, community: str, host: Resident, clock: ManualClock
) -> None:
    await announced(host, AGM)
    await host.say("/meeting Secret planning | Friday 10:00")  # draft #2
    await announced(host, "Coffee morning | Saturday 10:00 | repeat: weekly")  # #3 and on

    key = calendar_key(await uid_of(moot, 1))
    assert key is not None
    data = await moot.read(lambda s: one_meeting(s, key, clock.now()))
    assert data is not None
    assert list(events(data)) == ["Residents' AGM"]  # that meeting and nothing else

    series_key = calendar_key(await uid_of(moot, 3))
    assert series_key is not None
    series = await moot.read(lambda s: one_meeting(s, series_key, clock.now()))
    assert series is not None
    assert list(events(series)) == ["Coffee morning"]  # the series, once, with its rule
    assert "RRULE" in events(series)["Coffee morning"]

    draft_key = calendar_key(await uid_of(moot, 2))
    assert draft_key is not None
    assert await moot.read(lambda s: one_meeting(s, draft_key, clock.now())) is None
    made_up = "00000000-0000-4000-8000-000000000000"
    assert await moot.read(lambda s: one_meeting(s, made_up, clock.now())) is None


async def test_a_meeting_with_an_old_guessable_uid_has_no_key(
    moot: Moot, community: str, host: Resident
) -> None:
    """Meetings made before UIDs were random keep `meeting-<id>@moot`, which anyone could
    guess: such a meeting's file is not on the web."""
    await announced(host, AGM)

    def make_old(session: Session) -> None:
        meeting = session.exec(select(Meeting)).one()
        meeting.calendar_uid = f"meeting-{meeting.id}@moot"
        session.add(meeting)

    await moot.write(make_old)
    assert calendar_key(await uid_of(moot, 1)) is None
    assert calendar_key(None) is None


async def test_the_community_feed_reaches_back_180_days_and_forward_to_every_meeting(
    moot: Moot, community: str, host: Resident, clock: ManualClock
) -> None:
    await announced(host, "Long ago | Thursday 19:00")
    await announced(host, "A while ago | Thursday 19:00")
    await announced(host, "Far ahead | Thursday 19:00")
    community_id, _ = await ids(moot, "Host")
    now = clock.now()

    def place(session: Session) -> None:
        for number, when in (
            (1, now - timedelta(days=FEED_DAYS_BACK + 1)),
            (2, now - timedelta(days=FEED_DAYS_BACK - 1)),
            (3, now + timedelta(days=3 * 365)),
        ):
            meeting = session.exec(select(Meeting).where(Meeting.number == number)).one()
            meeting.starts_at = when
            session.add(meeting)

    await moot.write(place)
    data = await moot.read(lambda s: community_feed(s, community_id, now))
    assert sorted(events(data)) == ["A while ago", "Far ahead"]
    description = str(icalendar.Calendar.from_ical(data)["X-WR-CALDESC"])
    assert "from 180 days ago onward" in description
