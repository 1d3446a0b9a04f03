"""The permission matrix: every command, every kind of person, every state a poll can be in.

People: a visitor (speaks in Elm Court's chat, not a member), a member, the member who created
the poll, the repairs team, an organiser, an admin, and an outsider (a member of Oak Lane, who
names Elm Court's things the way buttons do, "1.N"). Each refusal must say so privately, reveal
nothing (an outsider never sees the poll's question) and change nothing in the store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlmodel import Session

from bot.core import Moot
from bot.events import Attachment, Reply, Visibility
from bot.features import ALL_FEATURES
from storage.models import Role
from tests.helpers import RecordingOutlet, Resident, dm, group, texts

ELM = "1"  # Elm Court's community id: its refs are "1.N"
PEOPLE = ("visitor", "member", "creator", "repairs", "organiser", "admin", "outsider")
MEMBERS = {"member", "creator", "repairs", "organiser", "admin"}
MANAGERS = {"creator", "organiser", "admin"}
ORGANISERS = {"organiser", "admin"}
QUESTION = "Paint the railings green?"


@dataclass
class World:
    moot: Moot
    people: dict[str, Resident]

    async def as_(self, who: str, line: str) -> list[Reply]:
        person = self.people[who]
        if who == "outsider":  # in Oak Lane's chat, naming Elm Court's things by "1.N"
            return await person.say(line, group("telegram", "-200"))
        return await person.say(line)


@pytest.fixture
async def world(moot: Moot, outlet: RecordingOutlet) -> World:
    host = Resident(moot, "console", "host", "Admin", chat_admin=True)
    await host.say("/setup Elm Court")
    await host.say("/joinpolicy open")
    people = {"admin": host, "visitor": Resident(moot, "console", "visitor", "Vic")}
    for number, name in enumerate(("member", "creator", "repairs", "organiser"), start=2):
        people[name] = Resident(moot, "console", name, name.title())
        await people[name].say("/join")
        if name in ("repairs", "organiser"):
            await host.say(f"/role {number} {name}")
    oak_admin = Resident(moot, "telegram", "oak-admin", "Oak Admin", chat_admin=True)
    await oak_admin.say("/setup Oak Lane", group("telegram", "-200"))
    await oak_admin.say("/joinpolicy open", group("telegram", "-200"))
    people["outsider"] = Resident(moot, "telegram", "oak-1", "Olive")
    await people["outsider"].say("/join", group("telegram", "-200"))
    return World(moot, people)


async def poll_in(world: World, state: str) -> int:
    """A fresh quick poll by the creator, in `state`; its number in Elm Court."""
    definition = f"{QUESTION} | Yes | No" + (" | secret" if state == "secret" else "")
    replies = await world.as_("creator", f"/poll {definition}")
    match = re.search(r"Draft poll #(\d+)", texts(replies))
    assert match is not None, texts(replies)
    number = int(match.group(1))
    if state != "draft":
        assert "is open" in texts(await world.as_("creator", f"/publish {number}"))
    if state == "closed":
        assert "is closed" in texts(await world.as_("organiser", f"/close {number}"))
    return number


async def snapshot(moot: Moot) -> tuple[object, ...]:
    """Everything a refused command must leave as it was."""

    def read(session: Session) -> tuple[object, ...]:
        run = session.connection().execute
        return tuple(
            run(text(query)).all()
            for query in (
                "SELECT id, status, closes_at, question, kind, outcome FROM poll ORDER BY id",
                "SELECT poll_id, person_id, choice FROM vote ORDER BY poll_id, person_id",
                "SELECT count(*) FROM voterroll",
                "SELECT count(*) FROM papertally",
                "SELECT poll_id, person_id FROM papervoter ORDER BY poll_id, person_id",
                "SELECT community_id, person_id, role, status FROM membership ORDER BY id",
                "SELECT id, join_policy, timezone, polls_by FROM community ORDER BY id",
                "SELECT count(*) FROM outbox",
                "SELECT count(*) FROM pollpost",
                "SELECT id, status, starts_at, title FROM meeting ORDER BY id",
                "SELECT meeting_id, person_id, answer FROM meetingresponse ORDER BY 1, 2",
                "SELECT meeting_id, number, status, position FROM agendaitem ORDER BY 1, 2",
                "SELECT meeting_id, person_id FROM attendance ORDER BY 1, 2",
                "SELECT number, done_at FROM actionitem ORDER BY 1",
                "SELECT community_id, members, percent FROM meetingquorum",
                "SELECT id, minutes FROM meeting ORDER BY id",
                "SELECT id, guests_visible FROM meeting ORDER BY id",
                "SELECT id, status, priority FROM repairreport ORDER BY id",
                "SELECT report_id, kind, detail FROM repairevent ORDER BY id",
                "SELECT * FROM repairsettings",
                "SELECT community_id, access FROM communityweb",
                "SELECT count(*) FROM signinlink",
                "SELECT community_id, person_id FROM feedtoken ORDER BY 1, 2",
            )
        )

    return await moot.read(read)


async def refused(world: World, who: str, line: str, *, hidden: bool) -> None:
    before = await snapshot(world.moot)
    replies = await world.as_(who, line)
    said = texts(replies)
    assert all(r.visibility is Visibility.ACTOR for r in replies), (who, line, said)
    assert re.search(r"There is no|Only |not a member|/join first|Which community", said), (
        who,
        line,
        said,
    )
    if hidden:
        assert QUESTION not in said, (who, line, said)
    assert await snapshot(world.moot) == before, (who, line, said)


async def allowed(world: World, who: str, line: str) -> None:
    said = texts(await world.as_(who, line))
    assert not re.search(r"There is no poll|Only |/join first|something went wrong", said), (
        who,
        line,
        said,
    )


# (command line with {n} for the poll's number, states, who may)
POLL_MATRIX: list[tuple[str, tuple[str, ...], set[str]]] = [
    ("/results {n}", ("draft",), MANAGERS),
    ("/results {n}", ("open", "closed", "secret"), MEMBERS | {"visitor"}),
    ("/voters {n}", ("draft",), MANAGERS),
    ("/voters {n}", ("open", "closed", "secret"), MEMBERS),
    ("/export {n}", ("draft", "open", "closed", "secret"), ORGANISERS),
    ("/pollset {n} kind: approval", ("draft",), MANAGERS),
    ("/publish {n}", ("draft",), MANAGERS),
    ("/discard {n}", ("draft",), MANAGERS),
    ("/post {n}", ("open",), MANAGERS),
    ("/extend {n} in 20 days", ("open", "secret"), MANAGERS),
    ("/close {n}", ("open", "secret"), MANAGERS),
    ("/paper {n} 2 1=1 2=1", ("open",), ORGANISERS),
    ("/papervoters {n} 2", ("open",), ORGANISERS),
    ("/outcome {n} We paint them", ("closed",), ORGANISERS),
    ("/vote {n} 1", ("open", "secret"), MEMBERS),
    ("/ballot {n}", ("open",), MEMBERS | {"visitor"}),
    ("/pick {n} 1", ("open",), MEMBERS | {"visitor"}),
    ("/clearballot {n}", ("open",), MEMBERS | {"visitor"}),
    ("/cast {n}", ("secret",), MEMBERS | {"visitor"}),
]
CASES = [(line, state, who) for line, states, who in POLL_MATRIX for state in states]


@pytest.mark.parametrize(("line", "state", "may"), CASES)
async def test_poll_commands(world: World, line: str, state: str, may: set[str]) -> None:
    number = await poll_in(world, state)
    # Everyone who may not goes first, so the one allowed run below meets the state unchanged.
    for who in PEOPLE:
        if who in may:
            continue
        ref = f"{ELM}.{number}" if who == "outsider" else str(number)
        outsider_or_draft = who == "outsider" or state == "draft"
        await refused(world, who, line.format(n=ref), hidden=outsider_or_draft)
    # The least of those who may (mutating commands change the state, so one is enough).
    least = next(who for who in PEOPLE if who in may)
    await allowed(world, least, line.format(n=number))


async def meeting_in(world: World, state: str) -> int:
    """A fresh meeting by the organiser, in `state`; its number in Elm Court. A "shared" one is
    scheduled and shows every member who is going."""
    shared = " | guests: members" if state == "shared" else ""
    replies = await world.as_("organiser", f"/meeting {MEETING_TITLE} | Friday 19:00{shared}")
    match = re.search(r"Draft meeting #(\d+)", texts(replies))
    assert match is not None, texts(replies)
    number = int(match.group(1))
    if state != "draft":
        assert "is announced" in texts(await world.as_("organiser", f"/announce {number}"))
    return number


MEETING_TITLE = "Railings working party"
MEETING_MATRIX: list[tuple[str, tuple[str, ...], set[str]]] = [
    ("/announce {n}", ("draft",), ORGANISERS),
    ("/discardmeeting {n}", ("draft",), ORGANISERS),
    ("/meetingtime {n} 2026-11-27T19:00+00:00", ("draft",), ORGANISERS),
    ("/ics {n}", ("draft",), ORGANISERS),
    ("/ics {n}", ("scheduled",), MEMBERS | {"visitor"}),
    ("/rsvp {n} going", ("scheduled",), MEMBERS),
    ("/movemeeting {n} Saturday 19:00", ("scheduled",), ORGANISERS),
    ("/cancelmeeting {n}", ("scheduled",), ORGANISERS),
    ("/endseries {n}", ("scheduled",), ORGANISERS),
    ("/propose {n} Repaint the railings", ("scheduled",), MEMBERS),
    ("/agenda {n}", ("scheduled",), MEMBERS | {"visitor"}),
    ("/agendaitem {n} 1 accept", ("scheduled",), ORGANISERS),
    ("/agendaorder {n} 1", ("scheduled",), ORGANISERS),
    ("/checkin {n}", ("scheduled",), MEMBERS),
    ("/attended {n} 2", ("scheduled",), ORGANISERS),
    ("/minutes {n} We met.", ("scheduled",), ORGANISERS),
    ("/actionitem {n} 2 | Paint | due: Saturday 12:00", ("scheduled",), ORGANISERS),
    # Who is going: organisers, and members too where the meeting says `guests: members`.
    ("/whosgoing {n}", ("draft", "scheduled"), ORGANISERS),
    ("/whosgoing {n}", ("shared",), MEMBERS),
    ("/whosgoing {n} members", ("scheduled",), ORGANISERS),
    ("/whosgoing {n} organisers", ("shared",), ORGANISERS),
]
MEETING_CASES = [(line, state, who) for line, states, who in MEETING_MATRIX for state in states]


@pytest.mark.parametrize(("line", "state", "may"), MEETING_CASES)
async def test_meeting_commands(world: World, line: str, state: str, may: set[str]) -> None:
    number = await meeting_in(world, state)
    for who in PEOPLE:
        if who in may:
            continue
        ref = f"{ELM}.{number}" if who == "outsider" else str(number)
        before = await snapshot(world.moot)
        said = texts(await world.as_(who, line.format(n=ref)))
        assert re.search(r"There is no|Only |/join", said), (who, line, said)
        if who == "outsider" or state == "draft":
            assert MEETING_TITLE not in said, (who, line, said)
        assert await snapshot(world.moot) == before, (who, line, said)
    least = next(who for who in PEOPLE if who in may)
    await allowed(world, least, line.format(n=number))


REPAIR = "Dripping tap in the bathroom"
TEAM = {"repairs", "admin"}
# The creator is the tenant who reported it.
REPAIR_MATRIX: list[tuple[str, set[str]]] = [
    ("/repair {n}", {"creator"} | TEAM),
    ("/repairexport {n}", {"creator"} | TEAM),
    ("/photos {n}", {"creator"} | TEAM),
    ("/investigated {n} Mould behind the wardrobe", TEAM),
    ("/summary {n} We will treat the wall", TEAM),
    ("/repairstatus {n} acknowledged", TEAM),
    ("/priority {n} emergency", TEAM),
    ("/repairnote {n} Rang them", TEAM),
    ("/isfixed {n} yes", {"creator"}),
    ("/assign {n} 4", TEAM),
    ("/visit {n} Friday 10:00", TEAM),
    ("/duplicate {n} 1", TEAM),
    ("/repaircomment {n} It is the bathroom tap", {"creator"}),
    ("/withdraw {n} It stopped on its own", {"creator"}),
    ("/emergencyhazard {n} Water near the wiring", TEAM),
    ("/madesafe {n} Isolated the circuit", TEAM),
]


@pytest.mark.parametrize(("line", "may"), REPAIR_MATRIX)
async def test_repair_commands(world: World, line: str, may: set[str]) -> None:
    said = texts(await world.as_("creator", f"/report leak | {REPAIR}"))
    reference = re.search(r"R-(\d+)", said)
    assert reference is not None, said
    number = int(reference.group(1))
    for who in PEOPLE:
        if who in may:
            continue
        ref = f"{ELM}.{number}" if who == "outsider" else f"R-{number:04d}"
        before = await snapshot(world.moot)
        said = texts(await world.as_(who, line.format(n=ref)))
        assert re.search(r"There is no|Only |/join", said), (who, line, said)
        if who not in TEAM and who != "creator":
            assert REPAIR not in said, (who, line, said)
        assert await snapshot(world.moot) == before, (who, line, said)
    least = next(who for who in PEOPLE if who in may)
    await allowed(world, least, line.format(n=number))


async def test_me_too_is_for_members_and_only_on_communal_problems(world: World) -> None:
    said = texts(await world.as_("creator", "/report leak | Water on the landing | where: Landing"))
    assert "R-0001" in said
    await world.as_("creator", f"/report leak | {REPAIR}")  # R-0002, in their home
    for who in ("visitor", "outsider"):
        ref = f"{ELM}.1" if who == "outsider" else "1"
        await refused(world, who, f"/metoo {ref}", hidden=True)
    await refused(world, "member", "/metoo 2", hidden=True)
    assert REPAIR not in texts(await world.as_("member", "/metoo 2"))
    await allowed(world, "member", "/metoo 1")


# Commands declared with a role: everyone below it is refused with nothing changed.
ROLE_MATRIX: list[tuple[str, set[str]]] = [
    ("/polls", MEMBERS),
    ("/members", ORGANISERS),
    ("/claimcodes", ORGANISERS),
    ("/meetings", MEMBERS),
    ("/actions", MEMBERS),
    ("/myreminders off", MEMBERS),
    ("/findtime Garden day | Friday 10:00 | Saturday 10:00", ORGANISERS),
    ("/available 1 yes", MEMBERS),
    ("/picktime 1 1", ORGANISERS),
    ("/done 1", MEMBERS),
    ("/meetingquorum 10", {"admin"}),
    ("/meeting Garden day | Friday 10:00", ORGANISERS),
    ("/approve 9", ORGANISERS),
    ("/reject 9", ORGANISERS),
    ("/remove 2", ORGANISERS),
    ("/role 2 organiser", {"admin"}),
    ("/joinpolicy approval", {"admin"}),
    ("/timezone Europe/Paris", {"admin"}),
    ("/pollsby organisers", {"admin"}),
    ("/outbox", {"admin"}),
    ("/report leak | The kitchen tap drips", MEMBERS),
    ("/myreports", MEMBERS),
    ("/repairs stats", MEMBERS),
    ("/repairs export", {"repairs", "organiser", "admin"}),
    ("/homerepairs 12A", TEAM),
    ("/communal", MEMBERS),
    ("/homes", ORGANISERS),
    ("/tenant 2 none", ORGANISERS),
    ("/triagechat", {"admin"}),
    ("/repairnation scotland", {"admin"}),
    ("/repairtarget urgent 7 working days", {"admin"}),
    ("/emergencyinfo Out of hours: Elm Homes on 0300 000 0000", {"admin"}),
    ("/resend 1", {"admin"}),
    ("/web", MEMBERS),
    ("/web public", {"admin"}),
    ("/web off", {"admin"}),
]


@pytest.mark.parametrize(("line", "may"), ROLE_MATRIX)
async def test_role_commands(world: World, line: str, may: set[str]) -> None:
    for who in PEOPLE:
        if who not in may and who != "outsider":
            await refused(world, who, line, hidden=False)
    least = next(who for who in PEOPLE if who in may)
    await allowed(world, least, line)


async def test_commands_for_anyone_are_open_to_all(world: World) -> None:
    for who in PEOPLE:
        for name in FOR_ANYONE:
            await allowed(world, who, f"/{name}")


async def test_help_lists_only_what_each_person_may_do_here(world: World) -> None:
    """In Elm Court's chat, /help lists a command for exactly the people the matrices allow it
    (for some poll); commands for the creator of a poll say so to members."""
    may_use: dict[str, set[str]] = {}
    rows = [(line, may) for line, _, may in POLL_MATRIX + MEETING_MATRIX]
    rows += REPAIR_MATRIX + ROLE_MATRIX
    for line, may in rows:
        may_use.setdefault(line.split()[0], set()).update(may)
    for who in ("visitor", "member", "repairs", "organiser", "admin"):
        said = texts(await world.as_(who, "/help"))
        listed = {line.split()[0].rstrip(":") for line in said.splitlines() if line[0] == "/"}
        for name, may in may_use.items():
            allowed = who in may or (who in MEMBERS and "creator" in may)  # their own polls
            assert (name in listed) == allowed, (who, name, said)
        if who == "member":
            assert "/close <poll>: Close a poll now (only polls you started)" in said
            assert "The photos of a repair report (only reports you made)\n" in said
            assert "((" not in said
        if who == "organiser":
            assert "/close <poll>: Close a poll now\n" in said + "\n"


# Commands whose permissions are tested on their own, where they are built.
TESTED_ELSEWHERE = {
    "setup": "test_community.test_only_a_chat_admin_may_run_setup",
    "join": "test_community (anyone may ask; organisers decide)",
    "poll": "test_polls.test_binding_ballots_and_quick_polls_respect_who_may_start_them",
    "import": "test_import_is_for_organisers, below",
    "metoo": "test_me_too_is_for_members_and_only_on_communal_problems, above",
    "importhomes": "test_repairs.test_the_homes_register_lets_tenants_report_their_own_home_only",
    "photo": "test_repairs.test_photos_are_checked_by_content_and_stored_without_their_location",
}


FOR_ANYONE = ("help", "whoami", "link", "mydata", "forgetme")
COMMANDS = {command.name: command for feature in ALL_FEATURES for command in feature.commands}
# Each person's role in Elm Court, as the rules see it.
ROLE_OF: dict[str, Role | None] = {
    "visitor": None,
    "member": Role.MEMBER,
    "creator": Role.MEMBER,
    "repairs": Role.REPAIRS,
    "organiser": Role.ORGANISER,
    "admin": Role.ADMIN,
}


def expected() -> dict[str, set[str]]:
    """Everyone the tables above let use each command here (in some state, on some thing)."""
    rows = [(line, may) for line, _, may in POLL_MATRIX + MEETING_MATRIX]
    rows += REPAIR_MATRIX + ROLE_MATRIX + [(f"/{name}", set(ROLE_OF)) for name in FOR_ANYONE]
    table: dict[str, set[str]] = {}
    for line, may in rows:
        table.setdefault(line.split()[0].lstrip("/"), set()).update(may)
    return table


@pytest.mark.parametrize("name", sorted(set(COMMANDS) - set(TESTED_ELSEWHERE)))
def test_every_command_s_rule_agrees_with_its_row(name: str) -> None:
    """A new command cannot ship without a row saying who may use it here; and its declared
    rule, which the core applies before anything is looked up and /help reads, lets through
    everyone its row lets use it (exactly them, for a rule on no one thing and with no check),
    and the least role it names can use it for something."""
    table = expected()
    assert name in table, f"/{name} has no row in the permission matrix: add one"
    rule = COMMANDS[name].rule
    passes = {who for who, role in ROLE_OF.items() if rule.lists_for(role)}
    if rule.subject is None and rule.check is None:
        assert passes == table[name]
    else:
        assert table[name] <= passes
        assert any(ROLE_OF[who] == rule.least for who in table[name])


def test_commands_tested_elsewhere_exist() -> None:
    assert set(TESTED_ELSEWHERE) <= set(COMMANDS)


async def test_import_is_for_organisers(world: World) -> None:
    csv = Attachment("register.csv", b"name\nNew Neighbour\n")
    for who in ("visitor", "member", "repairs"):
        before = await snapshot(world.moot)
        said = texts(await world.people[who].say("/import", files=(csv,)))
        assert "Only organisers" in said
        assert await snapshot(world.moot) == before
    said = texts(await world.people["organiser"].say("/import", files=(csv,)))
    assert "Imported 1" in said or "claim" in said.lower(), said


async def test_an_outsider_cannot_act_on_another_community_by_its_buttons(world: World) -> None:
    """Oak Lane's member pressing Elm Court's buttons (community-qualified) learns nothing."""
    number = await poll_in(world, "open")
    for line in (f"/approve {ELM}.2", f"/remove {ELM}.2", f"/close {ELM}.{number}"):
        await refused(world, "outsider", line, hidden=True)


async def test_a_button_in_a_dm_acts_in_its_own_community(
    world: World, outlet: RecordingOutlet
) -> None:
    """An organiser of Elm Court whose last community is Oak Lane approves an Elm Court request
    from a direct message: the button names Elm Court, so the right request is approved."""
    organiser = world.people["organiser"]
    await organiser.say("/join", group("telegram", "-200"))  # now last active in Oak Lane
    await world.as_("admin", "/joinpolicy approval")
    newcomer = Resident(world.moot, "console", "newcomer", "Nell")
    await newcomer.say("/join")
    request = next(r for who, r in outlet.directs if who == "organiser" and "Nell" in r.text)
    approve = request.buttons[0].command
    assert approve == f"approve {ELM}.6"
    said = texts(await organiser.press(approve, dm("console", "organiser")))
    assert "Approved: #6 Nell is now a member." in said
