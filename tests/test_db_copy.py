"""`moot db copy`: a SQLite store with polls, meetings and repairs moved into another database
(PostgreSQL, or another SQLite file) reads the same on both sides, row for row and to its
residents; the target takes new rows after it; a target that is not empty is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, create_engine, insert, select
from sqlmodel import SQLModel, col

from bot.clock import ManualClock
from bot.core import Moot
from bot.events import Attachment
from bot.features import ALL_FEATURES
from bot.repairs.photos import RepairsSettings
from moot.operate import copy_command
from storage.copy import PROCESS_STATE, copy_store
from storage.engine import StoreConfigError, sqlite_path
from storage.leases import Lease
from storage.migrate import alembic_config, head_revision, upgrade
from storage.models import Community
from storage.store import Store
from tests.conftest import START
from tests.helpers import RecordingOutlet, Resident, texts
from tests.meetings.test_meetings import AGM, announced
from tests.poll_helpers import cast_secretly, members, published
from tests.repairs.test_repairs import ALICE_DM, TEAM_CHAT, photo_with_location, with_team
from tests.test_cli import moot as moot_command

PHOTO_ROWS = "repairphotodata"  # photos' bytes: files beside SQLite, rows on PostgreSQL


@asynccontextmanager
async def running(
    url: str, clock: ManualClock, photo_folder: Path | None = None
) -> AsyncIterator[Moot]:
    upgrade(url)
    settings = [RepairsSettings(photo_folder=photo_folder)]
    moot = Moot(Store(url), clock, ALL_FEATURES, settings=settings)
    moot.attach(RecordingOutlet("console"))
    await moot.start()
    try:
        yield moot
    finally:
        await moot.stop()


def people(moot: Moot) -> dict[str, Resident]:
    """Elm Court's admin, a tenant and the repairs team, as `a_lived_in_store` made them."""
    host = Resident(moot, "console", "host", "Host", chat_admin=True)
    named = {name: Resident(moot, "console", name.lower(), name) for name in ("Alice", "Fixer")}
    return {"Host": host, **named}


async def a_lived_in_store(url: str, clock: ManualClock) -> None:
    """Elm Court after a busy week: polls open, closed, ranked and secret (sealed ballots), a
    meeting with replies, an agenda, attendance, minutes and an action item, and a repair with a
    photo and a timeline; the outbox's record of what was sent, and jobs still to run (a poll's
    close, an action's reminder)."""
    async with running(url, clock) as moot:
        host = Resident(moot, "console", "host", "Host", chat_admin=True)
        code = next(
            word
            for reply in await host.say("/setup Elm Court")
            for word in reply.text.split()
            if word.startswith("CHAT-")
        )
        alice, fixer, bob = await with_team(moot, host, code)
        cat, dan, eve = await members(moot, host, "Cat", "Dan", "Eve")

        still_open = await published(host, "Bins on Tuesday? | Yes | No | closes: in 5 days")
        closed = await published(host, "Paint the railings? | Green | Black")
        ranked = await published(host, "Name the garden | Oak | Elm | Yew | kind: ranked")
        secret = await published(host, "Chair? | Ann | Raj | secret | ballot")
        for voter, choice in ((alice, "1"), (bob, "2"), (cat, "1")):
            await voter.say(f"/vote {still_open} {choice}")
            await voter.say(f"/vote {closed} {choice}")
        for voter, ranking in ((alice, "3 1"), (bob, "2 1"), (host, "1 2")):
            await voter.say(f"/vote {ranked} {ranking}")
        await host.say(f"/close {closed}")
        await host.say(f"/close {ranked}")
        for voter, choice in ((alice, "1"), (bob, "2"), (cat, "1"), (dan, "1"), (eve, "2")):
            assert "is cast" in texts(await cast_secretly(voter, secret, choice))
        await host.say(f"/close {secret}")  # its held ballots sealed: they die with the process

        meeting = await announced(host, AGM)
        await alice.press(f"rsvp 1.{meeting} going")
        await bob.say(f"/rsvp {meeting} maybe")
        await cat.press(f"rsvp 1.{meeting} cant")
        await alice.say(f"/propose {meeting} Bike storage")
        await host.press(f"agendaitem 1.{meeting} 1 accept")
        await clock.advance(timedelta(days=3, hours=9, minutes=30))  # Thursday 18:30
        await moot.drain()
        await alice.say(f"/checkin {meeting}")
        await host.say(f"/actionitem {meeting} 2 | Fix the gate | due: in 3 days 12:00")
        await clock.advance(timedelta(hours=2))
        await host.say(f"/minutes {meeting} We agreed to paint the railings green.")

        await alice.privately("/report leak | Water through the kitchen ceiling")
        photo = Attachment("ceiling.jpg", photo_with_location())
        assert "The photo is on R-0001" in texts(
            await alice.say("/photo 1", ALICE_DM, files=(photo,))
        )
        await fixer.press("repairstatus 1.1 acknowledged", TEAM_CHAT)
        await fixer.say("/repairnote R-0001 Rang her: ceiling is bulging", TEAM_CHAT)
        await fixer.say("/repairstatus 1 visit-scheduled Monday at 9", TEAM_CHAT)


def roles_held(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(select(col(Lease.role))))
    finally:
        engine.dispose()


def every_row(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows in key order, as SQLAlchemy reads them (moments as aware UTC)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: [
                    tuple(row)
                    for row in connection.execute(
                        select(table).order_by(*table.primary_key.columns)
                    )
                ]
                for table in SQLModel.metadata.sorted_tables
                if table.name not in PROCESS_STATE  # the running process's roles: not copied
            }
    finally:
        engine.dispose()


async def what_residents_read(moot: Moot) -> dict[str, str]:
    """What people see when they look: results, the polls, meetings, the agenda, actions, the
    repair's page and its photo, the outbox."""
    who = people(moot)
    host, alice, fixer = who["Host"], who["Alice"], who["Fixer"]
    seen = {
        line: texts(await host.say(line))
        for line in ("/results 1", "/results 2", "/results 3", "/results 4", "/polls", "/meetings")
    }
    seen |= {line: texts(await alice.say(line)) for line in ("/agenda 1", "/actions", "/myreports")}
    seen["/outbox"] = texts(await host.privately("/outbox"))
    seen["/repair 1"] = texts(await fixer.say("/repair 1", TEAM_CHAT))
    (photo,) = await fixer.say("/photos R-0001", TEAM_CHAT)
    assert photo.file is not None
    seen["/photos R-0001"] = photo.file.data.hex()
    return seen


async def copy_reads_the_same(source: str, target: str, clock: ManualClock) -> None:
    await a_lived_in_store(source, clock)
    said = copy_command(source, target, None)
    assert said[0].startswith("Copied ")
    assert "repairphoto 1" in said[1]
    on_postgresql = target.startswith("postgresql")
    target_file = sqlite_path(target)
    kept = "the target's database" if target_file is None else target_file.parent / "photos"
    assert said[2] == f"Repair photos copied to {kept}: 1."

    source_rows, target_rows = every_row(source), every_row(target)
    assert roles_held(source)  # the process that ran on the source held its roles there
    assert not roles_held(target)  # and they stay behind
    assert source_rows.pop(PHOTO_ROWS) == []  # beside SQLite, photos are files
    assert len(target_rows.pop(PHOTO_ROWS)) == (1 if on_postgresql else 0)
    for table, rows in source_rows.items():
        assert target_rows[table] == rows, table
    for table in ("vote", "secretballot", "actionitem", "repairevent", "outbox", "scheduledjob"):
        assert source_rows[table], f"the test's store has no {table} rows to copy"

    async with running(source, clock) as moot:
        on_source = await what_residents_read(moot)
    async with running(target, clock) as moot:
        on_target = await what_residents_read(moot)
    assert on_target == on_source
    assert "Winner: Oak" in on_source["/results 3"]
    assert "Ann" in on_source["/results 4"]
    assert "Bike storage" in on_source["/agenda 1"]
    assert "visit scheduled" in on_source["/repair 1"]
    assert on_source["/photos R-0001"]


def and_back_into_sqlite(copied: str, before: str, tmp_path: Path) -> None:
    """PostgreSQL to SQLite by the same code: the rows come back, the photo's bytes as a file."""
    back = f"sqlite:///{tmp_path / 'back' / 'moot.db'}"
    said = copy_command(copied, back, None)
    assert said[2] == f"Repair photos copied to {tmp_path / 'back' / 'photos'}: 1."
    assert every_row(back) == every_row(before)
    (kept,) = (tmp_path / "back" / "photos").iterdir()
    assert kept.read_bytes() == next((tmp_path / "before" / "photos").iterdir()).read_bytes()


async def new_rows_get_fresh_numbers_and_ids(target: str, clock: ManualClock) -> None:
    async with running(target, clock) as moot:
        who = people(moot)
        assert "Draft poll #5" in texts(await who["Host"].say("/poll Another? | Yes | No"))
        assert "Your report is R-0002" in texts(
            await who["Alice"].privately("/report leak | Dripping tap")
        )
        newcomer = Resident(moot, "console", "zed", "Zed")
        assert "Welcome to Elm Court, Zed!" in texts(await newcomer.say("/join"))
        assert "Draft meeting #2" in texts(
            await who["Host"].say("/meeting Garden day | Friday 10:00")
        )


async def test_a_sqlite_store_copied_reads_the_same_and_takes_new_rows(
    database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    """Into PostgreSQL (the move operators make) and into another SQLite file; `database_url`
    is the empty, migrated target."""
    source = f"sqlite:///{tmp_path / 'before' / 'moot.db'}"
    await copy_reads_the_same(source, database_url, clock)
    if database_url.startswith("postgresql"):
        and_back_into_sqlite(database_url, source, tmp_path)
    await new_rows_get_fresh_numbers_and_ids(database_url, clock)


async def test_a_copy_that_fails_leaves_the_target_empty(
    database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    source = f"sqlite:///{tmp_path / 'before' / 'moot.db'}"
    async with running(source, clock) as moot:
        await Resident(moot, "console", "host", "Host", chat_admin=True).say("/setup Elm Court")

    def fail(_source: Connection, _target: Connection) -> None:
        raise OSError("the disk is full")

    with pytest.raises(StoreConfigError, match="stopped and the target was left empty: the disk"):
        copy_store(source, database_url, then=fail)
    assert not any(every_row(database_url).values())
    copy_store(source, database_url)  # and it can be copied into once the problem is solved
    assert every_row(database_url)["community"] == every_row(source)["community"]


async def a_report_with_a_photo(url: str, clock: ManualClock, photo_folder: Path | None) -> None:
    async with running(url, clock, photo_folder) as moot:
        host = Resident(moot, "console", "host", "Host", chat_admin=True)
        await host.say("/setup Elm Court")
        (alice,) = await members(moot, host, "Alice")
        await alice.privately("/report leak | Water through the ceiling")
        photo = Attachment("ceiling.jpg", photo_with_location())
        await alice.say("/photo 1", ALICE_DM, files=(photo,))


async def test_photos_in_the_folder_the_operator_chose_stay_there_for_both(
    database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    source, chosen = f"sqlite:///{tmp_path / 'before' / 'moot.db'}", tmp_path / "chosen"
    await a_report_with_a_photo(source, clock, chosen)
    said = copy_command(source, database_url, chosen)
    assert said[2] == f"Repair photos stay in {chosen}, for both."
    assert not any(every_row(database_url)[PHOTO_ROWS])
    async with running(database_url, clock, chosen) as moot:
        (shown,) = await Resident(moot, "console", "alice", "Alice").privately("/photos 1")
    assert shown.file is not None
    assert shown.file.data == next(chosen.iterdir()).read_bytes()


async def test_a_photo_already_missing_from_the_source_is_said_and_the_rest_is_copied(
    database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    source = f"sqlite:///{tmp_path / 'before' / 'moot.db'}"
    await a_report_with_a_photo(source, clock, None)
    for lost in (tmp_path / "before" / "photos").iterdir():
        lost.unlink()
    said = copy_command(source, database_url, None)
    assert said[-1] == (
        f"Repair photos missing from {tmp_path / 'before' / 'photos'} already, and so on the "
        "target too: 1."
    )
    assert every_row(database_url)["repairphoto"] == every_row(source)["repairphoto"]


def test_a_source_at_an_older_schema_is_sent_to_be_migrated_first(tmp_path: Path) -> None:
    source, target = (f"sqlite:///{tmp_path / name}" for name in ("source.db", "target.db"))
    command.upgrade(alembic_config(source), "0023")
    with pytest.raises(StoreConfigError, match="start this Moot on it once") as refused:
        copy_command(source, target, None)
    assert f"(it is at 0023, this Moot at {head_revision()})" in str(refused.value)
    assert not (tmp_path / "target.db").exists()


async def test_a_target_that_is_not_empty_is_refused_and_left_as_it_was(
    database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    source = f"sqlite:///{tmp_path / 'before' / 'moot.db'}"
    upgrade(source)
    async with running(database_url, clock) as moot:
        await Resident(moot, "console", "host", "Host", chat_admin=True).say("/setup Elm Court")
    before = every_row(database_url)
    with pytest.raises(StoreConfigError, match="is not empty") as refused:
        copy_command(source, database_url, None)
    assert "copy into a new, empty database" in str(refused.value)
    assert every_row(database_url) == before


def test_a_database_holding_another_applications_tables_is_refused(
    database_url: str, tmp_path: Path
) -> None:
    source = f"sqlite:///{tmp_path / 'moot.db'}"
    upgrade(source)
    other = create_engine(database_url)
    with other.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    other.dispose()
    with pytest.raises(StoreConfigError, match="holds tables that are not Moot's"):
        copy_command(source, database_url, None)


def test_the_command_line_says_in_one_sentence_why_it_will_not_copy(tmp_path: Path) -> None:
    source, target = (f"sqlite:///{tmp_path / name}" for name in ("source.db", "target.db"))
    upgrade(source)
    upgrade(target)
    engine = create_engine(target)
    with engine.begin() as connection:
        connection.execute(
            insert(Community), {"name": "Elm Court", "chat_code": "CHAT-1", "created_at": START}
        )
    engine.dispose()
    for args, said in (
        (["--from", source, "--to", target], f"The target {target} is not empty (its community"),
        (["--from", f"{source}.missing", "--to", target], "There is no database at"),
        (["--from", "mysql://localhost/moot", "--to", target], "--from must be a SQLite"),
    ):
        result = moot_command(["db", "copy", *args], tmp_path)
        assert result.returncode == 2
        assert result.stderr.startswith(f"moot: {said}")
        assert len(result.stderr.strip().splitlines()) == 1
