"""Meet, through the core as organisers and residents use it: a meeting from one line to its
reminders, answers merged per person, a waiting list, moves and cancellations that reach
everyone who answered, reminders across a restart, and calendar files."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path

import icalendar
import pytest
from sqlalchemy import inspect, text
from sqlmodel import Session

from bot.clock import ManualClock
from bot.core import Moot
from bot.events import Reply, Visibility, render_moments
from bot.features import ALL_FEATURES
from bot.meetings.calendar import community_feeds
from bot.meetings.recurrence import describe, occurrences, read_repeat
from storage.migrate import upgrade
from storage.store import Store
from tests.helpers import RecordingOutlet, Resident, dm, shown, texts
from tests.poll_helpers import members

AGM = "Residents' AGM | Thursday 19:00 | place: Community hall | link: https://meet.example/agm"


def cards(outlet: RecordingOutlet, number: int = 1) -> list[str]:
    """Meeting #number's card as posted, then each edit of it."""
    head = f"Meeting #{number}:"
    posted = [shown(r) for _, r in outlet.chats if head in r.text.split("\n")[0]]
    edited = [shown(r) for _, _, r in outlet.edits if head in r.text.split("\n")[0]]
    return posted + edited


def reminders_in_chat(outlet: RecordingOutlet) -> list[str]:
    return [r.text for _, r in outlet.chats if r.text.startswith("⏰ Reminder")]


async def announced(host: Resident, definition: str) -> int:
    preview = await host.say(f"/meeting {definition}")
    text = texts(preview)
    assert "Draft meeting #" in text, text
    number = int(text.split("Draft meeting #")[1].split(":")[0])
    said = texts(await host.press(f"announce 1.{number}"))
    assert "is announced" in said, said
    return number


async def test_a_meeting_from_one_line_to_its_reminders(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    alice, bob, cat = await members(moot, host, "Alice", "Bob", "Cat")
    preview = (await host.say(f"/meeting {AGM} | capacity: 2"))[0]
    assert preview.visibility is Visibility.ACTOR
    assert "Draft meeting #1: Residents' AGM" in shown(preview)
    assert "Thu 26 Nov 2026, 19:00 (Europe/London) · 1 hour" in shown(preview)
    assert "Where: Community hall · Online: https://meet.example/agm" in shown(preview)
    assert "Reminders: 1 day before, 1 hour before" in shown(preview)
    assert [b.command for b in preview.buttons] == ["announce 1.1", "discardmeeting 1.1"]
    assert cards(outlet) == []  # nothing in the chat until it is announced

    await host.press("announce 1.1")
    posted = next(r for _, r in outlet.chats if r.text.startswith("📅 Meeting #1"))
    assert [b.command for b in posted.buttons] == [
        "rsvp 1.1 going",
        "rsvp 1.1 maybe",
        "rsvp 1.1 cant",
    ]
    # The web's default address is 127.0.0.1, which nobody else in the chat could open: the
    # card offers /ics instead (tests/web checks the link a reachable address gives).
    assert "Add it to your calendar: /ics 1" in posted.text
    assert "http://127.0.0.1" not in posted.text
    assert "you are going" in texts(await alice.press("rsvp 1.1 going"))
    assert "you are going" in texts(await bob.say("/rsvp 1 going"))
    assert "number 1 on the waiting list" in texts(await cat.press("rsvp 1.1 going"))
    assert "number 1 on the waiting list" in texts(await cat.press("rsvp 1.1 going"))  # kept
    assert "Going 2 · Maybe 0 · Can't come 0 · 0 of 2 places left · 1 waiting" in cards(outlet)[-1]

    assert "apologies are noted" in texts(await alice.press("rsvp 1.1 cant"))
    assert any("A place came free at meeting #1" in t for t in outlet.dms_to("cat"))
    assert "Going 2 · Maybe 0 · Can't come 1 · 0 of 2 places left" in cards(outlet)[-1]

    await clock.advance(timedelta(days=2, hours=10))  # Wednesday 19:00: a day before
    await moot.drain()
    assert len(reminders_in_chat(outlet)) == 1
    assert "starts in 1 day" in reminders_in_chat(outlet)[0]
    assert "Community hall" in reminders_in_chat(outlet)[0]
    assert sum("⏰ Reminder" in t for t in outlet.dms_to("bob")) == 1
    assert sum("⏰ Reminder" in t for t in outlet.dms_to("cat")) == 1
    assert not any("⏰ Reminder" in t for t in outlet.dms_to("alice"))  # she sent apologies

    await clock.advance(timedelta(hours=23))  # Thursday 18:00
    await moot.drain()
    assert len(reminders_in_chat(outlet)) == 2
    assert "starts in 1 hour" in reminders_in_chat(outlet)[1]
    await clock.advance(timedelta(hours=2))
    await moot.drain()
    assert len(reminders_in_chat(outlet)) == 2  # never twice
    assert "has already started" in texts(await alice.press("rsvp 1.1 going"))


async def test_answers_are_one_per_person_across_linked_accounts(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    (alice,) = await members(moot, host, "Alice")
    await announced(host, AGM)
    await alice.press("rsvp 1.1 maybe")
    elsewhere = Resident(moot, "telegram", "tg-alice", "Alice")
    code = next(w for w in texts(await alice.privately("/link")).split() if w.startswith("LINK-"))
    assert "one member" in texts(await elsewhere.privately(f"/link {code.rstrip('.')}"))
    await elsewhere.press("rsvp 1.1 going")
    assert "Going 1 · Maybe 0" in cards(outlet)[-1]


async def test_moving_and_cancelling_reach_everyone_who_answered(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    alice, bob = await members(moot, host, "Alice", "Bob")
    await announced(host, AGM)
    await alice.press("rsvp 1.1 going")
    await bob.press("rsvp 1.1 cant")
    said = texts(await host.say("/movemeeting 1 Friday 19:00"))
    assert "now starts" in said
    assert "word is on its way to the 2 people who answered" in said
    for who in ("alice", "bob"):
        assert any("has moved from Thu 26 Nov 2026, 19:00" in t for t in outlet.dms_to(who))
    assert "Fri 27 Nov 2026, 19:00" in cards(outlet)[-1]

    await clock.advance(timedelta(days=2, hours=10))  # Wednesday 19:00: the old day-before time
    await moot.drain()
    assert reminders_in_chat(outlet) == []  # the moved meeting's old reminders send nothing
    await clock.advance(timedelta(days=1))  # Thursday 19:00: a day before the new time
    await moot.drain()
    assert len(reminders_in_chat(outlet)) == 1

    said = texts(await host.say("/cancelmeeting 1 The hall flooded"))
    assert "is cancelled; word is on its way to the 2 people who answered" in said
    assert any("is cancelled. Reason: The hall flooded" in t for t in outlet.dms_to("bob"))
    assert cards(outlet)[-1].startswith("❌ Cancelled · Meeting #1")
    assert "was cancelled" in texts(await alice.press("rsvp 1.1 going"))  # a stale button
    await clock.advance(timedelta(days=1))
    await moot.drain()
    assert len(reminders_in_chat(outlet)) == 1


async def test_reminders_that_fell_due_while_moot_was_down(
    database_url: str, clock: ManualClock
) -> None:
    """Down from Monday to Thursday 18:10: the day-before reminder is days late and skipped;
    the hour-before one is 10 minutes late, within the grace period, and sent marked late."""
    first = Moot(Store(database_url), clock, ALL_FEATURES)
    await first.start()
    outlet = RecordingOutlet("console")
    first.attach(outlet)
    host = Resident(first, "console", "host", "Host", chat_admin=True)
    await host.say("/setup Elm Court")
    await announced(host, AGM)
    await host.press("rsvp 1.1 going")
    await first.drain()
    await first.stop()

    await clock.set(clock.now() + timedelta(days=3, hours=9, minutes=10))  # Thursday 18:10
    second = Moot(Store(database_url), clock, ALL_FEATURES)
    again = RecordingOutlet("console")
    second.attach(again)
    await second.start()
    await second.drain()
    sent = reminders_in_chat(again)
    assert len(sent) == 1
    assert "starts in 1 hour" in sent[0]
    assert "This reminder is 10 minutes late" in sent[0]
    assert sum("⏰ Reminder" in t for t in again.dms_to("host")) == 1
    await second.stop()


async def test_reminders_are_prepared_ahead_and_withdrawn_when_things_change(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    """A reminder is made a minute or two early and waits for its moment; someone who stops
    going meanwhile is not reminded, and a meeting moved meanwhile sends no stale reminder."""
    alice, bob = await members(moot, host, "Alice", "Bob")
    await announced(host, AGM)
    await alice.press("rsvp 1.1 going")
    await bob.press("rsvp 1.1 going")
    await clock.advance(timedelta(days=2, hours=9, minutes=59))  # Wednesday 18:59
    await moot.drain()
    assert reminders_in_chat(outlet) == []
    assert not any("⏰ Reminder" in t for t in outlet.dms_to("alice"))
    await bob.press("rsvp 1.1 cant")
    await clock.advance(timedelta(minutes=1))  # Wednesday 19:00, a day before
    await moot.drain()
    assert len(reminders_in_chat(outlet)) == 1
    assert sum("⏰ Reminder" in t for t in outlet.dms_to("alice")) == 1
    assert not any("⏰ Reminder" in t for t in outlet.dms_to("bob"))

    await clock.advance(timedelta(hours=22, minutes=59))  # Thursday 17:59, an hour before
    await moot.drain()
    assert "now starts" in texts(await host.say("/movemeeting 1 Friday 19:00"))
    await clock.advance(timedelta(minutes=1))
    await moot.drain()
    assert len(reminders_in_chat(outlet)) == 1  # the moved meeting's prepared one was withdrawn
    assert sum("⏰ Reminder" in t for t in outlet.dms_to("alice")) == 1


async def test_a_prepared_reminder_waits_for_its_moment_across_a_restart(
    database_url: str, clock: ManualClock
) -> None:
    first = Moot(Store(database_url), clock, ALL_FEATURES)
    await first.start()
    first.attach(RecordingOutlet("console"))
    host = Resident(first, "console", "host", "Host", chat_admin=True)
    await host.say("/setup Elm Court")
    await announced(host, AGM + " | remind: 1h")
    await clock.advance(timedelta(days=3, hours=8, minutes=59))  # Thursday 17:59
    await first.drain()
    await first.stop()

    second = Moot(Store(database_url), clock, ALL_FEATURES)
    again = RecordingOutlet("console")
    second.attach(again)
    await second.start()
    await second.drain()
    assert reminders_in_chat(again) == []  # prepared, but not due until 18:00
    await clock.advance(timedelta(minutes=1))
    await second.drain()
    sent = reminders_in_chat(again)
    assert len(sent) == 1
    assert "starts in 1 hour" in sent[0]
    assert "late" not in sent[0]
    await second.stop()


async def prepared_then_down(
    database_url: str, clock: ManualClock, down_for: timedelta
) -> list[str]:
    """A reminder prepared for Thursday 18:00, Moot down from 17:59 for `down_for`: what the
    chat gets once Moot is back."""
    first = Moot(Store(database_url), clock, ALL_FEATURES)
    await first.start()
    first.attach(RecordingOutlet("console"))
    host = Resident(first, "console", "host", "Host", chat_admin=True)
    await host.say("/setup Elm Court")
    await announced(host, AGM + " | remind: 1h")
    await clock.advance(timedelta(days=3, hours=8, minutes=59))  # Thursday 17:59
    await first.drain()
    await first.stop()
    await clock.advance(down_for)  # no Moot is running to notice

    second = Moot(Store(database_url), clock, ALL_FEATURES)
    again = RecordingOutlet("console")
    second.attach(again)
    await second.start()
    await second.drain()
    await second.stop()
    return reminders_in_chat(again)


async def test_a_prepared_reminder_that_leaves_late_after_a_restart_says_so(
    database_url: str, clock: ManualClock
) -> None:
    sent = await prepared_then_down(database_url, clock, timedelta(minutes=11))  # back 18:10
    assert len(sent) == 1
    assert "starts in 1 hour" in sent[0]
    assert "(Sent 10 minutes late: Moot could not send it when it was due.)" in sent[0]


async def test_a_prepared_reminder_whose_moment_is_long_gone_is_not_sent(
    database_url: str, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    sent = await prepared_then_down(database_url, clock, timedelta(hours=2))  # back 19:59
    assert sent == []  # "starts in 1 hour" for a meeting that started an hour ago: not sent
    assert "did not send" in caplog.text


async def test_bad_meetings_are_refused_with_their_limits(
    moot: Moot, community: str, host: Resident, alice: Resident
) -> None:
    refusals = {
        "AGM": "Write a meeting as: title | when",
        "AGM | yesterday 19:00": "is in the past",
        "AGM | tomorrow 25:00": "is not a time of day",
        "AGM | 9999-12-31 12:00": "more than two years away",
        "AGM | Friday 19:00 | capacity: 0": "capacity: give the number of places, from 1",
        "AGM | Friday 19:00 | capacity: ²": "capacity: give the number of places",
        "AGM | Friday 19:00 | link: javascript:alert(1)": "link: give the web address",
        "AGM | Friday 19:00 | link: http://meet.example/agm": "starting https://",
        "AGM | Friday 19:00 | length: 3d": "length: a meeting lasts from 5 minutes to 1 day",
        "AGM | Friday 19:00 | remind: 1h 2h 3h 4h": "remind: give up to 3 times",
        "AGM | Friday 19:00 | colour: red": "colour: is not a meeting setting",
        "x" * 201 + " | Friday 19:00": "up to 200 characters",
    }
    for definition, refusal in refusals.items():
        replies = await host.say(f"/meeting {definition}")
        assert refusal in texts(replies), (definition, texts(replies))
        assert all(r.visibility is Visibility.ACTOR for r in replies)
    assert "No meetings are coming up" in texts(await host.say("/meetings"))
    await alice.say("/join")
    assert "Only organisers" in texts(await alice.say(f"/meeting {AGM}"))


async def test_an_ambiguous_date_is_confirmed_before_announcing(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    preview = (await host.say("/meeting Garden day | 05/12 10:00"))[0]
    assert (
        "I read the time as Sat 05 Dec 2026, 10:00 (Europe/London), but it could be "
        "Wed 12 May 2027, 10:00 (Europe/London). Which did you mean?" in shown(preview)
    )
    assert "announce 1.1" not in [b.command for b in preview.buttons]
    assert "Choose which time you meant first" in texts(await host.say("/announce 1"))
    may = next(b for b in preview.buttons if b.label.startswith("Wed 12 May 2027"))
    chosen = (await host.press(may.command))[0]
    assert chosen.replaces_pressed  # the preview itself changes, where the platform can
    assert "Wed 12 May 2027, 10:00" in shown(chosen)
    assert "announce 1.1" in [b.command for b in chosen.buttons]
    await host.press("announce 1.1")
    assert "Wed 12 May 2027, 10:00" in cards(outlet)[0]


async def test_a_meeting_as_a_calendar_file(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    (alice,) = await members(moot, host, "Alice")
    await announced(host, f"{AGM} | length: 90m | about: Accounts, elections; AOB")
    reply: Reply = (await alice.say("/ics 1"))[0]
    assert reply.file is not None
    assert reply.file.filename == "meeting-1.ics"
    data = reply.file.data
    assert b"\r\n" in data  # RFC 5545 lines end in CRLF
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))  # folded
    calendar = icalendar.Calendar.from_ical(data)
    event = next(iter(calendar.walk("VEVENT")))
    assert str(event["summary"]) == "Residents' AGM"
    assert event.decoded("dtstart").isoformat() == "2026-11-26T19:00:00+00:00"
    assert event.decoded("dtend").isoformat() == "2026-11-26T20:30:00+00:00"
    assert str(event["location"]) == "Community hall"
    assert str(event["url"]) == "https://meet.example/agm"
    assert "Accounts, elections; AOB" in str(event["description"])
    uid = str(event["uid"])
    assert uid.endswith("@moot")
    assert uid != "meeting-1@moot"
    assert str(event["status"]) == "CONFIRMED"
    await host.say("/cancelmeeting 1")
    cancelled = icalendar.Calendar.from_ical((await alice.say("/ics 1"))[0].file.data)  # type: ignore[union-attr]
    event = next(iter(cancelled.walk("VEVENT")))
    assert str(event["status"]) == "CANCELLED"
    assert event.decoded("sequence") == 1  # calendars replace the event they hold
    assert str(event["uid"]) == uid


async def test_a_meeting_through_the_guided_form(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    asked = (await host.say("/meeting"))[0]
    assert asked.form is not None
    assert asked.form.title == "Schedule a meeting"
    assert [f.name for f in asked.form.fields] == ["definition", "when", "place", "link", "about"]
    assert all(len(f.label) <= 45 for f in asked.form.fields)  # Discord's limit for labels
    preview = await host.submit(
        "meeting",
        {
            "definition": "Repairs surgery | bring photos",  # a bar in a form is just text
            "when": "Friday 18:30",
            "place": "Office",
            "link": "",
            "about": "Drop in with any repair that has not been fixed.",
        },
    )
    said = texts(preview)
    assert "Draft meeting #1: Repairs surgery | bring photos" in said
    assert "Fri 27 Nov 2026, 18:30" in said
    assert "Where: Office" in said
    assert "Drop in with any repair" in said
    refused = await host.submit("meeting", {"definition": "X", "when": "yesterday"})
    assert "is in the past" in texts(refused)


async def test_an_agenda_proposed_decided_ordered_and_sent_with_the_first_reminder(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    alice, bob = await members(moot, host, "Alice", "Bob")
    await announced(host, AGM)
    await alice.press("rsvp 1.1 going")
    assert "Item 1 is proposed" in texts(await alice.say("/propose 1 Bike storage"))
    assert "Item 2 is proposed" in texts(await bob.say("/propose 1 Hallway lights"))
    assert "Item 3 is proposed" in texts(await bob.say("/propose 1 Bins"))
    assert any("Proposed for the agenda of meeting #1" in t for t in outlet.dms_to("host"))
    assert "Only organisers" in texts(await alice.say("/agendaitem 1 1 accept"))

    listed = await host.say("/agenda 1")
    assert "has no agenda yet" in listed[0].text
    assert [r.buttons[0].command for r in listed[1:]] == [
        "agendaitem 1.1 1 accept",
        "agendaitem 1.1 2 accept",
        "agendaitem 1.1 3 accept",
    ]
    await host.press("agendaitem 1.1 1 accept")
    await host.press("agendaitem 1.1 2 accept")
    await host.press("agendaitem 1.1 3 decline")
    assert any("Bike storage — is on the agenda" in t for t in outlet.dms_to("alice"))
    assert any("Bins — was not taken onto the agenda" in t for t in outlet.dms_to("bob"))
    assert "Give every accepted item" in texts(await host.say("/agendaorder 1 2 3"))
    ordered = texts(await host.say("/agendaorder 1 2 1"))
    assert "1. Hallway lights\n2. Bike storage" in ordered
    assert "1. Hallway lights\n2. Bike storage" in texts(await alice.say("/agenda 1"))
    assert "Proposed, item" not in texts(await alice.say("/agenda 1"))  # members see the agenda

    await clock.advance(timedelta(days=2, hours=10))  # the day-before reminder
    await moot.drain()
    first = reminders_in_chat(outlet)[0]
    assert "Agenda · Meeting #1: Residents' AGM\n1. Hallway lights\n2. Bike storage" in first
    assert any("1. Hallway lights" in t for t in outlet.dms_to("alice"))
    await clock.advance(timedelta(hours=23))
    await moot.drain()
    assert "Agenda" not in reminders_in_chat(outlet)[1]  # the hour-before one is short
    await clock.advance(timedelta(hours=2))
    assert "only before it starts" in texts(await alice.say("/propose 1 Late item"))


async def test_attendance_quorum_minutes_and_action_items(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    alice, bob, cat = await members(moot, host, "Alice", "Bob", "Cat")  # members #2, #3, #4
    await announced(host, AGM)
    await cat.press("rsvp 1.1 cant")
    assert "Only" in texts(await alice.say("/meetingquorum 3"))
    assert "quorate with: 3 members" in texts(await host.say("/meetingquorum 3"))
    assert "Give the quorum as" in texts(await host.say("/meetingquorum 0"))
    assert "opens an hour before" in texts(await alice.say("/checkin 1"))

    await clock.advance(timedelta(days=3, hours=9, minutes=30))  # Thursday 18:30
    await moot.drain()
    assert "You are checked in" in texts(await alice.say("/checkin 1"))
    marked = texts(await host.say("/attended 1 3"))
    assert "Marked as there: Bob (#3)." in marked
    assert "Quorum not met: 2 there, 3 members needed." in marked
    assert "Quorum met: 3 there, 3 members needed." in texts(await host.say("/attended 1 1"))
    assert "There is no member #99" in texts(await host.say("/attended 1 99"))

    refused = texts(await host.say("/actionitem 1 99 | Fix the gate | due: Friday 12:00"))
    assert "There is no member #99" in refused
    assert "Write it as" in texts(await host.say("/actionitem 1 3 Fix the gate"))
    said = texts(await host.say("/actionitem 1 3 | Fix the gate | due: in 3 days 12:00"))
    assert "Action #1 is set" in said
    assert "who is reminded the day before it is due" in said
    soon = texts(await host.say("/actionitem 1 3 | Bring chairs | due: tomorrow"))  # 18:30 now
    assert "due too soon for a reminder the day before" in soon
    assert any("you have action #1: Fix the gate" in t for t in outlet.dms_to("bob"))
    assert "#1 Fix the gate" in texts(await bob.say("/actions"))
    assert "You have no open actions" in texts(await alice.say("/actions"))
    assert "Only organisers" in texts(await alice.say("/actions all"))
    assert "You have no action #1" in texts(await alice.say("/done 1"))

    assert "once it has started" in texts(await host.say("/minutes 1 Too early"))
    await clock.advance(timedelta(hours=2))  # Thursday 20:30: the meeting has been
    recorded = texts(await host.say("/minutes 1 We agreed to paint the railings green."))
    assert "are recorded and going to the 1 chat" in recorded
    await moot.drain()
    posted = next(r.text for _, r in outlet.chats if r.text.startswith("📝 Minutes"))
    assert "Present (3): Alice, Bob, Host" in posted
    assert "Apologies (1): Cat" in posted
    assert "Quorum met: 3 there, 3 members needed." in posted
    assert "We agreed to paint the railings green." in posted
    assert "#1 Fix the gate — Bob, due Sun 29 Nov 2026, 12:00" in posted

    await clock.advance(timedelta(days=2))  # Saturday 20:30: past the day before it is due
    await moot.drain()
    assert any("⏰ Action #1 is due" in t for t in outlet.dms_to("bob"))
    assert "Action #1 (Fix the gate) is done" in texts(await bob.say("/done 1"))
    assert "is done already" in texts(await bob.say("/done 1"))


async def test_an_action_due_on_a_day_is_due_at_its_end_and_everyone_sees_whose_it_is(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    await members(moot, host, "Alice", "Bob")
    await announced(host, AGM)
    await host.say("/actionitem 1 3 | Fix the gate | due: Friday")  # Monday 23 Nov now
    assert any(
        "Fix the gate — due Fri 27 Nov 2026, end of the day (Europe/London)" in t
        for t in outlet.dms_to("bob")
    )
    listed = texts(await host.say("/actions all"))
    assert "Everyone's open actions:\n#1 Fix the gate — Bob, due Fri 27 Nov 2026, end" in listed
    await clock.advance(timedelta(days=2, hours=23))  # Thursday 08:00
    await moot.drain()
    assert not any("⏰ Action #1" in t for t in outlet.dms_to("bob"))
    await clock.advance(timedelta(hours=1))  # Thursday 09:00: the day before, in the morning
    await moot.drain()
    assert any(
        "⏰ Action #1 is due Fri 27 Nov 2026, end of the day" in t for t in outlet.dms_to("bob")
    )


async def test_finding_a_time_keeps_the_times_in_the_order_typed(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    await host.say("/findtime AGM | Thursday 19:00 | Tuesday 19:00")
    posted = next(r for _, r in outlet.chats if r.text.startswith("🗓 Finding a time #1: AGM"))
    assert "1. Thu 26 Nov 2026, 19:00 (Europe/London)" in shown(posted)
    assert "2. Tue 24 Nov 2026, 19:00 (Europe/London)" in shown(posted)


def test_repeat_takes_a_time_of_day_that_agrees_with_the_start() -> None:
    from datetime import UTC, datetime

    from bot.errors import UserError
    from bot.meetings.spec import parse_one_line

    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    line = "Committee | 2026-12-01 19:00 | repeat: first tuesday {}"
    assert parse_one_line(line.format("19:00"), "Europe/London", now).repeat == (
        "FREQ=MONTHLY;BYDAY=+1TU"
    )
    assert parse_one_line(line.format("at 7pm"), "Europe/London", now).repeat is not None
    with pytest.raises(UserError, match="repeat: says 18:30 but the meeting starts at 19:00"):
        parse_one_line(line.format("18:30"), "Europe/London", now)


def test_a_repeating_meeting_keeps_its_local_time_across_clock_changes() -> None:
    weekly = read_repeat("weekly")
    start = datetime(2027, 3, 18, 19, 0, tzinfo=UTC)  # Thursday 19:00 GMT
    first = list(islice(occurrences(weekly, start, "Europe/London"), 3))
    assert [m.isoformat() for m in first] == [
        "2027-03-18T19:00:00+00:00",
        "2027-03-25T19:00:00+00:00",
        "2027-04-01T18:00:00+00:00",  # 19:00 BST: the clocks went forward on 28 March
    ]
    first_tuesday = read_repeat("first Tuesday of each month")
    assert first_tuesday == "FREQ=MONTHLY;BYDAY=+1TU"
    assert describe(first_tuesday) == "the first Tuesday of each month"
    monthly = list(
        islice(
            occurrences(first_tuesday, datetime(2026, 12, 1, 19, tzinfo=UTC), "Europe/London"), 3
        )
    )
    assert [m.date().isoformat() for m in monthly] == ["2026-12-01", "2027-01-05", "2027-02-02"]
    assert read_repeat("last friday") == "FREQ=MONTHLY;BYDAY=-1FR"
    assert describe(read_repeat("fortnightly")) == "every two weeks"


async def test_a_weekly_meeting_occurrence_by_occurrence(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    (alice,) = await members(moot, host, "Alice")
    refused = texts(await host.say("/meeting Board | Tuesday 8 Dec 19:00 | repeat: first tuesday"))
    assert "The first meeting's date is not the first Tuesday of each month" in refused
    assert "is not a repeat I know" in texts(
        await host.say("/meeting Coffee | Thursday 10:00 | repeat: daily")
    )
    preview = texts(await host.say("/meeting Coffee morning | Thursday 10:00 | repeat: weekly"))
    assert "repeats every week" in preview
    number = int(preview.split("Draft meeting #")[1].split(":")[0])
    await host.press(f"announce 1.{number}")
    listed = texts(await alice.say("/meetings"))
    for day in ("Thu 26 Nov", "Thu 03 Dec", "Thu 10 Dec", "Thu 17 Dec", "Thu 24 Dec"):
        assert day in listed  # five weeks ahead take answers already
    first, second, third, fourth = number, number + 1, number + 2, number + 3
    assert "you are going" in texts(await alice.say(f"/rsvp {second} going"))
    await host.say(f"/cancelmeeting {third} Christmas fair")
    await host.say(f"/movemeeting {fourth} 2026-12-18 10:00")
    assert len(cards(outlet, second)) == 0  # the next one is announced when this one is over

    ics = (await alice.say(f"/ics {first}"))[0].file
    assert ics is not None
    calendar = icalendar.Calendar.from_ical(ics.data)
    assert next(iter(calendar.walk("VTIMEZONE")))["tzid"] == "Europe/London"
    master, moved = list(calendar.walk("VEVENT"))
    assert master["rrule"].to_ical() == b"FREQ=WEEKLY"
    assert master.decoded("dtstart").isoformat() == "2026-11-26T10:00:00+00:00"
    assert b"EXDATE;TZID=Europe/London:20261210T100000\r\n" in ics.data  # the cancelled one
    assert moved.decoded("recurrence-id").isoformat() == "2026-12-17T10:00:00+00:00"
    assert moved.decoded("dtstart").isoformat() == "2026-12-18T10:00:00+00:00"
    assert str(moved["uid"]) == str(master["uid"])

    await clock.advance(timedelta(days=3, hours=3))  # Thursday 12:00: the first is over
    await moot.drain()
    assert cards(outlet, second)[0].startswith(f"📅 Meeting #{second}: Coffee morning")
    assert "Going 1" in cards(outlet, second)[0]
    said = texts(await host.say(f"/endseries {second}"))
    assert "The series ends" in said
    assert "word is on its way to the 1 person who answered" in said
    assert "Coming up" not in texts(await alice.say("/meetings"))
    assert any("is cancelled" in t for t in outlet.dms_to("alice"))


async def test_each_person_chooses_their_reminders_and_the_silent_are_nudged(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    alice, bob, cat, dan = await members(moot, host, "Alice", "Bob", "Cat", "Dan")
    assert "direct reminders at each meeting's own times" in texts(await alice.say("/myreminders"))
    assert "no reminders by direct message" in texts(await bob.say("/myreminders off"))
    said = texts(await cat.say("/myreminders 3h"))
    assert "a direct reminder 3 hours before each meeting" in said
    assert "Choose a time" in texts(await dan.say("/myreminders 30d"))
    await dan.say("/myreminders off")  # Dan wants no direct messages at all
    await announced(host, f"{AGM} | nudge: 2d")
    for person in (alice, bob, cat):
        await person.press("rsvp 1.1 going")

    def reminder_dms(who: str) -> list[str]:
        return [t for t in outlet.dms_to(who) if "⏰ Reminder" in t]

    await clock.advance(timedelta(days=1, hours=10))  # Tuesday 19:00: two days before
    await moot.drain()
    nudged = [t for t in outlet.dms_to("host") if t.startswith("Will you come to meeting #1")]
    assert len(nudged) == 1  # the host had not answered
    assert not any(t.startswith("Will you come") for t in outlet.dms_to("alice"))  # answered
    assert not any(t.startswith("Will you come") for t in outlet.dms_to("dan"))  # DMs off

    await clock.advance(timedelta(days=1))  # Wednesday 19:00: a day before
    await moot.drain()
    assert len(reminder_dms("alice")) == 1
    assert reminder_dms("bob") == []  # direct reminders off: the group still has it
    assert reminder_dms("cat") == []  # her own time is later
    assert len(reminders_in_chat(outlet)) == 1

    await clock.advance(timedelta(hours=21))  # Thursday 16:00: three hours before
    await moot.drain()
    assert len(reminder_dms("cat")) == 1
    assert "starts in 3 hours" in reminder_dms("cat")[0]
    await clock.advance(timedelta(hours=2))  # Thursday 18:00: the hour-before reminder
    await moot.drain()
    assert len(reminder_dms("alice")) == 2
    assert len(reminder_dms("cat")) == 1  # only her own
    assert reminder_dms("bob") == []


async def test_finding_a_time_then_making_the_meeting(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    alice, bob = await members(moot, host, "Alice", "Bob")
    assert "Write it as" in texts(await host.say("/findtime AGM | Tuesday 19:00"))
    assert "could be read two ways" in texts(
        await host.say("/findtime AGM | 05/12 19:00 | Wednesday 19:00")
    )
    assert "Only organisers" in texts(
        await alice.say("/findtime AGM | Tuesday 19:00 | Wednesday 19:00")
    )
    said = texts(await host.say("/findtime AGM | Tuesday 19:00 | Wednesday 19:00 | Thursday 19:00"))
    assert "Finding a time #1 is posted" in said
    posted = next(r for _, r in outlet.chats if r.text.startswith("🗓 Finding a time #1: AGM"))
    assert "1. Tue 24 Nov 2026, 19:00 (Europe/London) — ✅ 0 🤷 0 ❌ 0" in shown(posted)
    assert len(posted.buttons) == 9
    assert posted.buttons[1].command == "available 1.1 1=ifneedbe"

    await alice.press("available 1.1 2=yes")
    assert "Noted for #1: 1 ❌, 2 ✅, 3 🤷" in texts(await bob.say("/available 1 no yes maybe"))
    assert "one answer for each of the 3 times" in texts(await bob.say("/available 1 yes no"))
    assert "yes, maybe (if need be) or no" in texts(await bob.say("/available 1 2=perhaps"))
    latest = [shown(r) for _, _, r in outlet.edits if r.text.startswith("🗓 Finding a time #1")][-1]
    assert "2. Wed 25 Nov 2026, 19:00 (Europe/London) — ✅ 2 🤷 0 ❌ 0" in latest
    assert "2 answered." in latest

    assert "Only organisers" in texts(await alice.say("/picktime 1 2"))
    assert "offers times 1 to 3" in texts(await host.say("/picktime 1 7"))
    said = texts(await host.say("/picktime 1 2"))
    assert "word is on its way to the 2 people who answered" in said
    card = next(r for _, r in outlet.chats if r.text.startswith("📅 Meeting #1: AGM"))
    assert "Wed 25 Nov 2026, 19:00" in shown(card)
    told = [render_moments(t) for t in outlet.dms_to("alice") if t.startswith("AGM: the time")]
    assert told == [
        "AGM: the time is Wed 25 Nov 2026, 19:00 (Europe/London) (meeting #1). Will you come?"
    ]
    assert "picked for #1 already" in texts(await bob.say("/available 1 yes yes yes"))


async def test_linking_accounts_carries_everything_meetings_keep_about_a_person(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    """Both accounts answered, chose reminders and said when they are free: linking keeps one
    of each (the account that asked for the code wins) and fails on nothing left behind."""
    first, second = await members(moot, host, "Alice", "Alice Again")  # members #2 and #3
    await host.say("/role 3 organiser")
    await announced(host, AGM)
    await host.say("/findtime Social | Friday 19:00 | Saturday 19:00")
    for person, answer in ((first, "maybe"), (second, "going")):
        await person.press(f"rsvp 1.1 {answer}")
        await person.say(f"/available 1 {'yes no' if person is first else 'no yes'}")
        await person.say(f"/myreminders {'2h' if person is first else 'off'}")
        await person.say("/propose 1 Bike storage")
    await second.say("/findtime Quiz | Friday 20:00 | Saturday 20:00")  # an organiser's own
    code = next(w for w in texts(await first.privately("/link")).split() if w.startswith("LINK-"))
    said = texts(await second.privately(f"/link {code.rstrip('.')}"))
    assert "Linked. You are one member" in said
    assert "Meeting #1: both accounts had answered" in said
    assert "is kept (maybe), not going" in said
    await moot.drain()
    assert "a direct reminder 2 hours before each meeting" in texts(await first.say("/myreminders"))
    assert "Going 0 · Maybe 1" in cards(outlet)[-1]
    assert await moot.read(dangling_references) == []


def dangling_references(session: Session) -> list[str]:
    """Every foreign key whose row points at nothing, as `table.columns` (SQLite checks them at
    each statement only with its pragma on, PostgreSQL always: this asks both the same way)."""
    connection = session.connection()
    schema = inspect(connection)
    found = []
    for table in schema.get_table_names():
        for key in schema.get_foreign_keys(table):
            pairs = list(zip(key["constrained_columns"], key["referred_columns"], strict=True))
            joined = " AND ".join(f"r.{theirs} = t.{mine}" for mine, theirs in pairs)
            orphans = connection.execute(
                text(
                    f"SELECT count(*) FROM {table} t WHERE t.{pairs[0][0]} IS NOT NULL AND NOT "
                    f"EXISTS (SELECT 1 FROM {key['referred_table']} r WHERE {joined})"
                )
            ).scalar_one()
            if orphans:
                found.append(f"{table}.{','.join(key['constrained_columns'])}")
    return found


def calendar_events(data: bytes) -> list[dict[str, str]]:
    """Each VEVENT's properties as written, read by hand rather than with icalendar (which wrote
    them): lines end in CRLF, a line starting with a space continues the one before (RFC 5545
    3.1), and a property's name ends at its first ';' or ':'."""
    events: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in re.sub(r"\r\n[ \t]", "", data.decode()).split("\r\n"):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT" and current is not None:
            events.append(current)
            current = None
        elif current is not None and ":" in line:
            head, _, value = line.partition(":")
            current.setdefault(head.split(";")[0].upper(), value)
    return events


async def ics_events(resident: Resident, number: int) -> list[dict[str, str]]:
    reply = (await resident.say(f"/ics {number}"))[0]
    assert reply.file is not None, reply.text
    return calendar_events(reply.file.data)


async def test_calendar_uids_are_this_installations_own_and_kept_through_changes(
    moot: Moot, community: str, host: Resident, clock: ManualClock, tmp_path: Path
) -> None:
    """A resident who imports the calendars of two neighbourhoods' Moots keeps both meetings
    #1; a move or a cancellation updates the event they imported instead of adding one."""
    (alice,) = await members(moot, host, "Alice")
    await announced(host, AGM)
    await announced(host, "Coffee morning | Friday 10:00 | repeat: weekly")
    (agm,) = await ics_events(alice, 1)
    uid = agm["UID"]
    assert re.fullmatch(r"[0-9a-f-]{36}@moot", uid), uid
    assert agm["SEQUENCE"] == "0"

    other_url = f"sqlite:///{tmp_path / 'oak-lane.db'}"
    upgrade(other_url)
    other = Moot(Store(other_url), clock, ALL_FEATURES)
    await other.start()
    oak_host = Resident(other, "console", "host", "Host", chat_admin=True)
    await oak_host.say("/setup Oak Lane")
    await announced(oak_host, AGM)
    (oak_agm,) = await ics_events(oak_host, 1)
    await other.stop()
    assert oak_agm["UID"] != uid  # the same meeting #1 in another installation

    await host.say("/movemeeting 1 Friday 19:00")
    (moved,) = await ics_events(alice, 1)
    assert (moved["UID"], moved["SEQUENCE"]) == (uid, "1")
    assert moved["DTSTART"] == "20261127T190000Z"
    await host.say("/cancelmeeting 1")
    (cancelled,) = await ics_events(alice, 1)
    assert (cancelled["UID"], cancelled["SEQUENCE"], cancelled["STATUS"]) == (uid, "2", "CANCELLED")

    # A series is one event: every occurrence's file names it by one UID, its own.
    (series,) = await ics_events(alice, 2)
    assert series["UID"] not in (uid, "series-1@moot")
    assert series["UID"].endswith("@moot")
    await host.say("/movemeeting 4 2026-12-12 10:00")
    master, override = await ics_events(alice, 3)
    assert master["UID"] == override["UID"] == series["UID"]
    assert override["RECURRENCE-ID"] == "20261211T100000"

    feeds = await moot.read(lambda s: community_feeds(s, None, clock.now()))
    in_feed = {event["UID"] for event in calendar_events(feeds["calendar-1.ics"])}
    assert in_feed == {uid, series["UID"]}


async def test_who_is_going_is_for_organisers_until_they_share_it(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    alice, bob, cat, dan = await members(moot, host, "Alice", "Bob", "Cat", "Dan")
    await announced(host, f"{AGM} | capacity: 2")
    for person, answer in ((bob, "going"), (alice, "going"), (cat, "going"), (dan, "cant")):
        await clock.advance(timedelta(minutes=1))
        await person.press(f"rsvp 1.1 {answer}")  # Cat's is when it is full: first in line
    assert "/whosgoing" not in cards(outlet)[-1]
    refused = (await alice.say("/whosgoing 1"))[0]
    assert refused.visibility is Visibility.ACTOR
    assert refused.text == "Only organisers see who is going to meeting #1."

    listed = (await host.say("/whosgoing 1"))[0]
    assert listed.visibility is Visibility.ACTOR  # names are never posted in the group
    said = shown(listed)
    assert "Going (2): Bob (#3), Alice (#2)" in said  # register names, in the order they answered
    assert "Maybe (0): nobody" in said
    assert "Waiting for a place, in order (1): Cat (#4)" in said
    assert "Can't come (1): Dan (#5)" in said
    assert "This list is for organisers; /whosgoing 1 members shows it to every member." in said

    assert "Only organisers" in texts(await alice.say("/whosgoing 1 members"))
    shared = texts(await host.say("/whosgoing 1 members"))
    assert "Every member can now see who is going to meeting #1" in shared
    assert "Who is going: /whosgoing 1" in cards(outlet)[-1]
    card = outlet.edits[-1][2]
    assert [b.command for b in card.buttons][-1] == "whosgoing 1.1"
    seen = texts(await alice.press("whosgoing 1.1"))
    assert "Going (2): Bob (#3), Alice (#2)" in seen
    assert "/whosgoing 1 members" not in seen  # the organisers' note is for organisers

    # Bob, renamed on his platform, gives up his place: the list keeps the register's name.
    await Resident(moot, "console", "bob", "B0b the Builder").press("rsvp 1.1 maybe")
    # Dan asks Moot to forget him: his apology still counts, without his name.
    await dan.privately("/forgetme")
    assert "forgotten" in texts(await dan.press("forgetme confirm", dm("console", "dan")))
    seen = texts(await alice.say("/whosgoing 1"))
    assert "Maybe (1): Bob (#3)" in seen
    assert "Alice (#2)" in seen.split("Going (2): ")[1].split("\n")[0]
    assert "Cat (#4)" in seen.split("Going (2): ")[1].split("\n")[0]  # moved in from the line
    assert "Waiting" not in seen  # nobody is
    assert "Can't come (1): 1 no longer on the register" in seen
    assert "Dan" not in seen
    assert "B0b" not in seen

    assert "Now only organisers see" in texts(await host.say("/whosgoing 1 organisers"))
    assert "/whosgoing" not in cards(outlet)[-1]
    assert "Only organisers" in texts(await alice.press("whosgoing 1.1"))  # an old button


async def test_a_series_can_share_who_is_going_from_the_start(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    (alice,) = await members(moot, host, "Alice")
    refused = texts(await host.say("/meeting Coffee | Thursday 10:00 | guests: everyone"))
    assert "guests: members (every member sees who is going) or organisers" in refused
    preview = shown(
        (await host.say("/meeting Coffee | Thursday 10:00 | repeat: weekly | guests: members"))[0]
    )
    assert "Who is going: members see it" in preview
    await host.press("announce 1.1")
    assert "Who is going: /whosgoing 1" in cards(outlet)[0]
    await alice.say("/rsvp 2 going")
    assert "Going (1): Alice (#2)" in texts(await alice.say("/whosgoing 2"))
    kept = texts(await host.say("/whosgoing 2 organisers"))
    assert "meeting #2 and its series' later meetings" in kept
    assert "Going (0): nobody" in texts(await alice.say("/whosgoing 1"))  # the first still shares
    for later in (2, 3, 5):
        assert "Only organisers" in texts(await alice.say(f"/whosgoing {later}"))


async def test_a_long_guest_list_comes_with_the_whole_list_as_a_file(
    moot: Moot, community: str, host: Resident
) -> None:
    people = await members(moot, host, *(f"Neighbour {i}" for i in range(1, 63)))
    await announced(host, AGM)
    for person in people:
        await person.press("rsvp 1.1 going")
    reply = (await host.say("/whosgoing 1"))[0]
    going = next(line for line in reply.text.splitlines() if line.startswith("Going"))
    assert going.startswith("Going (62): Neighbour 1 (#2), Neighbour 2 (#3)")
    assert going.endswith("Neighbour 60 (#61) and 2 more")
    assert "Every name is in the attached file." in reply.text
    assert reply.file is not None
    assert reply.file.filename == "meeting-1-guests.csv"
    rows = reply.file.data.decode().splitlines()
    assert rows[0] == "answer,member,name"
    assert rows[-1] == "going,#63,Neighbour 62"
    assert len(rows) == 63
