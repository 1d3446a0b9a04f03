"""Fix, as a tenant answers and withdraws, and when something is an emergency: a tenant answers
"needs information", adds to their report or withdraws it (the team hears, the clock stops); the
receipt of a report that may be an emergency says who to call out of hours, in the community's
own words once an admin sets them; an emergency hazard under Awaab's Law must be made safe
within 24 hours of the report."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, select

from bot.clock import ManualClock
from bot.core import Moot
from bot.events import Attachment
from storage.models import ScheduledJob
from tests.helpers import RecordingOutlet, Resident, dm, texts
from tests.repairs.test_repairs import ALICE_DM, TEAM_CHAT, cards, photo_with_location, with_team
from tests.repairs.test_repairs_records import exported

BOB_DM = dm("console", "bob")


def team_chat(outlet: RecordingOutlet, mark: str) -> list[str]:
    return [r.text for chat, r in outlet.chats if chat == TEAM_CHAT.chat_id and mark in r.text]


async def waiting_jobs(moot: Moot) -> list[str]:
    """The identities of the scheduled jobs still waiting."""

    def read(session: Session) -> list[str]:
        waiting = session.exec(select(ScheduledJob).where(col(ScheduledJob.done_at).is_(None)))
        return [job.key for job in waiting if job.key is not None]

    return await moot.read(read)


async def test_a_tenant_answers_needs_information_and_the_team_hears(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    alice, fixer, bob = await with_team(moot, host, community)
    await alice.privately("/report leak | Water through the ceiling")
    await fixer.say("/assign 1 me", TEAM_CHAT)
    await fixer.press("repairstatus 1.1 acknowledged", TEAM_CHAT)
    await fixer.say("/repairstatus 1 needs-info Which room is it under?", TEAM_CHAT)
    asked = outlet.dms_to("alice")[-1]
    assert "From the repairs team: Which room is it under?" in asked
    assert "Answer with /repaircomment 1 and your answer (a photo: /photo 1)." in asked

    # Only the tenant answers: a neighbour cannot see it, the team writes with /repairstatus.
    said = texts(await bob.say("/repaircomment 1 Hello", BOB_DM))
    assert "There is no report R-0001 that you can see here." in said
    said = texts(await fixer.say("/repaircomment 1 Hello", TEAM_CHAT))
    assert "Only the tenants who reported R-0001" in said
    assert "/repairstatus 1" in said

    to_fixer = len(outlet.dms_to("fixer"))
    said = texts(await alice.privately("/repaircomment R-0001 The bathroom, above the bath"))
    assert said == "Added to R-0001; the repairs team has it. It is back to acknowledged."
    assert team_chat(outlet, "💬") == [
        "💬 R-0001: Alice (the tenant) answered: The bathroom, above the bath\n"
        "It is back to acknowledged."
    ]
    assert "The bathroom, above the bath" in outlet.dms_to("fixer")[to_fixer]  # the assignee
    assert "R-0001 · leak or water · at home · acknowledged" in cards(outlet)[-1].text
    page = texts(await alice.privately("/repair 1"))
    assert "tenant comment: The bathroom, above the bath" in page

    said = texts(await alice.privately("/repaircomment 1 It is dripping faster now"))
    assert said == "Added to R-0001; the repairs team has it."
    assert team_chat(outlet, "💬")[-1] == (
        "💬 R-0001: Alice (the tenant) added: It is dripping faster now"
    )

    photo = Attachment("ceiling.jpg", photo_with_location())
    await alice.say("/photo 1", ALICE_DM, files=(photo,))
    assert team_chat(outlet, "📷") == ["📷 R-0001: Alice (the tenant) added a photo: /photos 1"]
    assert "📷 R-0001" in outlet.dms_to("fixer")[-1]

    await fixer.say("/repairstatus 1 closed All done", TEAM_CHAT)
    said = texts(await alice.privately("/repaircomment 1 Thanks"))
    assert "R-0001 is closed: if the problem is back, /report it." in said


async def test_a_neighbours_comment_does_not_answer_and_keeps_a_report_from_being_withdrawn(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    alice, fixer, bob = await with_team(moot, host, community)
    await alice.privately("/report leak | Water on the landing | where: Landing")
    await bob.say("/metoo 1", BOB_DM)
    await fixer.say("/repairstatus 1 needs-info Which floor?", TEAM_CHAT)

    said = texts(await bob.say("/repaircomment 1 It is on the second floor", BOB_DM))
    assert said == "Added to R-0001; the repairs team has it."
    assert team_chat(outlet, "💬") == [
        "💬 R-0001: Bob (said me too) added: It is on the second floor"
    ]
    assert "more information needed" in cards(outlet)[-1].text.split("\n")[0]

    said = texts(await bob.say("/withdraw 1", BOB_DM))
    assert "Only the tenant who reported R-0001 can withdraw it." in said
    said = texts(await alice.privately("/withdraw 1"))
    assert "1 neighbour said me too to R-0001, so it stays open for them" in said
    assert team_chat(outlet, "↩") == []

    # Bob asks to be forgotten: what he wrote on Alice's report goes with him.
    assert "second floor" in texts(await fixer.say("/repair 1", TEAM_CHAT))
    await bob.say("/forgetme confirm", BOB_DM)
    assert "second floor" not in texts(await fixer.say("/repair 1", TEAM_CHAT))


async def test_a_tenant_withdraws_a_report_and_nothing_more_is_due_on_it(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    alice, fixer, bob = await with_team(moot, host, community)
    await alice.privately("/report electrics | The hall light flickers")  # by Mon 30 Nov 09:00
    await fixer.say("/visit 1 Thursday 10:00", TEAM_CHAT)
    assert any(key.endswith("report:1") for key in await waiting_jobs(moot))

    said = texts(await fixer.say("/withdraw 1", TEAM_CHAT))
    assert "Only the tenant who reported R-0001 can withdraw it." in said
    said = texts(await bob.say("/withdraw 1", BOB_DM))
    assert "There is no report R-0001 that you can see here." in said

    said = texts(await alice.privately("/withdraw R-0001 An electrician friend fixed it"))
    assert said == (
        "R-0001 is withdrawn: the repairs team is told, and nothing more is due on it. If the "
        "problem comes back, /report it again."
    )
    assert team_chat(outlet, "↩") == [
        "↩ R-0001 is withdrawn by the tenant: An electrician friend fixed it. The visit booked "
        "for Thu 26 Nov 2026, 10:00 is off."
    ]
    card = cards(outlet)[-1]
    assert "R-0001 · electrics · at home · withdrawn by the tenant" in card.text
    assert card.buttons == ()
    assert "R-0001 · electrics · withdrawn by the tenant" in texts(
        await alice.privately("/myreports")
    )
    stats = texts(await bob.say("/repairs stats"))
    assert "Open: 0" in stats
    assert not [key for key in await waiting_jobs(moot) if key.endswith("report:1")]

    # Settled: the team cannot move it on, nor can it be withdrawn twice.
    assert "R-0001 is withdrawn by the tenant." in texts(
        await fixer.say("/repairstatus 1 in-progress", TEAM_CHAT)
    )
    assert "withdrawn by the tenant already" in texts(await alice.privately("/withdraw 1"))

    dms = len(outlet.dms_to("alice"))
    await clock.advance(timedelta(days=8))  # past the visit and the target
    await moot.drain()
    assert team_chat(outlet, "⏰") + team_chat(outlet, "🔴") == []
    assert len(outlet.dms_to("alice")) == dms  # no visit reminder


async def test_a_report_that_may_be_an_emergency_says_who_to_call_out_of_hours(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    alice, fixer, _ = await with_team(moot, host, community)
    receipt = texts(await alice.privately("/report leak | Water pouring from the light fitting"))
    assert "🚨 In an emergency, do not wait for an answer here" in receipt
    for number in ("call 999", "0800 111 999", "call 105", "stopcock"):
        assert number in receipt
    receipt = texts(await alice.privately("/report pests | Mice in the kitchen"))
    assert "0800 111 999" not in receipt

    said = texts(await host.privately("/emergencyinfo"))
    assert "0800 111 999" in said
    own = "Out of hours, phone Elm Homes on 0300 000 0000. Gas: 0800 111 999. Danger: 999."
    said = texts(await host.say(f"/emergencyinfo {own}"))
    assert own in said
    assert "/emergencyinfo default puts back the national numbers" in said

    receipt = texts(await alice.privately("/report heating | Boiler smells of gas"))
    heading = (
        "🚨 In an emergency, do not wait for an answer here: Moot is not watched day and night."
    )
    assert f"{heading}\n{own}" in receipt
    assert "call 105" not in receipt  # the community's words replace the default

    await fixer.say("/priority 2 emergency", TEAM_CHAT)  # the mice, made an emergency
    told = outlet.dms_to("alice")[-1]
    assert "set its priority to emergency" in told
    assert own in told

    said = texts(await host.say("/emergencyinfo default"))
    assert "0800 111 999 (free, day and night)" in said
    receipt = texts(await alice.privately("/report electrics | Socket is scorched"))
    assert "0300 000 0000" not in receipt
    assert "call 105" in receipt


async def test_an_emergency_hazard_must_be_made_safe_within_24_hours_of_the_report(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    alice, fixer, _ = await with_team(moot, host, community)
    await alice.privately("/report electrics | The socket by the sink sparks")  # Monday 09:00
    await alice.privately("/report leak | Dripping tap")
    await clock.advance(timedelta(hours=1))  # Monday 10:00

    said = texts(await fixer.say("/emergencyhazard 1 Sparking socket near water", TEAM_CHAT))
    assert (
        "R-0001 is an emergency hazard: under Awaab's Law it must be made safe by "
        "Tue 24 Nov 2026, 09:00, 24 hours from the report. The news is on its way to Alice."
    ) in said
    told = outlet.dms_to("alice")[-1]
    assert told.startswith(
        "🚨 R-0001: the repairs team is treating this as an emergency hazard: Sparking socket "
        "near water\nUnder Awaab's Law it must be made safe by Tue 24 Nov 2026, 09:00"
    )
    assert "you must be offered somewhere safe to stay" in told
    assert "0800 111 999" in told
    assert (
        "🚨 Emergency hazard (Awaab's Law): make safe by Tue 24 Nov 2026, 09:00"
        in cards(outlet)[-1].text
    )
    page = texts(await fixer.say("/repair 1", TEAM_CHAT))
    assert "Target: by Tue 24 Nov 2026, 09:00 (emergency hazard, Awaab's Law: 24 hours)" in page
    assert (
        "Make the emergency hazard safe (Awaab's Law): within 24 hours of Mon 23 Nov 2026, "
        "09:00, so by Tue 24 Nov 2026, 09:00" in page
    )
    assert "Urgent repair: within 5 working days" in page
    assert "already" in texts(await fixer.say("/emergencyhazard 1 Again", TEAM_CHAT))
    assert "Only the repairs team" in texts(await alice.privately("/emergencyhazard 1 Sparks"))
    assert "is not an emergency hazard" in texts(await fixer.say("/madesafe 2 Done", TEAM_CHAT))

    await clock.advance(timedelta(hours=22, minutes=59))  # Tuesday 08:59
    await moot.drain()
    assert team_chat(outlet, "🔴") == []
    await clock.advance(timedelta(minutes=1))  # Tuesday 09:00: not made safe in time
    await moot.drain()
    assert team_chat(outlet, "🔴") == [
        "🔴 R-0001 (electrics, at home) is overdue: its target was Tue 24 Nov 2026, 09:00."
    ]

    await clock.advance(timedelta(hours=1))
    said = texts(await fixer.say("/madesafe 1 Isolated the circuit and fitted a cover", TEAM_CHAT))
    assert "R-0001 is made safe" in said
    assert "target by Mon 30 Nov 2026, 09:00 (urgent: 5 working days)" in said
    assert outlet.dms_to("alice")[-1] == (
        "✅ R-0001: the emergency hazard is made safe: Isolated the circuit and fitted a cover\n"
        "The repair goes on. Target: by Mon 30 Nov 2026, 09:00 (urgent: 5 working days)."
    )
    card = cards(outlet)[-1].text
    assert "🚨 Emergency hazard (Awaab's Law): made safe Tue 24 Nov 2026, 10:00" in card
    assert "Target: by Mon 30 Nov 2026, 09:00 (urgent: 5 working days)" in card
    assert "made safe already" in texts(await fixer.say("/madesafe 1 Again", TEAM_CHAT))
    page = texts(await alice.privately("/repair 1"))
    assert "so by Tue 24 Nov 2026, 09:00 — done" in page
    rows = exported(await fixer.say("/repairs export", TEAM_CHAT))
    assert (rows[0]["emergency_hazard"], rows[0]["made_safe"]) == (
        "2026-11-23 10:00",
        "2026-11-24 10:00",
    )

    # Found a day and a half after the report: overdue at once, and the team is told so.
    said = texts(await fixer.say("/emergencyhazard 2 Water reaching the wiring", TEAM_CHAT))
    assert "That is past already, so it is overdue now" in said
    await moot.drain()
    assert (
        "🔴 R-0002 (leak or water, at home) is overdue: its target was Tue 24 Nov 2026, 09:00."
        in team_chat(outlet, "🔴")
    )


async def test_an_emergency_hazard_in_damp_and_mould_comes_before_awaabs_other_steps(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    alice, fixer, _ = await with_team(moot, host, community)
    await alice.privately("/report mould | Mould all over the baby's room")
    await fixer.say("/emergencyhazard 1 Severe mould where an infant sleeps", TEAM_CHAT)
    page = texts(await fixer.say("/repair 1", TEAM_CHAT))
    assert "Target: by Tue 24 Nov 2026, 09:00 (emergency hazard, Awaab's Law: 24 hours)" in page
    await fixer.say("/madesafe 1 Family moved to a clean room; mould washed", TEAM_CHAT)
    assert (
        "Target: by Mon 07 Dec 2026, 09:00 (damp and mould (Awaab's Law): 10 working days)"
        in outlet.dms_to("alice")[-1]
    )
