"""Acceptance test 6 of issue 20: a rolling restart (each of three processes stopped cleanly and
started again in turn, as `systemctl restart moot@N` one by one would) under a steady load of
votes and secret ballots loses nothing, counts nothing twice, and shows nobody an error."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import Counter
from pathlib import Path

from bench.stores import connected
from tests.cluster.harness import Cluster, cluster
from tests.cluster.seeding import ADMIN, GROUP, community, telegram_id
from tests.fakes.telegram_api import Updates
from tests.helpers import wait_until

VOTERS = 400  # open-poll votes, one a person, at a steady PACE a second
PACE = 15.0
SECRET_VOTERS = 24  # secret ballots, cast one after another throughout
OPTIONS = ("Ann", "Raj", "Sue", "Tom", "Una")
RANKINGS = list(itertools.permutations(range(1, len(OPTIONS) + 1)))[:SECRET_VOTERS]
ERRORS = ("went wrong", "not taking", "was lost", "try again", "Sorry")


def secret_voter(n: int) -> int:
    return VOTERS + 2 + n


async def publish(running: Cluster, updates: Updates, number: int, definition: str) -> None:
    admin = telegram_id(ADMIN)
    await running.deliver(updates.message(GROUP, admin, "Admin", f"/poll {definition}"))
    await running.telegram.wait_for(admin, f"Draft poll #{number}", within=30)
    await running.deliver(updates.message(GROUP, admin, "Admin", f"/publish {number}"))
    await running.telegram.wait_for(GROUP, f"📊 Poll #{number}", within=30)


async def steady_votes(running: Cluster, updates: Updates, presser: dict[str, int]) -> None:
    """Each of VOTERS people presses "Yes" on poll #1, PACE presses a second."""
    for person in range(2, VOTERS + 2):
        update = updates.press(GROUP, telegram_id(person), f"Resident {person}", "vote 1.1 1")
        presser[update["callback_query"]["id"]] = person
        assert await running.deliver(update) == 200
        await asyncio.sleep(1 / PACE)


async def secret_ballots(running: Cluster, updates: Updates) -> None:
    """Secret ranked ballots on poll #2, typed and cast in private chats, one after another."""
    for n, ranking in enumerate(RANKINGS):
        person = secret_voter(n)
        user, name = telegram_id(person), f"Resident {person}"
        typed = f"/vote 2 {' '.join(map(str, ranking))}"
        assert await running.deliver(updates.message(user, user, name, typed)) == 200
        confirmation = await running.telegram.wait_for(user, "Cast it?", within=30)
        pressed = updates.press(user, user, name, confirmation.button("Cast my ballot"))
        assert await running.deliver(pressed) == 200

        def cast(user: int = user) -> bool:
            return any("is cast" in t for t in running.telegram.edits(user))

        await wait_until(cast, within=30)


async def test_a_rolling_restart_under_load_loses_and_duplicates_nothing(
    postgres_url: str, tmp_path: Path
) -> None:
    community(postgres_url, VOTERS + SECRET_VOTERS + 1)
    updates = Updates()
    async with cluster(postgres_url, tmp_path, admins={(GROUP, telegram_id(ADMIN))}) as running:
        telegram = running.telegram
        await publish(running, updates, 1, "Bins? | Yes | No")
        secret = f"Chair? | {' | '.join(OPTIONS)} | kind: ranked | secret | ballot"
        await publish(running, updates, 2, secret)

        presser: dict[str, int] = {}
        load = asyncio.gather(
            steady_votes(running, updates, presser), secret_ballots(running, updates)
        )
        try:
            for process in running.processes:
                await asyncio.sleep(2)
                assert await running.stop(process) == 0, process.output()[-2000:]
                await running.start(process)
            await load
        finally:
            with contextlib.suppress(BaseException):
                load.cancel()
                await load

        def answered() -> dict[int, str]:
            return {
                presser[str(c.params["callback_query_id"])]: str(c.params.get("text"))
                for c in telegram.calls
                if c.method == "answerCallbackQuery"
                and str(c.params["callback_query_id"]) in presser
            }

        await wait_until(lambda: len(answered()) == VOTERS, within=60)
        told = Counter(
            c.params["callback_query_id"]
            for c in telegram.calls
            if c.method == "answerCallbackQuery"
        )
        assert all(n == 1 for n in told.values())  # nobody answered twice
        assert all("is counted" in t for t in answered().values()), set(answered().values())
        admin = telegram_id(ADMIN)
        await running.deliver(updates.message(GROUP, admin, "Admin", "/close 2"))
        await telegram.wait_for(GROUP, "Results · Poll #2", within=30)
        everything = [str(c.params.get("text", "")) for c in telegram.calls]
        assert not [t for t in everything if any(e in t for e in ERRORS)]
        assert running.tracebacks() == []

    with connected(postgres_url) as db:
        votes = {p for (p,) in db.execute("SELECT person_id FROM vote WHERE poll_id = 1")}
        (total,) = db.execute(
            "SELECT votes FROM pollcount WHERE poll_id = 1 AND choice = 1"
        ).fetchone()
        ballots = sorted(m for (m,) in db.execute("SELECT marks FROM secretballot"))
    assert votes == set(range(2, VOTERS + 2))
    assert total == VOTERS
    assert ballots == sorted(",".join(map(str, r)) for r in RANKINGS)
