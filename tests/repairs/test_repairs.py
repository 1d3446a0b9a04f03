"""Fix, through the core as tenants and the repairs team use it: a report filed privately, the
team's card in its triage chat, every step reaching the tenant, a "no access" visit pausing the
clock, internal notes and vulnerability notes kept from those who may not see them."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta

from PIL import Image
from sqlmodel import select

from bot.clock import ManualClock
from bot.core import Moot
from bot.events import Attachment, DirectAddress, Reply, Visibility
from bot.outlet import RefusedError
from bot.repairs import photos
from storage.repairs import RepairPhotoData
from tests.helpers import RecordingOutlet, Resident, dm, group, texts
from tests.poll_helpers import members

TEAM_CHAT = group("console", "repairs-team")
ALICE_DM = dm("console", "alice")
LEAK = (
    "/report leak | Water through the kitchen ceiling | access: weekdays after 3pm | "
    "vulnerable: I use a wheelchair"
)


async def with_team(moot: Moot, host: Resident, code: str) -> tuple[Resident, Resident, Resident]:
    """Alice (a tenant), Fixer (the repairs team) and Bob (another member); the team's own chat
    linked to Elm Court as its triage chat."""
    alice, fixer, bob = await members(moot, host, "Alice", "Fixer", "Bob")
    assert "is now" in texts(await host.say("/role 3 repairs"))
    await host.say(f"/setup {code}", TEAM_CHAT)
    assert "now come to this chat" in texts(await host.say("/triagechat", TEAM_CHAT))
    return alice, fixer, bob


def cards(outlet: RecordingOutlet) -> list[Reply]:
    """The triage chat's card as posted, then each edit of it."""
    posted = [r for chat, r in outlet.chats if chat == TEAM_CHAT.chat_id and "R-0001" in r.text]
    edited = [r for chat, _, r in outlet.edits if chat == TEAM_CHAT.chat_id]
    return posted + edited


async def test_a_tenant_reports_privately_and_hears_back_at_every_step(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    alice, fixer, _ = await with_team(moot, host, community)
    receipt = await alice.privately(LEAK)
    assert all(reply.visibility is Visibility.ACTOR for reply in receipt)
    assert "Your report is R-0001: leak or water, at home." in texts(receipt)
    # Monday 09:00 and urgent: five working days.
    assert "Target: by Mon 30 Nov 2026, 09:00 (urgent: 5 working days)" in texts(receipt)

    card = cards(outlet)[0]
    assert "R-0001 · leak or water · at home · reported" in card.text
    assert "Reported by Alice" in card.text
    assert "wheelchair" not in card.text  # only that a note exists
    assert "A vulnerability note" in card.text
    assert "repairstatus 1.1 acknowledged" in [b.command for b in card.buttons]

    await fixer.press("repairstatus 1.1 acknowledged", TEAM_CHAT)
    news = outlet.dms_to("alice")
    assert "R-0001 (leak or water, at home): acknowledged." in news[-1]
    assert "has received your report" in news[-1]

    await fixer.say("/repairnote R-0001 Rang her: ceiling is bulging", TEAM_CHAT)
    assert len(outlet.dms_to("alice")) == len(news)  # internal notes never reach the tenant

    await clock.advance(timedelta(days=2, hours=1))  # Wednesday 10:00: nobody in
    said = texts(await fixer.say("/repairstatus 1 no-access Nobody was in at 10:00", TEAM_CHAT))
    assert "R-0001 is now no access at the visit; the news is on its way to Alice." in said
    assert "target date is paused" in outlet.dms_to("alice")[-1]
    assert "From the repairs team: Nobody was in at 10:00" in outlet.dms_to("alice")[-1]

    await clock.advance(timedelta(days=2, hours=5))  # Friday 15:00: a new visit is arranged
    await fixer.say("/repairstatus 1 visit-scheduled Monday at 9", TEAM_CHAT)
    # Thursday and Friday stood still: two working days on from Monday 30th.
    assert "Target: by Wed 02 Dec 2026, 09:00" in outlet.dms_to("alice")[-1]

    await fixer.press("repairstatus 1.1 fixed", TEAM_CHAT)
    asked = next(reply for who, reply in outlet.directs if who == "alice" and "fixed" in reply.text)
    assert "The repairs team says it is fixed. Is it?" in asked.text
    assert [b.command for b in asked.buttons] == ["isfixed 1.1 yes", "isfixed 1.1 no"]
    assert "R-0001 · leak or water · fixed" in texts(await alice.privately("/myreports"))
    assert "fixed" in cards(outlet)[-1].text.split("\n")[0]

    said = texts(await alice.press("isfixed 1.1 no", dm("console", "alice")))
    assert "R-0001 is reopened; the news is on its way to the" in said
    assert any("R-0001 is reopened" in r.text for chat, r in outlet.chats if chat == "repairs-team")
    assert "· reported" in cards(outlet)[-1].text.split("\n")[0]
    await fixer.press("repairstatus 1.1 fixed", TEAM_CHAT)
    assert "Thank you: R-0001 is closed." in texts(await alice.privately("/isfixed R-0001 yes"))
    assert cards(outlet)[-1].buttons == ()
    assert "is closed" in texts(await fixer.say("/repairstatus 1 in-progress", TEAM_CHAT))

    mine = texts(await alice.privately("/repair R-0001"))
    teams = texts(await fixer.say("/repair 1", TEAM_CHAT))
    for page in (mine, teams):
        assert "paused Wed 25 Nov 2026, 10:00 to Fri 27 Nov 2026, 15:00" in page
        assert "no-access: Nobody was in at 10:00" in page
    exported = (await alice.privately("/repairexport R-0001"))[0]
    assert exported.file is not None
    assert exported.file.filename == "repair-R-0001.txt"
    evidence = exported.file.data.decode()
    assert evidence.startswith("Repair report R-0001, Elm Court\nExported from Moot on ")
    assert "no-access: Nobody was in at 10:00" in evidence
    assert "Rang her" not in evidence
    assert "Rang her" not in mine
    assert "wheelchair" not in mine
    assert "note (internal): Rang her: ceiling is bulging" in teams
    assert "Vulnerability: I use a wheelchair" in teams


async def test_damp_and_mould_runs_on_awaabs_law_and_the_team_sets_priorities(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    alice, fixer, _ = await with_team(moot, host, community)
    receipt = texts(await alice.privately("/report mould | Black mould behind the wardrobe"))
    # Ten working days from Monday 23 November.
    assert "by Mon 07 Dec 2026, 09:00 (damp and mould (Awaab's Law): 10 working days)" in receipt

    said = texts(await fixer.press("priority 1.1 emergency", TEAM_CHAT))
    assert "R-0001 is emergency: target by Tue 24 Nov 2026, 09:00" in said
    assert "set its priority to emergency" in outlet.dms_to("alice")[-1]
    assert "already" in texts(await fixer.say("/priority 1 emergency", TEAM_CHAT))


async def test_a_report_that_continues_privately_from_the_group(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    alice, _, _ = await with_team(moot, host, community)
    asked = (await alice.say("/report"))[0]
    assert asked.visibility is Visibility.ACTOR
    assert asked.form is not None
    assert asked.form.private
    receipt = await alice.submit(
        "report",
        {"details": "windows", "what": "The bedroom window will not shut", "where": "home"},
    )
    assert "R-0001: doors, windows and security, at home" in texts(receipt)
    assert all(reply.visibility is Visibility.ACTOR for reply in receipt)
    assert not any("bedroom window" in r.text for chat, r in outlet.chats if chat == "group-1")


async def test_reports_are_private_and_bad_input_changes_nothing(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    alice, fixer, bob = await with_team(moot, host, community)
    await alice.privately(LEAK)
    for who, line in ((bob, "/repair 1"), (bob, "/repair R-0001"), (alice, "/repair R-0099")):
        said = texts(await who.privately(line))
        assert "There is no report" in said, said
        assert "kitchen" not in said
    assert "Only the repairs team" in texts(await alice.privately("/repairstatus 1 fixed"))

    refusals = {
        "/report flying saucers | It landed": "is not a repair category",
        "/report leak |   ": "Write a report as: category | what is wrong",
        "/report leak | Drip | colour: blue": "is not part of a report",
        "/report leak | " + "x" * 2001: "up to 2000 characters",
        "/repairstatus 1 not-ours": "Say what to tell the tenant",
        "/repairstatus 1 sideways": "is not one of the choices",
    }
    for line, refusal in refusals.items():
        who = fixer if line.startswith("/repairstatus") else alice
        said = texts(await who.privately(line))
        assert refusal in said, (line, said)
    assert "R-0001 · leak or water · reported" in texts(await alice.privately("/myreports"))
    assert "R-0002" not in texts(await alice.privately("/myreports"))


async def test_the_assignee_and_the_triage_chat_hear_before_and_at_a_target(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    alice, fixer, _ = await with_team(moot, host, community)
    await alice.privately("/report electrics | The hall light sparks")  # urgent: Mon 30th 09:00
    await alice.privately("/report pests | Mice under the sink")  # routine: 28 days
    refused = texts(await fixer.say("/assign 1 4", TEAM_CHAT))  # Bob is not on the team
    assert "Member #4 is not on the repairs team here" in refused
    said = texts(await fixer.say("/assign R-0001 3", TEAM_CHAT))
    assert "R-0001 is assigned to Fixer; the news is on its way to them." in said
    assert "You are assigned R-0001 in Elm Court" in outlet.dms_to("fixer")[-1]
    assert "Assigned to Fixer" in cards(outlet)[-1].text

    def alerts(mark: str) -> list[str]:
        return [r.text for chat, r in outlet.chats if chat == TEAM_CHAT.chat_id and mark in r.text]

    await clock.advance(timedelta(days=3, hours=23))  # Thursday 08:00
    await moot.drain()
    assert alerts("⏰") == []
    await clock.advance(timedelta(days=1, hours=1))  # Friday 09:00: one working day before
    await moot.drain()
    assert alerts("⏰") == [
        "⏰ R-0001 (electrics, at home) is due by Mon 30 Nov 2026, 09:00 (urgent: 5 working "
        "days): one working day left."
    ]
    assert "one working day left" in outlet.dms_to("fixer")[-1]
    await clock.advance(timedelta(days=3))  # Monday 09:00: the target passes
    await moot.drain()
    assert alerts("🔴") == [
        "🔴 R-0001 (electrics, at home) is overdue: its target was Mon 30 Nov 2026, 09:00."
    ]
    assert not any("R-0002" in text for text in alerts("⏰") + alerts("🔴"))
    assert not any("⏰" in text or "🔴" in text for text in outlet.dms_to("bob"))


async def test_a_settled_or_moved_target_raises_no_alarm(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    alice, fixer, _ = await with_team(moot, host, community)
    await alice.privately("/report leak | Dripping overflow pipe")
    await alice.privately("/report heating | Radiator cold")
    await fixer.say("/repairstatus 1 fixed", TEAM_CHAT)
    await fixer.say("/priority 2 routine", TEAM_CHAT)  # 28 days now, not 5 working days
    await clock.advance(timedelta(days=8))
    await moot.drain()
    team = [r.text for chat, r in outlet.chats if chat == TEAM_CHAT.chat_id]
    assert not any("⏰" in text or "🔴" in text for text in team), team


async def test_everyone_sees_how_fast_repairs_get_fixed_and_no_one_is_named(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    alice, fixer, bob = await with_team(moot, host, community)
    await alice.privately("/report leak | Dripping overflow pipe")  # urgent, due Mon 30 Nov
    await alice.privately("/report pests | Mice under the sink | where: Bin store")  # 21 Dec
    await bob.privately("/report heating | Radiator cold")  # urgent, due Mon 30 Nov
    await clock.advance(timedelta(days=2))
    await fixer.say("/repairstatus 1 fixed", TEAM_CHAT)  # in 2 days: within target
    await clock.advance(timedelta(days=6))
    await fixer.say("/repairstatus 3 fixed", TEAM_CHAT)  # in 8 days: a day late
    said = texts(await bob.say("/repairs stats"))
    assert said.splitlines() == [
        "Repairs in Elm Court",
        "Open: 1 (routine 1)",
        "Fixed within target: 50% (1 of 2)",
        "· urgent: median 5 days to fix, 50% within target (2 fixed)",
        "Nothing is overdue.",
    ]
    await clock.advance(timedelta(days=21))
    said = texts(await bob.say("/repairs"))
    assert "Overdue now: 1\n· R-0002 pests, Bin store: due Mon 21 Dec 2026" in said
    assert "Alice" not in said
    assert "Bob" not in said


async def test_a_visit_is_booked_moved_and_the_tenant_reminded_the_day_before(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    alice, fixer, _ = await with_team(moot, host, community)
    await alice.privately("/report security | The front door lock is broken")
    for line, refusal in (
        ("/visit 1 yesterday 10:00", "is in the past"),
        ("/visit 1 05/12 10:00", "write the date as 2026-12-05"),
    ):
        assert refusal in texts(await fixer.say(line, TEAM_CHAT))
    said = texts(await fixer.say("/visit R-0001 Thursday 10:00", TEAM_CHAT))
    assert "booked for Thu 26 Nov 2026, 10:00 (Europe/London); the news is on its way" in said
    assert "who is reminded the day before" in said
    assert "Visit: Thu 26 Nov 2026, 10:00." in outlet.dms_to("alice")[-1]
    assert "Visit: Thu 26 Nov 2026, 10:00" in cards(outlet)[-1].text

    await fixer.say("/visit 1 Friday 14:00", TEAM_CHAT)  # moved before its reminder
    assert "Visit: Fri 27 Nov 2026, 14:00." in outlet.dms_to("alice")[-1]
    await clock.advance(timedelta(days=2, hours=1))  # Wednesday 10:00
    await moot.drain()
    assert not any("A reminder" in text for text in outlet.dms_to("alice"))
    await clock.advance(timedelta(days=1, hours=4))  # Thursday 14:00
    await moot.drain()
    reminders = [text for text in outlet.dms_to("alice") if "A reminder" in text]
    assert reminders == [
        "🔧 A reminder: the repairs visit for R-0001 (doors, windows and security, at home) is "
        "tomorrow, Fri 27 Nov 2026, 14:00. Please make sure someone can let us in."
    ]


async def test_a_communal_report_without_a_place_is_communal_and_its_visit_reaches_everyone(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    alice, fixer, bob = await with_team(moot, host, community)
    receipt = texts(await alice.privately("/report communal | The lift is broken"))
    assert "R-0001: communal area, in a shared area (not named)." in receipt
    refused = texts(await alice.privately("/report communal | The lift | where: home"))
    assert "A communal problem is in a shared place" in refused
    assert "R-0001" in texts(await bob.say("/communal"))
    await bob.press("metoo 1.1")
    await fixer.say("/visit 1 Thursday 10:00", TEAM_CHAT)
    await clock.advance(timedelta(days=2, hours=1))  # Wednesday 10:00: the day before
    await moot.drain()
    for who in ("alice", "bob"):
        reminders = [t for t in outlet.dms_to(who) if "A reminder" in t]
        assert reminders == [
            "🔧 A reminder: the repairs visit for R-0001 (communal area, in a shared area (not "
            "named)) is tomorrow, Thu 26 Nov 2026, 10:00."
        ]


async def test_the_team_gets_one_summary_for_new_targets_and_steps_that_move_the_card(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    alice, fixer, _ = await with_team(moot, host, community)
    for n in range(3):
        await alice.privately(f"/report heating | Radiator {n} cold")
    await clock.advance(timedelta(days=3))
    await moot.drain()
    before = len(outlet.chats)
    said = texts(await host.say("/repairtarget urgent 1 working day"))
    assert "3 open report(s) moved to match. 3 of them are now overdue" in said
    await moot.drain()
    told = [r.text for chat, r in outlet.chats[before:] if chat == TEAM_CHAT.chat_id]
    assert told == [
        "⏱ Urgent repairs are now due within 1 working day: 3 open report(s) moved. Overdue "
        "now: R-0001, R-0002, R-0003."
    ]
    before = len(outlet.chats)  # the same target again moves nothing and tells nobody
    said = texts(await host.say("/repairtarget urgent 1 working day"))
    assert "0 open report(s) moved to match." in said
    await moot.drain()
    assert [chat for chat, _ in outlet.chats[before:] if chat == TEAM_CHAT.chat_id] == []

    assert "assigned to Fixer;" in texts(await fixer.say("/assign 1 3", TEAM_CHAT))
    dms = len(outlet.dms_to("fixer"))
    assert "R-0001 is assigned to Fixer already." in texts(await fixer.say("/assign 1 me"))
    assert len(outlet.dms_to("fixer")) == dms

    await alice.privately("/report damp | Mould in the bedroom")  # R-0004
    await fixer.say("/investigated 4 Mould behind the wardrobe", TEAM_CHAT)
    await moot.drain()
    card = [r for chat, _, r in outlet.edits if chat == TEAM_CHAT.chat_id][-1]
    assert "R-0004 · damp and mould · at home · acknowledged" in card.text
    assert "· next: Written summary (Awaab's Law)" in card.text
    assert not any(b.label == "Acknowledge" for b in card.buttons)


async def test_neighbours_say_me_too_to_a_communal_problem_and_duplicates_are_merged(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    alice, fixer, bob = await with_team(moot, host, community)
    await alice.privately("/report leak | Water pouring down the stairs | where: Stairwell B")
    await alice.privately("/report heating | My radiator is cold")  # her home: stays private
    listed = (await bob.say("/communal"))[0]
    assert "R-0001 · leak or water · Stairwell B · reported" in listed.text
    assert "R-0002" not in listed.text
    assert "pouring" not in listed.text  # no descriptions, no names
    assert "Alice" not in listed.text
    assert [b.command for b in listed.buttons] == ["metoo 1.1"]
    assert "There is no communal report R-0002" in texts(await bob.say("/metoo R-0002"))

    said = texts(await bob.press("metoo 1.1"))
    assert "Noted: 2 people have this problem" in said
    assert "already" in texts(await bob.press("metoo 1.1"))
    assert "1 more with the same problem" in cards(outlet)[-1].text
    assert "Stairwell B" in texts(await bob.privately("/repair 1"))  # he follows it now
    await fixer.say("/repairstatus 1 in-progress Plumber on the way", TEAM_CHAT)
    for who in ("alice", "bob"):
        assert "Plumber on the way" in outlet.dms_to(who)[-1]

    cat = Resident(moot, "console", "cat", "Cat")
    await cat.say("/join")
    await cat.privately("/report communal | Stairs flooded | where: Stairwell B")  # R-0003
    said = texts(await fixer.say("/duplicate R-0003 R-0001", TEAM_CHAT))
    assert "R-0003 is closed as a duplicate of R-0001" in said
    assert "the same problem as R-0001" in outlet.dms_to("cat")[-1]
    await fixer.say("/repairstatus 1 fixed", TEAM_CHAT)
    for who in ("alice", "bob", "cat"):
        assert "The repairs team says it is fixed" in outlet.dms_to(who)[-1]
    said = texts(await cat.press("isfixed 1.1 no", dm("console", "cat")))
    assert "R-0001 is reopened" in said


async def test_a_monthly_digest_goes_to_the_community_not_the_triage_chat(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    alice, _, _ = await with_team(moot, host, community)
    await alice.privately("/report leak | Dripping overflow pipe")

    def digests(chat: str) -> list[str]:
        return [r.text for where, r in outlet.chats if where == chat and "📋" in r.text]

    await clock.advance(timedelta(days=7, hours=23, minutes=59))  # Tuesday 1 December, 08:59
    await moot.drain()
    assert digests("group-1") == []
    await clock.advance(timedelta(minutes=1))  # 09:00
    await moot.drain()
    (digest,) = digests("group-1")
    assert digest.startswith("📋 Monthly repairs digest, to the end of November 2026\n")
    assert "Open: 1 (urgent 1)" in digest
    assert "Overdue now: 1" in digest
    assert "Alice" not in digest
    assert digests(TEAM_CHAT.chat_id) == []
    await clock.advance(timedelta(days=31))  # 1 January
    await moot.drain()
    assert digests("group-1")[-1].startswith(
        "📋 Monthly repairs digest, to the end of December 2026"
    )


async def test_the_homes_register_lets_tenants_report_their_own_home_only(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    alice, _, bob = await with_team(moot, host, community)
    twice = Attachment("homes.csv", b"ref,address\n12A,12A Elm Road\n12a,Again\n")
    assert "line 3: 12a is listed twice" in texts(await host.say("/importhomes", files=(twice,)))
    homes = Attachment("homes.csv", b"ref,address\n12A,12A Elm Road\n14B,14B Elm Road\n")
    assert "Only organisers" in texts(await bob.say("/importhomes", files=(homes,)))
    assert "The homes register is empty" in texts(await host.say("/homes"))
    assert "2 home(s) added" in texts(await host.say("/importhomes", files=(homes,)))

    refused = texts(await alice.privately("/report leak | Drip from the ceiling"))
    assert "You are not linked to a home in the register yet" in refused
    said = texts(await host.say("/tenant 2 12a"))
    assert "Alice is a tenant of 12A (12A Elm Road)." in said
    assert "12A: 12A Elm Road · #2" in texts(await host.say("/homes"))
    assert "Only organisers" in texts(await bob.say("/tenant 4 14B"))

    receipt = texts(await alice.privately("/report leak | Drip from the ceiling"))
    assert "R-0001: leak or water, at home (12A)" in receipt
    assert "R-0001 · leak or water · at 12A, 12A Elm Road · reported" in cards(outlet)[-1].text
    refused = texts(await alice.privately("/report leak | Drip | where: 14B"))
    assert "14B is not your home in the register" in refused
    receipt = texts(await alice.privately("/report communal | Bins overflowing | where: Bin store"))
    assert "R-0002: communal area, in Bin store" in receipt
    assert "R-0003" not in texts(await alice.privately("/myreports"))


async def stored_photos(moot: Moot) -> list[bytes]:
    """Every photo as it is stored, read as someone who got hold of the disk (or the PostgreSQL
    server) would: the files in the photo folder, or the rows of the photo table."""
    kept = photos.store(moot)
    if isinstance(kept, photos.FolderPhotos):
        return [path.read_bytes() for path in kept.folder.glob("*")]
    return await moot.read(lambda s: list(s.exec(select(RepairPhotoData.data))))


def photo_with_location() -> bytes:
    """A JPEG as a phone takes it: camera, GPS position, and turned on its side by EXIF."""
    image = Image.new("RGB", (64, 48), "red")
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # the camera's make
    exif[0x0112] = 6  # orientation: rotate to show
    exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


async def test_photos_are_checked_by_content_and_stored_without_their_location(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    alice, fixer, bob = await with_team(moot, host, community)
    await alice.privately("/report leak | Water through the ceiling")
    named_png = Attachment("holiday.png", photo_with_location(), "image/png")  # a JPEG really
    said = texts(await alice.say("/photo R-0001", ALICE_DM, files=(named_png,)))
    assert "The photo is on R-0001 (1 in all), with its location and camera details removed" in said
    assert "already" in texts(await alice.say("/photo 1", ALICE_DM, files=(named_png,)))
    for file, refusal in (
        (Attachment("photo.jpg", b"%PDF-1.7 not an image at all"), "not a photo Moot can read"),
        (Attachment("big.jpg", b"\xff\xd8" + bytes(10 * 1024 * 1024)), "over 10 MB"),
    ):
        assert refusal in texts(await alice.say("/photo 1", ALICE_DM, files=(file,)))
    assert "There is no report" in texts(
        await bob.say("/photo 1", dm("console", "bob"), files=(named_png,))
    )

    (raw,) = await stored_photos(moot)
    assert b"SpyCam" not in raw
    assert b"Exif" not in raw
    with Image.open(io.BytesIO(raw)) as kept:
        assert kept.format == "JPEG"
        assert dict(kept.getexif()) == {}
        assert kept.size == (48, 64)  # turned the right way up before the EXIF went
    assert "📷 1 photo: /photos 1" in cards(outlet)[-1].text
    (shown,) = await fixer.say("/photos R-0001", TEAM_CHAT)
    assert shown.file is not None
    assert shown.file.data == raw
    assert shown.visibility is Visibility.ACTOR


async def test_damp_and_mould_moves_through_awaabs_law_steps(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    alice, fixer, _ = await with_team(moot, host, community)
    await alice.privately("/report mould | Black mould in the bedroom")  # investigate by 7 Dec
    await alice.privately("/report leak | Dripping tap")
    assert "not on Awaab's Law's clock" in texts(
        await fixer.say("/investigated 2 Worn washer", TEAM_CHAT)
    )
    await clock.advance(timedelta(days=2))  # Wednesday 25th
    said = texts(await fixer.say("/summary 1 Too soon", TEAM_CHAT))
    assert "Record the investigation first" in said

    said = texts(await fixer.say("/investigated 1 A blocked extractor fan", TEAM_CHAT))
    assert "Next: Written summary (Awaab's Law), target by Mon 30 Nov 2026, 09:00" in said
    told = outlet.dms_to("alice")[-1]
    assert "Found: A blocked extractor fan" in told
    assert (
        "a written summary by Mon 30 Nov 2026, 09:00, and the safety work starts by "
        "Wed 02 Dec 2026, 09:00" in told
    )
    await fixer.say("/summary R-0001 We will replace the fan and treat the wall.", TEAM_CHAT)
    assert outlet.dms_to("alice")[-1] == (
        "📄 Written summary of the investigation into R-0001:\n"
        "We will replace the fan and treat the wall."
    )
    page = texts(await fixer.say("/repair 1", TEAM_CHAT))
    assert "Investigate (Awaab's Law): within 10 working days" in page
    assert "so by Mon 07 Dec 2026, 09:00 — done" in page
    assert "Written summary (Awaab's Law): within 3 working days of Wed 25 Nov 2026, 09:00" in page
    assert "Target: by Wed 02 Dec 2026, 09:00" in page  # the safety work is what is due now
    await fixer.say("/repairstatus 1 in-progress", TEAM_CHAT)
    page = texts(await fixer.say("/repair 1", TEAM_CHAT))
    assert "so by Wed 02 Dec 2026, 09:00 — done" in page


async def test_a_community_sets_its_own_targets_and_the_team_takes_reports_from_the_card(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    alice, fixer, _ = await with_team(moot, host, community)
    await alice.privately("/report heating | No heating at all")  # urgent: by Mon 30 Nov
    for line, refusal in (
        ("/repairtarget urgent 9 fortnights", "Give the target as 24 hours"),
        ("/repairtarget urgent 0 days", "Give 1 to 365 days"),
    ):
        assert refusal in texts(await host.say(line))
    assert "Only admins" in texts(await fixer.say("/repairtarget urgent 7 days"))
    said = texts(await host.say("/repairtarget urgent 7 working days"))
    assert "due within 7 working days; 1 open report(s) moved to match" in said
    assert "Target: by Wed 02 Dec 2026, 09:00 (urgent: 7 working days)" in texts(
        await alice.privately("/repair 1")
    )
    receipt = texts(await alice.privately("/report electrics | Sockets dead"))
    assert "(urgent: 7 working days)" in receipt
    assert "Add photos with /photo 2" in receipt
    await host.say("/repairtarget urgent default")
    assert "(urgent: 5 working days)" in texts(await alice.privately("/repair 2"))

    second = next(r for chat, r in outlet.chats if chat == "repairs-team" and "R-0002" in r.text)
    take = next(b.command for b in second.buttons if b.label == "Take it")
    assert take == "assign 1.2 me"
    assert "R-0002 is assigned to Fixer" in texts(await fixer.press(take, TEAM_CHAT))
    assert "Only the repairs team" in texts(await alice.press("assign 1.1 me"))


@dataclass
class BlockingOutlet(RecordingOutlet):
    """A platform on which one person has blocked Moot."""

    blocked: str = "alice"

    async def send_direct(self, address: DirectAddress, reply: Reply, *, key: str) -> str:
        if address.user_id == self.blocked:
            raise RefusedError("the user has blocked Moot")
        return await super().send_direct(address, reply, key=key)


async def test_a_tenant_who_cannot_be_reached_is_named_to_the_team(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    alice, fixer, _ = await with_team(moot, host, community)
    await alice.privately("/report leak | Drip")
    blocking = BlockingOutlet("console")
    moot.attach(blocking)  # from now on Alice has blocked Moot
    said = texts(await fixer.press("repairstatus 1.1 acknowledged", TEAM_CHAT))
    assert "Alice was not sent news of repair R-0001: the user has blocked Moot" in said
    await moot.drain()
    told = [r.text for chat, r in blocking.chats if chat == TEAM_CHAT.chat_id]
    assert told == [
        "☎ Moot could not tell Alice (the tenant; home: no home in the register) of R-0001 "
        "about a step (the user has blocked Moot). Please phone them."
    ]
    await fixer.press("repairstatus 1.1 in-progress", TEAM_CHAT)  # known unreachable now
    await moot.drain()
    told = [r.text for chat, r in blocking.chats if chat == TEAM_CHAT.chat_id and "☎" in r.text]
    assert len(told) == 2
