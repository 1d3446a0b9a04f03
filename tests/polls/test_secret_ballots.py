"""Secret ballots against someone who can copy the store at any moment: on SQLite its file and
log, on PostgreSQL its data directory (the ballot tables' pages, row headers and all) and its WAL.

The attacker here copies the store after every single ballot and after the close, and uses
everything the copies hold: which roll entries and which ballots appear or change between two
copies, the bytes of ballots waiting to be sealed, where each ballot sits in storage, and on
PostgreSQL which transaction and statement wrote each row version (`xmin`, `cmin`) and what the
WAL says each transaction wrote. Each voter casts a different ranking, so the test knows whose
each ballot is. The copies are read by tests/polls/ballot_copies.py.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.clock import ManualClock
from bot.core import Moot
from bot.features import ALL_FEATURES
from bot.leases import SCHEDULER
from bot.polls.sealing import DEFAULT_BATCH, HELD_BYTES, NOT_TAKING
from storage.store import Store
from tests.helpers import RecordingOutlet, Resident, button, group, texts
from tests.poll_helpers import cast_secretly, draft, members, published
from tests.polls.ballot_copies import (
    Copier,
    Copy,
    PostgresCopier,
    SqliteCopier,
    WalRecord,
    copier,
)

VOTERS = 30
OPTIONS = ("Ann", "Raj", "Sue", "Tom", "Una")
RANKINGS = list(itertools.permutations(range(1, len(OPTIONS) + 1)))[:VOTERS]

Links = dict[int, set[str]]  # voter -> the ballots an attack says may be theirs


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Copier]:
    """The attacker's copier for the test's store."""
    copies = copier(database_url, tmp_path)
    yield copies
    copies.close()


def kendall_tau(order: list[int]) -> float:
    """How far `order` follows 0, 1, 2, … (1: exactly; -1: exactly reversed; 0: unrelated)."""
    pairs = list(itertools.combinations(range(len(order)), 2))
    agree = sum(1 if order[i] < order[j] else -1 for i, j in pairs)
    return agree / len(pairs)


def plaintexts() -> set[bytes]:
    """Every ballot of this test as it would be stored without a pad."""
    return {f"|{','.join(map(str, r))}".encode().ljust(HELD_BYTES, b"\0") for r in RANKINGS}


async def ranked_ballot(moot: Moot, host: Resident) -> tuple[list[Resident], int]:
    """VOTERS members and an open secret ranked ballot among OPTIONS."""
    voters = await members(moot, host, *(f"Voter{i}" for i in range(VOTERS)))
    poll = await published(host, f"Chair? | {' | '.join(OPTIONS)} | kind: ranked | secret | ballot")
    return voters, poll


async def whose_ballot(moot: Moot, voters: list[Resident]) -> dict[str, int]:
    """Each voter's ranking (as stored) -> their person id."""
    people = await moot.read(
        lambda s: [
            int(p)
            for (p,) in s.connection().execute(
                text(
                    "SELECT person_id FROM account WHERE platform_user_id LIKE 'voter%' "
                    "ORDER BY CAST(substr(platform_user_id, 6) AS INTEGER)"
                )
            )
        ]
    )
    person_of = {v.user_id: person for v, person in zip(voters, people, strict=True)}
    return {
        ",".join(map(str, ranking)): person_of[voter.user_id]
        for voter, ranking in zip(voters, RANKINGS, strict=True)
    }


def linked_by_changes(copies: list[Copy]) -> Links:
    """Each voter, to every ballot that appeared in a copy where their roll entry changed."""
    candidates: Links = defaultdict(set)
    for before, after in itertools.pairwise(copies):
        touched = {p for p, row in after.roll.items() if before.roll.get(p) != row}
        touched |= set(before.roll) - set(after.roll)
        appeared = set(after.ballots) - set(before.ballots)
        for person in touched:
            candidates[person] |= appeared
    return candidates


def linked_by_row_headers(copies: list[Copy]) -> Links:
    """PostgreSQL: each voter, to every ballot written by a transaction that wrote or replaced
    one of their roll entries' versions (a row version's `xmin` and `xmax`)."""
    touched: dict[int, set[int]] = defaultdict(set)  # transaction -> voters
    for version in (v for copy in copies for v in copy.versions if v.table == "voterroll"):
        touched[version.xmin].add(version.person)
        touched[version.xmax].add(version.person)
    candidates: Links = defaultdict(set)
    for ballot in (v for copy in copies for v in copy.versions if v.table == "secretballot"):
        for person in touched[ballot.xmin]:
            candidates[person].add(ballot.key)
    return candidates


def linked_by_wal(records: list[WalRecord], copies: list[Copy]) -> Links:
    """PostgreSQL: each voter, to every ballot that a transaction wrote in the WAL together with
    their roll entry. Which row a record writes is read in the first copy taken after it."""
    ballots: dict[int, set[str]] = defaultdict(set)
    voters: dict[int, set[int]] = defaultdict(set)
    for record in records:
        copy = next((c for c in copies if c.wal_at > record.lsn), None)
        if copy is None or record.place is None or record.kind == "DELETE":
            continue
        (version,) = (
            v for v in copy.versions if (v.table, v.place) == (record.table, record.place)
        )
        if record.table == "secretballot":
            ballots[record.tx].add(version.key)
        else:
            voters[record.tx].add(version.person)
    candidates: Links = defaultdict(set)
    for tx, people in voters.items():
        for person in people:
            candidates[person] |= ballots[tx]
    return candidates


def assert_no_ballot_linked_to_fewer_than_k(
    links: Links, whose: dict[str, int], final: Copy
) -> None:
    for marks, person in whose.items():
        key = next(k for k, m in final.ballots.items() if m == marks)
        assert key in links[person]  # the attack does find the true ballot among them
        assert len(links[person]) >= DEFAULT_BATCH, "a ballot linked to fewer than k voters"


def assert_batches_say_no_more_than_their_keys(copies: list[Copy]) -> None:
    """PostgreSQL: the ballots a seal wrote share one statement number, and sit in the order of
    their random keys; the voters it cleared share one statement number too. So within a batch,
    neither the row headers nor the places pair a ballot with a voter."""
    batches: dict[int, dict[str, tuple[int, tuple[int, int]]]] = defaultdict(dict)
    cleared: dict[int, set[int]] = defaultdict(set)  # transaction -> cmins of cleared entries
    for version in (v for copy in copies for v in copy.versions):
        if version.table == "secretballot":
            batches[version.xmin][version.key] = (version.cmin, version.place)
        elif len(version.data) == 8:  # a cleared entry: poll and person, no queue place or bytes
            cleared[version.xmin].add(version.cmin)
    for batch in batches.values():
        assert len({cmin for cmin, _ in batch.values()}) == 1, "ballots of a batch told apart"
        assert sorted(batch) == sorted(batch, key=lambda key: batch[key][1])
    assert all(len(cmins) == 1 for cmins in cleared.values()), "voters of a batch told apart"


async def test_a_copy_taken_at_any_moment_links_a_ballot_to_no_fewer_than_k_voters(
    moot: Moot, community: str, host: Resident, store: Copier
) -> None:
    voters, poll = await ranked_ballot(moot, host)
    whose = await whose_ballot(moot, voters)

    copies = [store.take("copy-start")]
    for n, (voter, ranking) in enumerate(zip(voters, RANKINGS, strict=True)):
        cast = texts(await cast_secretly(voter, poll, " ".join(map(str, ranking))))
        assert "is cast" in cast
        assert not any(name in cast for name in OPTIONS)  # no receipt restating the choice
        copies.append(store.take(f"copy-{n}"))
    sealed_during_vote = len(copies[-1].ballots)
    assert "is closed" in texts(await host.say(f"/close {poll}"))
    final = store.take("copy-closed")

    # Ballots were sealed as people voted, not all at the close, and all count at the end.
    assert sealed_during_vote >= VOTERS - 2 * DEFAULT_BATCH
    assert sorted(final.ballots.values()) == sorted(whose)
    # A waiting ballot's bytes are not the ballot.
    held = {data for copy in copies for _, data in copy.roll.values() if data is not None}
    assert len(held) == VOTERS
    assert not any(plain in data for data in held for plain in plaintexts())

    assert_no_ballot_linked_to_fewer_than_k(linked_by_changes([*copies, final]), whose, final)
    if isinstance(store, PostgresCopier):
        assert_no_ballot_linked_to_fewer_than_k(
            linked_by_row_headers([*copies, final]), whose, final
        )
        assert_batches_say_no_more_than_their_keys(copies)
        # The WAL as far as the last copy of the vote; the close is the next test's.
        records = [r for r in store.wal() if r.lsn < copies[-1].wal_at]
        sealed_at_close = set(final.ballots) - set(copies[-1].ballots)
        links = linked_by_wal(records, copies)
        for person in whose.values():  # a ballot sealed at the close: see the next test
            links[person] |= sealed_at_close
        assert_no_ballot_linked_to_fewer_than_k(links, whose, final)


async def test_after_the_close_the_store_keeps_no_order_of_voting(
    moot: Moot, community: str, host: Resident, store: Copier
) -> None:
    voters, poll = await ranked_ballot(moot, host)
    held: set[bytes] = set()
    for n, (voter, ranking) in enumerate(zip(voters, RANKINGS, strict=True)):
        await cast_secretly(voter, poll, " ".join(map(str, ranking)))
        copy = store.take(f"copy-{n}")
        held |= {data for _, data in copy.roll.values() if data is not None}
    await host.say(f"/close {poll}")
    final = store.take("closed")

    stored = store.stored_bytes()
    assert not any(blob in stored for blob in held)  # nothing held lingers anywhere
    assert all(entry == (None, None) for entry in final.roll.values())
    if isinstance(store, SqliteCopier):
        # The log was emptied at the close: what it holds now (the results going out) has no
        # ballot, and no page is left free with old rows in it.
        wal = Path(f"{store.database}-wal")
        logged = wal.read_bytes() if wal.exists() else b""
        assert not any(key.encode() in logged for key in final.ballots)
        db = sqlite3.connect(store.database)
        assert db.execute("PRAGMA freelist_count").fetchone()[0] == 0
        db.close()
    if isinstance(store, PostgresCopier):
        # Every row was rewritten by one statement of the close, and nothing else is left in
        # the pages: no dead version, no second copy of a ballot.
        assert all(v.xmax == 0 for v in final.versions), "a dead row version was kept"
        for table in ("secretballot", "voterroll"):
            rows = [v for v in final.versions if v.table == table]
            assert len(rows) == VOTERS
            assert len({(v.xmin, v.cmin) for v in rows}) == 1, f"{table} keeps batches"
        assert all(stored.count(key.encode()) == 1 for key in final.ballots)
        # The WAL keeps every batch (the operator's backup), but never one smaller than k.
        ballots: dict[int, int] = defaultdict(int)  # transaction -> ballots it wrote
        roll: dict[int, int] = defaultdict(int)  # transaction -> roll entries it wrote
        for record in store.wal():
            if record.table == "secretballot" and record.kind == "INSERT":
                ballots[record.tx] += 1
            elif record.table == "voterroll" and record.kind != "DELETE":
                roll[record.tx] += 1
        assert ballots, "the WAL shows no ballot written"
        assert all(n >= DEFAULT_BATCH for n in ballots.values()), "a batch smaller than k"
        assert all(roll[tx] >= DEFAULT_BATCH for tx in ballots), "a batch with fewer voters than k"

    # Where each ballot sits in storage says nothing about when it was cast.
    cast_order = {",".join(map(str, r)): n for n, r in enumerate(RANKINGS)}
    tau = kendall_tau([cast_order[final.ballots[key]] for key in store.in_stored_order(final)])
    assert abs(tau) < 0.55, f"ballots sit in storage in the order of voting (tau {tau:.2f})"


async def test_a_secret_draft_says_what_a_postgresql_database_keeps_after_the_close(
    community: str, host: Resident, database_url: str
) -> None:
    _, secret = await draft(host, "Chair? | Ann | Raj | secret | ballot")
    _, open_vote = await draft(host, "Chair? | Ann | Raj")
    kept = "keep which ballots were sealed together (5 or more at a time) even after the close"
    assert (kept in secret.text) == database_url.startswith("postgresql")
    assert kept not in open_vote.text


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
        await cast_secretly(voter, poll, 1)
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
        assert "is cast" in texts(await cast_secretly(voter, poll, 2))
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
    await cast_secretly(alice, poll, 1)
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
    asked = await on_discord.privately(f"/vote {poll} 2")
    await on_discord.press(button(asked, "Cast my ballot"), group("discord"))
    on_telegram = Resident(moot, "telegram", "222", "Alice T")
    issued = texts(await on_telegram.privately("/link"))
    code = next(word for word in issued.split() if word.startswith("LINK-"))
    assert "one member" in texts(await on_discord.privately(f"/link {code}"))
    await host.say(f"/close {poll}")
    result = texts(await host.say(f"/results {poll}"))
    assert "Winner: Raj" in result
    assert not any("lost" in text for _, reply in outlet.directs for text in [reply.text])


async def test_while_no_process_seals_a_ballot_is_refused_and_nothing_is_recorded(
    moot: Moot, community: str, host: Resident
) -> None:
    """Between a sealing process's stop and the next one taking sealing up, a ballot would be
    held for a key nobody will read: it is refused instead, in one sentence."""
    (alice,) = await members(moot, host, "Alice")
    poll = await published(host, "Chair? | Ann | Raj | secret | ballot")
    await moot.leases.release(SCHEDULER)  # as the sealing process does when it stops
    refused = texts(await cast_secretly(alice, poll, 1))
    assert refused == NOT_TAKING
    assert "Turnout: 0 of 2" in texts(await host.say(f"/voters {poll}"))
