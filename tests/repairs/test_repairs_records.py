"""A community's repair records: every report as a spreadsheet for board papers and the
regulator (`/repairs export`, with RP02 in the reply), and a home's repair history for the team
(`/homerepairs`), where damp and mould coming back to the same home is flagged, as it is on the
report's card."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.core import Moot
from bot.events import Attachment, Reply
from tests.fakes.telegram_api import FakeTelegram, Updates
from tests.helpers import RecordingOutlet, Resident, texts
from tests.poll_helpers import members
from tests.repairs.test_repairs import TEAM_CHAT, with_team
from tests.telegram_harness import telegram_adapter

HOMES = Attachment("homes.csv", b"ref,address\n12A,12A Elm Road\n14B,14B Elm Road\n")


def exported(replies: list[Reply]) -> list[dict[str, str]]:
    files = [reply.file for reply in replies if reply.file is not None]
    assert len(files) == 1, texts(replies)
    assert files[0].filename.startswith("repairs-2026-")
    assert files[0].filename.endswith(".csv")
    return list(csv.DictReader(io.StringIO(files[0].data.decode())))


def card_of(outlet: RecordingOutlet, ref: str) -> str:
    """A report's card in the triage chat as it stands now."""
    posted = [r.text for chat, r in outlet.chats if chat == TEAM_CHAT.chat_id]
    edited = [r.text for chat, _, r in outlet.edits if chat == TEAM_CHAT.chat_id]
    return [text for text in posted + edited if text.startswith(f"🔧 {ref} ·")][-1]


async def test_organisers_and_the_team_export_every_report_with_rp02_and_no_names(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    alice, fixer, bob = await with_team(moot, host, community)
    (olive,) = await members(moot, host, "Olive")
    await host.say("/role 5 organiser")
    await host.say("/importhomes", files=(HOMES,))
    await host.say("/tenant 2 12A")
    await alice.privately(
        "/report leak | Water through the ceiling, ring me on 07700 900123 | "
        "access: after 3pm | vulnerable: I use a wheelchair"
    )  # R-0001: urgent, 5 working days
    await bob.privately('/report communal | Lift stuck | where: =HYPERLINK("http://x.example")')
    await alice.privately("/report heating | No heating at all")  # R-0003
    await fixer.say("/priority 3 emergency", TEAM_CHAT)
    await clock.advance(timedelta(hours=2))
    await fixer.say("/repairstatus 3 fixed", TEAM_CHAT)  # within 24 hours
    await clock.advance(timedelta(days=2))
    await fixer.say("/repairstatus 1 fixed", TEAM_CHAT)  # within 5 working days
    await alice.privately("/report pests | Mice under the sink")  # R-0004: routine, 28 days
    await clock.advance(timedelta(days=30))
    await fixer.say("/repairstatus 4 fixed", TEAM_CHAT)  # two days late

    refused = await bob.say("/repairs export")
    assert "Only organisers and the repairs team can export repair reports." in texts(refused)
    assert all(reply.file is None for reply in refused)

    replies = await olive.say("/repairs export")
    said = texts(replies)
    assert "Every repair report in Elm Court, one row each, in Europe/London time" in said
    assert (
        "· 2026/27 so far: emergency 1 of 1 within target (100%); "
        "non-emergency 1 of 2 within target (50%)"
    ) in said
    rows = exported(replies)
    assert list(rows[0]) == [
        "reference",
        "category",
        "where",
        "communal_place",
        "priority",
        "emergency",
        "status",
        "reported",
        "target",
        "due",
        "overdue",
        "fixed",
        "days_to_fix",
        "fixed_within_target",
        "closed",
        "investigated",
        "summary_sent",
        "emergency_hazard",
        "made_safe",
        "me_too",
        "photos",
    ]
    leak, lift, heating, mice = rows
    assert leak["reference"] == "R-0001"
    assert (leak["category"], leak["where"], leak["communal_place"]) == (
        "leak or water",
        "home",
        "",
    )
    assert (leak["priority"], leak["emergency"], leak["target"]) == (
        "urgent",
        "no",
        "5 working days",
    )
    assert (leak["reported"], leak["fixed"], leak["days_to_fix"]) == (
        "2026-11-23 09:00",
        "2026-11-25 11:00",
        "2.1",
    )
    assert (leak["status"], leak["fixed_within_target"], leak["overdue"]) == ("fixed", "yes", "")
    # A place named like a formula stays text in a spreadsheet; still open and now overdue.
    assert lift["communal_place"] == '\'=HYPERLINK("http://x.example")'
    assert (lift["where"], lift["status"], lift["overdue"]) == ("communal", "reported", "yes")
    assert lift["due"] == "2026-12-21 09:00"
    assert (heating["emergency"], heating["fixed_within_target"]) == ("yes", "yes")
    assert (mice["fixed_within_target"], mice["target"]) == ("no", "28 days")

    whole = "\n".join(",".join(row.values()) for row in rows)
    for private in ("Alice", "Bob", "12A", "Elm Road", "07700", "ceiling", "wheelchair", "3pm"):
        assert private not in whole, private
    assert len(exported(await fixer.say("/repairs export"))) == 4

    await clock.advance(timedelta(days=100))  # into April 2027: a new TSM year
    said = texts(await fixer.say("/repairs export"))
    assert "· 2027/28 so far: emergency none completed; non-emergency none completed" in said
    assert (
        "· 2026/27: emergency 1 of 1 within target (100%); non-emergency 1 of 2 within target"
    ) in said


async def test_the_team_sees_a_homes_history_with_repeat_damp_and_mould_flagged(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    alice, fixer, bob = await with_team(moot, host, community)
    (olive,) = await members(moot, host, "Olive")
    await host.say("/role 5 organiser")
    await host.say("/importhomes", files=(HOMES,))
    await host.say("/tenant 2 12A")
    await alice.privately("/report mould | Black mould in the bedroom")  # R-0001
    assert "Repeat damp" not in card_of(outlet, "R-0001")
    await clock.advance(timedelta(days=3))
    await fixer.say("/repairstatus 1 fixed", TEAM_CHAT)
    await alice.privately("/isfixed 1 yes")
    await clock.advance(timedelta(days=60))
    await alice.privately("/report leak | Dripping tap")  # R-0002: not damp
    await alice.privately("/report damp | The mould is back on the bedroom wall")  # R-0003

    flag = "⚠ Repeat damp and mould at 12A: also R-0001 (closed), within 12 months"
    assert f"{flag} · /homerepairs 12A" in card_of(outlet, "R-0003")
    assert "Repeat damp" not in card_of(outlet, "R-0002")
    assert flag in texts(await fixer.say("/repair 3", TEAM_CHAT))
    assert "Repeat damp" not in texts(await alice.privately("/repair 3"))

    said = texts(await fixer.say("/homerepairs 12a", TEAM_CHAT))
    assert said.splitlines() == [
        "Repairs at 12A (12A Elm Road): 3 reports, newest first",
        "R-0003 · damp and mould · reported Mon 25 Jan 2027 · due Mon 08 Feb 2027 · reported",
        "R-0002 · leak or water · reported Mon 25 Jan 2027 · due Mon 01 Feb 2027 · reported",
        "R-0001 · damp and mould · reported Mon 23 Nov 2026 · fixed Thu 26 Nov 2026 "
        "(within target) · closed",
        "⚠ Repeat damp and mould: 2 reports in the last 12 months (R-0001, R-0003)",
    ]
    assert "No repairs have been reported at 14B (14B Elm Road)." in texts(
        await fixer.say("/homerepairs 14B", TEAM_CHAT)
    )
    assert "There is no home 99Z in the register of Elm Court." in texts(
        await fixer.say("/homerepairs 99Z", TEAM_CHAT)
    )
    for who in (bob, olive):  # a member, an organiser: homes' reports are the team's
        assert "Only" in texts(await who.say("/homerepairs 12A"))

    await clock.advance(timedelta(days=400))  # more than 12 months after both
    await alice.privately("/report damp | Condensation on the windows")  # R-0004
    assert "Repeat damp" not in card_of(outlet, "R-0004")
    said = texts(await fixer.say("/homerepairs 12A", TEAM_CHAT))
    assert "Repeat damp" not in said


async def test_without_a_register_repeat_damp_is_the_same_tenants_home(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, clock: ManualClock
) -> None:
    alice, _, bob = await with_team(moot, host, community)
    await alice.privately("/report damp | Mould in the bathroom")  # R-0001
    await bob.privately("/report damp | Mould in the kitchen")  # R-0002: another home
    await clock.advance(timedelta(days=30))
    await alice.privately("/report mould | Mould in the bathroom again")  # R-0003
    await alice.privately("/report damp | Damp in the stairwell | where: Stairwell B")  # R-0004
    assert (
        "⚠ Repeat damp and mould in this tenant's home: also R-0001 (reported), within 12 months"
        in card_of(outlet, "R-0003")
    )
    for ref in ("R-0002", "R-0004"):
        assert "Repeat damp" not in card_of(outlet, ref)


GROUP, ADMIN, ALICE = -100900, 11, 22


@pytest.fixture
async def telegram(moot: Moot) -> AsyncIterator[FakeTelegram]:
    async with telegram_adapter(moot, {(GROUP, ADMIN)}) as (api, _):
        yield api


async def test_the_export_arrives_on_telegram_as_a_csv_document(telegram: FakeTelegram) -> None:
    updates = Updates()
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/setup Elm Court"))
    await telegram.wait_for(GROUP, "home of Elm Court")
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/joinpolicy open"))
    telegram.push(updates.message(GROUP, ALICE, "Alice", "/join"))
    await telegram.wait_for(GROUP, "Welcome to Elm Court, Alice")
    telegram.push(updates.message(ALICE, ALICE, "Alice", "/report heating | The boiler is banging"))
    await telegram.wait_for(ALICE, "Your report is R-0001")

    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/repairs export"))
    await telegram.wait_for(ADMIN, "Every repair report in Elm Court")
    for _ in range(250):
        if any(c.method == "sendDocument" for c in telegram.sent(ADMIN)):
            break
        await asyncio.sleep(0.02)
    sent = next(c for c in telegram.sent(ADMIN) if c.method == "sendDocument")
    document = sent.params["document"]
    assert b"reference,category,where," in document
    assert b"R-0001,heating and hot water,home,,urgent,no,reported,2026-11-23 09:00" in document
    assert b"Alice" not in document
    assert b"banging" not in document
    assert not any(c.method == "sendDocument" for c in telegram.sent(GROUP))
