"""Communities, chats and the register, through the core as a resident would use them."""

from __future__ import annotations

from sqlmodel import col, select

from bot.core import Moot
from bot.events import Attachment, Visibility
from storage.models import AuditEntry, Chat, Community, Membership
from tests.helpers import RecordingOutlet, Resident, group, texts


async def count(moot: Moot, model: type) -> int:
    return await moot.read(lambda s: len(s.exec(select(model)).all()))


async def test_setup_creates_a_community_and_gives_the_admin_a_private_code(
    host: Resident, moot: Moot
) -> None:
    replies = await host.say("/setup Elm Court Residents")
    public = [r for r in replies if r.visibility is Visibility.CHAT]
    private = [r for r in replies if r.visibility is Visibility.ACTOR]
    assert "home of Elm Court Residents" in public[0].text
    assert "CHAT-" in private[0].text
    assert "CHAT-" not in public[0].text
    assert await count(moot, Community) == 1


async def test_only_a_chat_admin_may_run_setup(alice: Resident, moot: Moot) -> None:
    replies = await alice.say("/setup Alice's Club")
    assert replies[0].visibility is Visibility.ACTOR
    assert "Only an admin of this chat" in replies[0].text
    assert await count(moot, Community) == 0


async def test_setup_without_a_name_asks_with_a_form_then_works(host: Resident, moot: Moot) -> None:
    replies = await host.say("/setup")
    assert replies[0].form is not None
    assert [f.name for f in replies[0].form.fields] == ["community"]
    answered = await host.submit("setup", {"community": "Elm Court"})
    assert "home of Elm Court" in texts(answered)


async def test_setup_in_a_direct_message_is_refused(host: Resident, moot: Moot) -> None:
    replies = await host.privately("/setup Elm Court")
    assert "works in a group chat" in texts(replies)
    assert await count(moot, Community) == 0


async def test_a_second_chat_on_another_platform_joins_with_the_code(
    host: Resident, community: str, moot: Moot
) -> None:
    tg_admin = Resident(moot, "telegram", "500", "Tg Admin", chat_admin=True)
    replies = await tg_admin.say(f"/setup {community.lower()}", group("telegram", "-100"))
    assert "linked to Elm Court" in texts(replies)
    assert await count(moot, Chat) == 2
    assert await count(moot, Community) == 1


async def test_a_wrong_community_code_links_nothing(moot: Moot) -> None:
    tg_admin = Resident(moot, "telegram", "500", "Tg Admin", chat_admin=True)
    replies = await tg_admin.say("/setup CHAT-AAAA-BBBB", group("telegram", "-100"))
    assert "not valid" in texts(replies)
    assert await count(moot, Chat) == 0


async def test_join_with_approval_tells_organisers_and_then_the_applicant(
    community: str, alice: Resident, host: Resident, outlet: RecordingOutlet
) -> None:
    replies = await alice.say("/join")
    assert replies[0].visibility is Visibility.ACTOR
    assert "is with the organisers" in replies[0].text
    organiser_dm = [reply for who, reply in outlet.directs if who == "host"][-1]
    assert "Alice asks to join Elm Court" in organiser_dm.text
    approve = organiser_dm.buttons[0]
    assert approve.label == "Approve"
    assert "Only organisers" in texts(await alice.say(f"/{approve.command}"))
    approved = await host.press(approve.command)
    assert "Approved: #" in texts(approved)
    assert "You are now a member of Elm Court" in outlet.dms_to("alice")[-1]
    assert "you are a member" in texts(await alice.say("/whoami"))


async def test_a_stale_approve_button_changes_nothing(
    community: str, alice: Resident, host: Resident
) -> None:
    await alice.say("/join")
    await host.say("/reject 2")
    again = await host.press("approve 2")
    assert "is not waiting for a decision (rejected)" in texts(again)
    assert "visitor" in texts(await alice.say("/help"))


async def test_open_joining_admits_at_once(community: str, alice: Resident, host: Resident) -> None:
    await host.say("/joinpolicy open")
    replies = await alice.say("/join")
    assert "Welcome to Elm Court, Alice" in texts(replies)
    assert "already a member" in texts(await alice.say("/join"))


async def test_members_lists_the_register_with_decision_buttons(
    community: str, alice: Resident, host: Resident
) -> None:
    await alice.say("/join")
    replies = await host.say("/members")
    assert replies[0].visibility is Visibility.ACTOR
    assert "#1 Host · admin" in replies[0].text
    assert "Waiting for approval (1)" in replies[0].text
    assert [b.command for b in replies[0].buttons] == ["approve 1.2", "reject 1.2"]


async def test_roles_and_the_last_admin(
    community: str, alice: Resident, host: Resident, moot: Moot
) -> None:
    await host.say("/joinpolicy open")
    await alice.say("/join")
    assert "is now an organiser" in texts(await host.say("/role 2 organiser"))
    assert "you are an organiser" in texts(await alice.say("/whoami"))
    assert "Only admins" in texts(await alice.say("/role 1 member"))
    # The host is admin through the chat, but also on the register: demoting the only admin fails.
    assert "at least one admin" in texts(await host.say("/role 1 member"))
    assert "not one of the choices" in texts(await host.say("/role 2 king"))


async def test_remove_takes_someone_off_the_register(
    community: str, alice: Resident, host: Resident, outlet: RecordingOutlet
) -> None:
    await host.say("/joinpolicy open")
    await alice.say("/join")
    assert "Removed #2 Alice" in texts(await host.say("/remove 2"))
    assert "no longer a member" in outlet.dms_to("alice")[-1]
    assert "Only organisers" in texts(await alice.say("/members"))
    assert "no member #99" in texts(await host.say("/remove 99"))


async def test_import_reports_bad_rows_and_imports_none(
    community: str, host: Resident, moot: Moot
) -> None:
    before = await count(moot, Membership)
    csv = b"name,role,unit\nAda,member,Flat 1\n,member,Flat 2\nBea,king,Flat 3\nAda,member,Flat 1\n"
    replies = await host.say("/import", files=(Attachment("register.csv", csv),))
    message = texts(replies)
    assert "Nothing was imported: 3 row(s)" in message
    assert "line 3: the name is empty" in message
    assert "line 4: role 'king'" in message
    assert "line 5: Ada (Flat 1) appears twice" in message
    assert await count(moot, Membership) == before


async def test_import_then_claim_with_a_code(
    community: str, host: Resident, alice: Resident
) -> None:
    csv = b"name,unit\nAlice Smith,Flat 4\nZed,Flat 9\n"
    replies = await host.say("/import", files=(Attachment("register.csv", csv),))
    assert "Imported 2 member(s)" in replies[0].text
    assert replies[0].file is not None
    rows = replies[0].file.data.decode().splitlines()
    alice_code = rows[1].split(",")[-1]
    assert rows[1].startswith("#2,Alice Smith,Flat 4,member,JOIN-")
    claimed = await alice.privately(f"/join {alice_code}")
    assert "your place on the register is now yours" in texts(claimed)
    assert "already been used" in texts(await alice.privately(f"/join {alice_code}"))
    register = texts(await host.say("/members"))
    assert "#2 Alice Smith (Flat 4) · console" in register
    assert "#3 Zed (Flat 9) · not yet claimed" in register
    (again,) = await host.say("/claimcodes")  # the organiser lost the file: ask again
    assert again.file is not None
    zed_row = rows[2]
    assert again.file.data.decode().splitlines()[1:] == [zed_row]  # Alice has claimed hers


async def test_import_needs_a_file_and_a_name_column(community: str, host: Resident) -> None:
    assert "needs <file>" in texts(await host.say("/import"))
    no_header = await host.say("/import", files=(Attachment("x.csv", b"who,unit\nA,1\n"),))
    assert "header with a `name` column" in texts(no_header)
    binary = await host.say("/import", files=(Attachment("x.csv", b"\xff\xfe\x00bad"),))
    assert "not UTF-8" in texts(binary)


async def test_timezone_is_checked(community: str, host: Resident, moot: Moot) -> None:
    assert "not a time zone I know" in texts(await host.say("/timezone Mars/Olympus"))
    assert "now keeps time in America/New_York" in texts(
        await host.say("/timezone america/new_york")
    )
    zone = await moot.read(lambda s: s.exec(select(Community.timezone)).one())
    assert zone == "America/New_York"


async def test_changes_are_in_the_audit_log(
    community: str, alice: Resident, host: Resident, moot: Moot
) -> None:
    await alice.say("/join")
    await host.say("/approve 2")
    actions = await moot.read(
        lambda s: list(s.exec(select(AuditEntry.action).order_by(col(AuditEntry.id))))
    )
    assert actions == ["community.created", "member.requested", "member.approved"]


async def test_a_long_register_is_a_file_and_formulas_stay_text(
    community: str, host: Resident
) -> None:
    names = ['=HYPERLINK("http://evil")', *(f"Resident {n}" for n in range(99))]
    csv = "name\n" + "\n".join('"' + n.replace('"', '""') + '"' for n in names)
    (imported,) = await host.say("/import", files=(Attachment("register.csv", csv.encode()),))
    assert imported.file is not None
    assert b"'=HYPERLINK" in imported.file.data  # a spreadsheet shows it, never runs it
    (listed,) = await host.say("/members")
    assert "101 member(s) and 0 waiting for approval" in listed.text
    assert len(listed.text) < 500
    assert listed.file is not None
    rows = listed.file.data.decode().splitlines()
    assert rows[0] == "member,name,unit,role,status,platforms"
    assert len(rows) == 102
    assert rows[2].startswith("#2,\"'=HYPERLINK")
