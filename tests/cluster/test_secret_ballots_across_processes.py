"""Acceptance test 5 of issue 20: a secret poll voted on through three processes, and the
process that seals its ballots killed with kill -9 halfway. Only the voters whose ballots it held
are asked to cast again; every ballot cast counts once; and an attacker who copies the database
after every ballot links none to fewer than k voters (tests/polls/test_secret_ballots.py)."""

from __future__ import annotations

import itertools
from pathlib import Path

from bench.stores import connected
from bot.leases import SCHEDULER
from tests.cluster.harness import Cluster, cluster
from tests.cluster.seeding import ADMIN, GROUP, community, telegram_id
from tests.fakes.telegram_api import Updates
from tests.helpers import wait_until
from tests.polls.ballot_copies import PostgresCopier
from tests.polls.test_secret_ballots import (
    assert_no_ballot_linked_to_fewer_than_k,
    linked_by_changes,
    linked_by_row_headers,
)

VOTERS = 30
OPTIONS = ("Ann", "Raj", "Sue", "Tom", "Una")
RANKINGS = list(itertools.permutations(range(1, len(OPTIONS) + 1)))[:VOTERS]
KILLED_AFTER = 13  # ballots: with k = 5, some are held unsealed then
LOST = "was sealed, so it was lost"


def voter(n: int) -> int:
    """The person number of voter n (person 1 is the admin)."""
    return n + 2


def messages_to(running: Cluster, person: int) -> list[str]:
    chat = telegram_id(person)
    return running.telegram.texts_to(chat) + running.telegram.edits(chat)


async def cast(running: Cluster, updates: Updates, person: int, ranking: tuple[int, ...]) -> None:
    """A secret ranked ballot typed in a private chat and cast with its button, each update
    reaching whichever process the proxy picks."""
    user, name = telegram_id(person), f"Resident {person}"
    asked = sum("Cast it?" in t for t in messages_to(running, person))
    cast_before = sum("is cast" in t for t in messages_to(running, person))
    await running.deliver(
        updates.message(user, user, name, f"/vote 1 {' '.join(map(str, ranking))}")
    )
    await wait_until(lambda: sum("Cast it?" in t for t in messages_to(running, person)) > asked)
    confirmation = running.telegram.last_to(user, "Cast it?")
    await running.deliver(updates.press(user, user, name, confirmation.button("Cast my ballot")))
    await wait_until(
        lambda: sum("is cast" in t for t in messages_to(running, person)) > cast_before
    )


def held_for(url: str) -> set[int]:
    """The people whose ballots wait, unsealed, for the sealer."""
    with connected(url) as db:
        return {p for (p,) in db.execute("SELECT person_id FROM voterroll WHERE held IS NOT NULL")}


async def test_killing_the_sealer_asks_exactly_its_held_ballots_voters_to_cast_again(
    postgres_url: str, tmp_path: Path
) -> None:
    community(postgres_url, VOTERS + 1)
    updates = Updates()
    copies = PostgresCopier(postgres_url)
    taken = []
    try:
        async with cluster(postgres_url, tmp_path, admins={(GROUP, telegram_id(ADMIN))}) as running:
            admin = telegram_id(ADMIN)
            question = f"Chair? | {' | '.join(OPTIONS)} | kind: ranked | secret | ballot"
            await running.deliver(updates.message(GROUP, admin, "Admin", f"/poll {question}"))
            await running.telegram.wait_for(admin, "Draft poll #1", within=30)
            await running.deliver(updates.message(GROUP, admin, "Admin", "/publish 1"))
            await running.telegram.wait_for(GROUP, "📊 Poll #1", within=30)
            taken.append(copies.take("start"))

            for n in range(KILLED_AFTER):
                await cast(running, updates, voter(n), RANKINGS[n])
                taken.append(copies.take(f"ballot-{n}"))
            held = held_for(postgres_url)
            assert 0 < len(held) < VOTERS
            sealer = running.holders()[SCHEDULER]
            running.kill(sealer)
            await running.taken_over(SCHEDULER, sealer)

            await wait_until(
                lambda: all(any(LOST in t for t in messages_to(running, p)) for p in held),
                within=30,
            )
            told = {
                voter(n)
                for n in range(VOTERS)
                if any(LOST in t for t in messages_to(running, voter(n)))
            }
            assert told == held
            recast = [n for n in range(KILLED_AFTER) if voter(n) in held]
            for n in [*recast, *range(KILLED_AFTER, VOTERS)]:
                await cast(running, updates, voter(n), RANKINGS[n])
                taken.append(copies.take(f"ballot-{n}-after"))
            await running.deliver(updates.message(GROUP, admin, "Admin", "/close 1"))
            await running.telegram.wait_for(GROUP, "Results · Poll #1", within=30)
            final = copies.take("closed")
            assert running.tracebacks() == []
    finally:
        copies.close()

    ranking_of = {",".join(map(str, r)): voter(n) for n, r in enumerate(RANKINGS)}
    assert sorted(final.ballots.values()) == sorted(ranking_of)  # each ballot counted once
    for links in (linked_by_changes([*taken, final]), linked_by_row_headers([*taken, final])):
        assert_no_ballot_linked_to_fewer_than_k(links, ranking_of, final)
