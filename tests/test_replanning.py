"""Each scheduled message goes once however it is planned again: the cases people reported
(repair alerts after a priority or target change, a personal reminder after changing an answer,
Awaab's Law once every step is met, a series with one occurrence cancelled, and `:wait` across
reminder times)."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from bot.core import Moot
from tests.helpers import RecordingOutlet, Resident, texts
from tests.meetings.test_meetings import AGM, announced, reminders_in_chat
from tests.poll_helpers import members, published
from tests.repairs.test_repairs import TEAM_CHAT, with_team


def team_says(outlet: RecordingOutlet, mark: str) -> list[str]:
    return [
        r.text for chat, r in outlet.chats if chat == TEAM_CHAT.chat_id and r.text.startswith(mark)
    ]


async def test_repair_alerts_go_once_however_often_the_target_is_set(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    alice, fixer, _ = await with_team(moot, host, community)
    await alice.privately("/report electrics | Sockets dead")  # urgent: Mon 30 Nov 09:00
    await host.say("/repairtarget urgent 5 working days")  # the target it has already
    await fixer.say("/priority 1 routine", TEAM_CHAT)
    await fixer.say("/priority 1 urgent", TEAM_CHAT)  # and back
    await fixer.say("/repairstatus 1 acknowledged", TEAM_CHAT)
    await clock.advance(timedelta(days=8))  # past the target
    await moot.drain()
    await fixer.say("/priority 1 routine", TEAM_CHAT)
    await fixer.say("/priority 1 urgent", TEAM_CHAT)  # back to a target already passed
    await moot.drain()
    assert len(team_says(outlet, "⏰")) == 1
    assert len(team_says(outlet, "🔴")) == 1


async def test_a_personal_reminder_goes_once_after_answers_and_choices_change(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    (alice,) = await members(moot, host, "Alice")
    await announced(host, AGM)
    await alice.press("rsvp 1.1 going")
    await alice.say("/myreminders 2h")
    await alice.press("rsvp 1.1 maybe")
    await alice.press("rsvp 1.1 cant")
    await alice.press("rsvp 1.1 going")
    await alice.say("/myreminders 2h")
    await clock.advance(timedelta(days=3, hours=8))  # Thursday 17:00
    await moot.drain()
    assert sum("⏰ Reminder" in t for t in outlet.dms_to("alice")) == 1


async def test_awaabs_law_met_in_time_leaves_nothing_due(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    alice, fixer, _ = await with_team(moot, host, community)
    await alice.privately("/report mould | Black mould")
    await clock.advance(timedelta(days=2))
    await fixer.say("/investigated 1 A blocked fan", TEAM_CHAT)
    await fixer.say("/summary 1 We will replace the fan", TEAM_CHAT)
    await fixer.say("/repairstatus 1 in-progress", TEAM_CHAT)
    assert "Target: met: every step of Awaab's Law is done." in outlet.dms_to("alice")[-1]
    await clock.advance(timedelta(days=10))
    await moot.drain()
    assert team_says(outlet, "🔴") == []
    assert "Nothing is overdue." in texts(await alice.say("/repairs stats"))
    await fixer.say("/repairstatus 1 fixed", TEAM_CHAT)
    assert "Fixed within target: 100% (1 of 1)" in texts(await alice.say("/repairs stats"))


async def test_a_series_goes_on_past_a_cancelled_occurrence(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    await announced(host, "Coffee | Thursday 19:00 | repeat: weekly")
    await host.say("/cancelmeeting 2")  # next week's
    await clock.advance(timedelta(days=28))
    await moot.drain()
    heads = [r.text.split("\n")[0] for _, r in outlet.chats if "Meeting #" in r.text.split("\n")[0]]
    assert heads == [f"📅 Meeting #{n}: Coffee" for n in (1, 3, 4, 5)]


async def test_after_an_outage_a_series_posts_only_the_next_meeting(
    database_url: str, clock: ManualClock
) -> None:
    from bot.features import ALL_FEATURES
    from storage.store import Store

    first = Moot(Store(database_url), clock, ALL_FEATURES)
    await first.start()
    first.attach(RecordingOutlet("console"))
    host = Resident(first, "console", "host", "Host", chat_admin=True)
    await host.say("/setup Elm Court")
    await announced(host, "Coffee | Thursday 19:00 | repeat: weekly")
    await first.stop()
    await clock.advance(timedelta(days=24))  # down until Thursday 17 Dec, 09:00
    second = Moot(Store(database_url), clock, ALL_FEATURES)
    again = RecordingOutlet("console")
    second.attach(again)
    await second.start()
    await second.drain()
    heads = [r.text.split("\n")[0] for _, r in again.chats if "Meeting #" in r.text.split("\n")[0]]
    assert heads == ["📅 Meeting #4: Coffee"]  # Thu 17 Dec; not #2 and #3, long over
    await second.stop()


async def test_waiting_across_reminder_times_sends_each_at_its_moment(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    """`:wait 5d` on the console: the clock walks through each moment on the way."""
    (alice,) = await members(moot, host, "Alice")
    await announced(host, AGM)
    await alice.press("rsvp 1.1 going")
    await clock.advance(timedelta(days=5))
    await moot.drain()
    sent = reminders_in_chat(outlet)
    assert [("starts in 1 day" in t, "starts in 1 hour" in t) for t in sent] == [
        (True, False),
        (False, True),
    ]
    assert not any("late" in t for t in sent)


async def test_a_poll_extended_after_its_reminder_does_not_remind_again_at_once(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    await members(moot, host, "Alice")
    poll_id = await published(host, "Street party? | Yes | No | closes: in 3 days | remind: 1d")
    await clock.advance(timedelta(days=2, hours=12))  # reminded at two days
    await moot.drain()

    def reminders() -> int:
        return sum(f"Reminder: poll #{poll_id}" in reply.text for _, reply in outlet.directs)

    assert reminders() == 2  # Alice and the host, who have not voted
    # Twelve hours more: the reminder's moment for the new deadline has passed already.
    assert "closes" in texts(await host.say(f"/extend {poll_id} in 1 day"))
    await moot.drain()
    assert reminders() == 2
    # A longer extension brings a reminder for the new deadline, once.
    await host.say(f"/extend {poll_id} in 5 days")
    await clock.advance(timedelta(days=4, hours=1))
    await moot.drain()
    assert reminders() == 4
