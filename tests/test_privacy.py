"""A person's own data: /mydata gives them a copy of everything Moot holds about them, and
/forgetme removes them, leaving their votes counted and their repair reports in the statistics
with nothing that says who they were — checked in every stored row, and in the stored file
itself on SQLite."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import inspect, text
from sqlmodel import Session, select

from bot import forms, held
from bot.clock import ManualClock
from bot.core import Moot
from bot.events import Attachment, Form, FormField, Reply, Visibility
from bot.features import ALL_FEATURES
from bot.repairs.photos import RepairsSettings
from storage.engine import sqlite_path
from storage.models import Account, AuditEntry, Person
from storage.store import Store
from tests.conftest import START
from tests.helpers import RecordingOutlet, Resident, dm, group, texts
from tests.poll_helpers import members, published
from tests.repairs.test_repairs import photo_with_location, stored_photos

SECRET_WORDS = "Water through the bathroom ceiling"


async def stored(moot: Moot, database_url: str) -> dict[str, bytes]:
    """What the store holds, read as someone who got hold of it would: every row of every table
    and, on SQLite, the database file and its log byte for byte. (PostgreSQL's own files, its
    WAL and rows it has not vacuumed yet, are the server's: docs/operating.md.)"""

    def rows(session: Session) -> dict[str, bytes]:
        connection = session.connection()
        return {
            table: b"\n".join(
                repr(tuple(row)).encode()
                for row in connection.execute(text(f'SELECT * FROM "{table}"'))
            )
            for table in inspect(connection).get_table_names()
        }

    found = await moot.read(rows)
    path = sqlite_path(database_url)
    if path is not None:
        found |= {str(file): file.read_bytes() for file in path.parent.glob(f"{path.name}*")}
    return found


async def test_a_member_gets_their_data_and_is_then_forgotten(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, database_url: str
) -> None:
    (alice,) = await members(moot, host, "Alice")
    await published(host, "Paint the railings? | Yes | No")
    await alice.say("/vote 1 1")
    await alice.privately(f"/report leak | {SECRET_WORDS} | vulnerable: I am deaf")
    photo = Attachment("leak.jpg", photo_with_location())
    await alice.say("/photo 1", dm("console", "alice"), files=(photo,))

    (copy,) = await alice.privately("/mydata")
    assert copy.visibility is Visibility.ACTOR
    assert copy.file is not None
    data = json.loads(copy.file.data)
    assert data["person"]["name"] == "Alice"
    assert data["memberships"][0]["community"] == "Elm Court"
    assert data["polls"]["votes"][0]["poll"] == "#1 Paint the railings?"
    (report,) = data["repairs"]["reports"]
    assert report["description"] == SECRET_WORDS
    assert report["vulnerability_note"] == "I am deaf"

    asked = (await alice.privately("/forgetme"))[0]
    assert "cannot be undone" in asked.text
    assert [b.command for b in asked.buttons] == ["forgetme confirm"]
    assert await moot.read(lambda s: s.get_one(Person, 2).name) == "Alice"  # not yet
    said = texts(await alice.press("forgetme confirm", dm("console", "alice")))
    assert "Moot has forgotten you" in said
    for where, raw in (await stored(moot, database_url)).items():
        assert SECRET_WORDS.encode() not in raw, where
        assert b"I am deaf" not in raw, where

    person = await moot.read(lambda s: s.get_one(Person, 2))
    assert person.name == "Former member"
    accounts = await moot.read(
        lambda s: s.exec(select(Account).where(Account.person_id == 2)).all()
    )
    assert all(a.platform_user_id.startswith("forgotten-") for a in accounts)
    assert await stored_photos(moot) == []
    stats = texts(await host.say("/repairs stats"))
    assert "Open: 1 (urgent 1)" in stats  # the report still counts, nameless
    assert "1. Yes — 1 vote" in texts(await host.say("/results 1"))  # and so does the vote

    again = texts(await alice.privately("/whoami"))
    assert "You are Alice" in again
    assert "(person 2)" not in again  # someone new


async def test_a_forgotten_name_leaves_no_trace_in_the_stored_file(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet, database_url: str
) -> None:
    (zeb,) = await members(moot, host, "Zebedee Quillfeather")  # member #2
    bins = await published(host, "Bins? | Yes | No")
    assert "marked" in texts(await host.say(f"/papervoters {bins} 2"))
    await host.say("/meeting Garden day | Friday 10:00")
    assert "is announced" in texts(await host.press("announce 1.1"))
    said = texts(await host.say("/actionitem 1 2 | Fix the gate | due: in 3 days 12:00"))
    assert "Action #1" in said
    await zeb.privately("/myreports")
    legacy = AuditEntry(  # as the log was written before it named members by number alone
        community_id=1,
        action="poll.paper_voters",
        detail="#1 marked Zebedee Quillfeather (#2)",
        at=START,
    )
    await moot.write(lambda s: s.add(legacy))

    await zeb.privately("/forgetme confirm")
    for where, raw in (await stored(moot, database_url)).items():
        assert b"Quillfeather" not in raw, where
    details = await moot.read(lambda s: list(s.exec(select(AuditEntry.detail))))
    assert "#1 marked member #2" in details


async def test_forgetting_deletes_photos_from_the_folder_the_operator_chose(
    database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    chosen = tmp_path / "chosen-photos"
    moot = Moot(
        Store(database_url), clock, ALL_FEATURES, settings=[RepairsSettings(photo_folder=chosen)]
    )
    await moot.start()
    try:
        host = Resident(moot, "console", "host", "Host", chat_admin=True)
        await host.say("/setup Elm Court")
        (alice,) = await members(moot, host, "Alice")
        await alice.privately(f"/report leak | {SECRET_WORDS}")
        photo = Attachment("leak.jpg", photo_with_location())
        await alice.say("/photo 1", dm("console", "alice"), files=(photo,))
        assert len(list(chosen.glob("*.jpg"))) == 1
        await alice.press("forgetme confirm", dm("console", "alice"))
        assert list(chosen.glob("*.jpg")) == []
    finally:
        await moot.stop()


async def test_forgetting_drops_what_their_conversations_left_half_way(
    moot: Moot, community: str, host: Resident
) -> None:
    (alice,) = await members(moot, host, "Alice")
    waiting = Reply("Your private answer about the leak at flat 4", Visibility.ACTOR)
    assert await held.hold(moot, "console", "alice", waiting)
    form = Form("report", "Report a repair", (FormField("what", "What is broken", 200),))
    here = group()
    await forms.begin(moot, forms.FormInProgress(form, here, alice.actor(), here.chat_id))
    assert await forms.waiting(moot, "console", here.chat_id, "alice")

    await alice.privately("/forgetme confirm")
    assert not await held.release(moot, "console", "alice", "alice")
    assert not await forms.waiting(moot, "console", here.chat_id, "alice")
