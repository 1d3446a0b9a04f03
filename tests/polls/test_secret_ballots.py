"""Secret ballots against someone who can copy the database file and its log at any moment.

The attacker here copies `moot.db` and `moot.db-wal` after every single ballot and after the
close, and uses everything the copies hold: which roll entries and which ballots appear or change
between two copies, the bytes of ballots waiting to be sealed, and where each ballot sits in the
final file. Each voter casts a different ranking, so the test knows whose each ballot is.
"""

from __future__ import annotations

import itertools
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.core import Moot
from bot.features import ALL_FEATURES
from bot.polls.sealing import DEFAULT_BATCH, HELD_BYTES
from storage.engine import sqlite_path
from storage.store import Store
from tests.helpers import RecordingOutlet, Resident, group, texts
from tests.poll_helpers import members, published

VOTERS = 30
OPTIONS = ("Ann", "Raj", "Sue", "Tom", "Una")
RANKINGS = list(itertools.permutations(range(1, len(OPTIONS) + 1)))[:VOTERS]


@dataclass(frozen=True)
class Copy:
    """What one copy of the database shows the attacker."""

    roll: dict[int, tuple[int | None, bytes | None]]  # person -> (place in queue, held bytes)
    ballots: dict[str, str]  # key -> marks


def take_copy(database: Path, into: Path) -> Copy:
    into.mkdir()
    for suffix in ("", "-wal"):
        source = Path(f"{database}{suffix}")
        if source.exists():
            shutil.copyfile(source, into / f"moot.db{suffix}")
    db = sqlite3.connect(into / "moot.db")
    try:
        roll = {
            person: (waiting, held)
            for person, waiting, held in db.execute(
                "SELECT person_id, waiting, held FROM voterroll"
            )
        }
        ballots = dict(db.execute("SELECT key, marks FROM secretballot").fetchall())
    finally:
        db.close()
    return Copy(roll, ballots)


def kendall_tau(order: list[int]) -> float:
    """How far `order` follows 0, 1, 2, … (1: exactly; -1: exactly reversed; 0: unrelated)."""
    pairs = list(itertools.combinations(range(len(order)), 2))
    agree = sum(1 if order[i] < order[j] else -1 for i, j in pairs)
    return agree / len(pairs)


def plaintexts() -> set[bytes]:
    """Every ballot of this test as it would be stored without a pad."""
    return {f"|{','.join(map(str, r))}".encode().ljust(HELD_BYTES, b"\0") for r in RANKINGS}


async def ranked_ballot(
    moot: Moot, host: Resident, database_url: str
) -> tuple[Path, list[Resident], int]:
    """The database file, VOTERS members and an open secret ranked ballot among OPTIONS."""
    database = sqlite_path(database_url)
    assert database is not None
    voters = await members(moot, host, *(f"Voter{i}" for i in range(VOTERS)))
    poll = await published(host, f"Chair? | {' | '.join(OPTIONS)} | kind: ranked | secret | ballot")
    return database, voters, poll


@pytest.mark.sqlite_only("the PostgreSQL attack test is issue 18's own work")
async def test_a_copy_taken_at_any_moment_links_a_ballot_to_no_fewer_than_k_voters(
    moot: Moot, community: str, host: Resident, database_url: str, tmp_path: Path
) -> None:
    database, voters, poll = await ranked_ballot(moot, host, database_url)
    person_of = {
        v.user_id: person
        for v, person in zip(
            voters,
            await moot.read(
                lambda s: [
                    int(p)
                    for (p,) in s.connection().exec_driver_sql(
                        "SELECT person_id FROM account WHERE platform_user_id LIKE 'voter%' "
                        "ORDER BY CAST(substr(platform_user_id, 6) AS INTEGER)"
                    )
                ]
            ),
            strict=True,
        )
    }
    whose = {
        ",".join(map(str, ranking)): person_of[voter.user_id]
        for voter, ranking in zip(voters, RANKINGS, strict=True)
    }

    copies = [take_copy(database, tmp_path / "copy-start")]
    for n, (voter, ranking) in enumerate(zip(voters, RANKINGS, strict=True)):
        await voter.privately(f"/vote {poll} {' '.join(map(str, ranking))}")
        cast = texts(await voter.press(f"cast {poll}"))
        assert "is cast" in cast
        assert not any(name in cast for name in OPTIONS)  # no receipt restating the choice
        copies.append(take_copy(database, tmp_path / f"copy-{n}"))
    sealed_during_vote = len(copies[-1].ballots)
    assert "is closed" in texts(await host.say(f"/close {poll}"))
    copies.append(take_copy(database, tmp_path / "copy-closed"))

    # Ballots were sealed as people voted, not all at the close, and all count at the end.
    assert sealed_during_vote >= VOTERS - 2 * DEFAULT_BATCH
    assert sorted(copies[-1].ballots.values()) == sorted(whose)
    # A waiting ballot's bytes are not the ballot.
    held = {data for copy in copies for _, data in copy.roll.values() if data is not None}
    assert len(held) == VOTERS
    assert not any(plain in data for data in held for plain in plaintexts())

    # Link each voter to every ballot that appeared in a copy where their roll entry changed.
    candidates: dict[int, set[str]] = {person: set() for person in whose.values()}
    for before, after in itertools.pairwise(copies):
        touched = {p for p, row in after.roll.items() if before.roll.get(p) != row}
        touched |= set(before.roll) - set(after.roll)
        appeared = set(after.ballots) - set(before.ballots)
        for person in touched:
            candidates[person] |= appeared
    for marks, person in whose.items():
        key = next(k for k, m in copies[-1].ballots.items() if m == marks)
        assert key in candidates[person]  # the attack does find the true ballot among them
        assert len(candidates[person]) >= DEFAULT_BATCH, "a ballot linked to fewer than k voters"


@pytest.mark.sqlite_only("the PostgreSQL attack test is issue 18's own work")
async def test_after_the_close_the_file_keeps_no_order_of_voting(
    moot: Moot, community: str, host: Resident, database_url: str, tmp_path: Path
) -> None:
    database, voters, poll = await ranked_ballot(moot, host, database_url)
    held: set[bytes] = set()
    for n, (voter, ranking) in enumerate(zip(voters, RANKINGS, strict=True)):
        await voter.privately(f"/vote {poll} {' '.join(map(str, ranking))}")
        await voter.press(f"cast {poll}")
        copy = take_copy(database, tmp_path / f"copy-{n}")
        held |= {data for _, data in copy.roll.values() if data is not None}
    await host.say(f"/close {poll}")
    final = take_copy(database, tmp_path / "closed")

    # The log was emptied at the close: what it holds now (the results going out) has no ballot.
    wal = Path(f"{database}-wal")
    logged = wal.read_bytes() if wal.exists() else b""
    assert not any(key.encode() in logged for key in final.ballots)
    data = database.read_bytes()
    assert not any(blob in data + logged for blob in held)  # nothing held lingers anywhere
    db = sqlite3.connect(database)
    assert db.execute("PRAGMA freelist_count").fetchone()[0] == 0
    db.close()
    assert all(entry == (None, None) for entry in final.roll.values())

    # Where each ballot sits in the file says nothing about when it was cast.
    cast_order = {",".join(map(str, r)): n for n, r in enumerate(RANKINGS)}
    by_position = sorted(final.ballots, key=lambda key: data.find(key.encode()))
    assert all(data.find(key.encode()) >= 0 for key in by_position)
    tau = kendall_tau([cast_order[final.ballots[key]] for key in by_position])
    assert abs(tau) < 0.55, f"ballots sit in the file in the order of voting (tau {tau:.2f})"


async def start(url: str, clock: ManualClock) -> tuple[Moot, RecordingOutlet]:
    moot = Moot(Store(url), clock, ALL_FEATURES)
    outlet = RecordingOutlet("console")
    moot.attach(outlet)
    await moot.start()
    await moot.drain()
    return moot, outlet


async def test_ballots_waiting_at_a_restart_are_cast_again_and_count_once(
    database_url: str, clock: ManualClock
) -> None:
    first, _ = await start(database_url, clock)
    host = Resident(first, "console", "host", "Host", chat_admin=True)
    await host.say("/setup Elm Court")
    alice, bob, carol = await members(first, host, "Alice", "Bob", "Carol")
    poll = await published(host, "Chair? | Ann | Raj | secret | ballot | closes: in 3 days")
    for voter in (alice, bob):
        await voter.privately(f"/vote {poll} 1")
        await voter.press(f"cast {poll}")
    await first.stop()  # two ballots wait to be sealed; their pads die with this process

    second, outlet = await start(database_url, clock)
    host, alice, bob, carol = (
        Resident(second, "console", r.user_id, r.name, r.chat_admin)
        for r in (host, alice, bob, carol)
    )
    for user_id in ("alice", "bob"):
        (told,) = outlet.dms_to(user_id)
        assert f"Please cast it again: /vote {poll}" in told
    assert outlet.dms_to("carol") == []
    assert "Turnout: 0 of 4" in texts(await host.say(f"/voters {poll}"))
    for voter in (alice, bob, carol):
        await voter.privately(f"/vote {poll} 2")
        assert "is cast" in texts(await voter.press(f"cast {poll}"))
    await host.say(f"/close {poll}")
    result = texts(await host.say(f"/results {poll}"))
    assert "Winner: Raj" in result
    assert "3 of 4" in result
    await second.stop()


async def test_a_ballot_lost_while_the_poll_closed_is_reported_not_counted(
    database_url: str, clock: ManualClock
) -> None:
    first, _ = await start(database_url, clock)
    host = Resident(first, "console", "host", "Host", chat_admin=True)
    await host.say("/setup Elm Court")
    (alice,) = await members(first, host, "Alice")
    poll = await published(host, "Chair? | Ann | Raj | secret | ballot | closes: in 1 day")
    await alice.privately(f"/vote {poll} 1")
    await alice.press(f"cast {poll}")
    await first.stop()
    await clock.set(clock.now() + timedelta(days=2))  # Moot was down past the deadline

    second, outlet = await start(database_url, clock)
    (told,) = outlet.dms_to("alice")
    assert "The poll has closed since, so it could not be counted" in told
    host = Resident(second, "console", "host", "Host", chat_admin=True)
    assert "0 of 2" in texts(await host.say(f"/results {poll}"))
    await second.stop()


async def test_a_waiting_ballot_still_counts_after_its_voter_links_another_account(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    await host.say("/joinpolicy open")
    admin = Resident(moot, "discord", "900", "Admin", chat_admin=True)
    await admin.say(f"/setup {community}", group("discord"))
    on_discord = Resident(moot, "discord", "111", "Alice D")
    await on_discord.say("/join", group("discord"))
    poll = await published(host, "Chair? | Ann | Raj | secret | ballot")
    await on_discord.privately(f"/vote {poll} 2")
    await on_discord.press(f"cast {poll}", group("discord"))
    on_telegram = Resident(moot, "telegram", "222", "Alice T")
    issued = texts(await on_telegram.privately("/link"))
    code = next(word for word in issued.split() if word.startswith("LINK-"))
    assert "one member" in texts(await on_discord.privately(f"/link {code}"))
    await host.say(f"/close {poll}")
    result = texts(await host.say(f"/results {poll}"))
    assert "Winner: Raj" in result
    assert not any("lost" in text for _, reply in outlet.directs for text in [reply.text])
