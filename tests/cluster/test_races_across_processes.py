"""Acceptance test 2 of issue 20: a close racing votes through three processes counts no vote
after it, and freezes a tally equal to the votes stored at the close; the last places of a
meeting taken from several processes at once are never more than its capacity."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

from bench.stores import connected
from tests.cluster.harness import Cluster, cluster
from tests.cluster.seeding import ADMIN, GROUP, community, telegram_id
from tests.fakes.telegram_api import Updates
from tests.helpers import wait_until

PEOPLE = 400
CLOSED_AFTER = 200  # votes sent before the close is
CAPACITY = 10
WANTING_TO_GO = 60
IN_FLIGHT = 24


def buttons(message: dict[str, Any]) -> list[str]:
    """The callback data of a message's buttons, in order."""
    return [b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row]


async def pressed_by_all(
    running: Cluster, updates: Updates, people: range, data: str
) -> dict[str, int]:
    """Each person presses `data`, at most IN_FLIGHT presses unanswered at a time (people keep
    pressing while earlier presses are handled, rather than all being queued at once). Returns
    each press's callback query id, to its person."""
    answered_before = len(running.telegram.toasts())
    presser: dict[str, int] = {}
    for sent, person in enumerate(people):

        def room_for_another(sent: int = sent) -> bool:
            return len(running.telegram.toasts()) - answered_before > sent - IN_FLIGHT

        await wait_until(room_for_another)
        update = updates.press(GROUP, telegram_id(person), f"Resident {person}", data)
        presser[update["callback_query"]["id"]] = person
        assert await running.deliver(update) == 200
    return presser


def answers(running: Cluster, presser: dict[str, int]) -> dict[int, str]:
    """Each person who pressed, to the answer their press got."""
    return {
        presser[str(c.params["callback_query_id"])]: str(c.params.get("text"))
        for c in running.telegram.calls
        if c.method == "answerCallbackQuery" and str(c.params["callback_query_id"]) in presser
    }


async def test_a_close_racing_votes_counts_none_after_it(postgres_url: str, tmp_path: Path) -> None:
    community(postgres_url, PEOPLE + 1)
    updates = Updates()
    admin = telegram_id(ADMIN)
    async with cluster(postgres_url, tmp_path, admins={(GROUP, admin)}) as running:
        telegram = running.telegram
        await running.deliver(updates.message(GROUP, admin, "Admin", "/poll Bins? | Yes | No"))
        await telegram.wait_for(admin, "Draft poll #1", within=30)
        await running.deliver(updates.message(GROUP, admin, "Admin", "/publish 1"))
        card = await telegram.wait_for(GROUP, "📊 Poll #1", within=30)
        yes = next(b for b in buttons(card.params) if b.startswith("vote"))

        voting = asyncio.create_task(pressed_by_all(running, updates, range(2, PEOPLE + 2), yes))
        await wait_until(lambda: sum("is counted" in t for t in telegram.toasts()) >= CLOSED_AFTER)
        await running.deliver(updates.message(GROUP, admin, "Admin", "/close 1"))
        presser = await voting
        await wait_until(lambda: len(answers(running, presser)) == PEOPLE, within=60)
        await telegram.wait_for(GROUP, "Results · Poll #1", within=30)
        told = answers(running, presser)
        assert running.tracebacks() == []

    counted = {person for person, answer in told.items() if "is counted" in answer}
    refused = {person for person, answer in told.items() if "has closed" in answer}
    assert counted | refused == set(told), set(told.values())
    assert refused, "the close came after every vote: the test raced nothing"
    with connected(postgres_url) as db:
        (frozen,) = db.execute("SELECT final_tally FROM poll").fetchone()
        stored = {person for (person,) in db.execute("SELECT person_id FROM vote")}
    assert stored == counted  # whoever was told their vote counts is counted, and nobody else
    frozen_counts = {int(choice): n for choice, n in json.loads(frozen)["counts"] if n}
    assert frozen_counts == {1: len(counted)}  # the tally kept at the close: exactly those votes


async def test_the_last_places_taken_from_several_processes_at_once_never_overfill(
    postgres_url: str, tmp_path: Path
) -> None:
    community(postgres_url, WANTING_TO_GO + 1)
    updates = Updates()
    admin = telegram_id(ADMIN)
    async with cluster(postgres_url, tmp_path, admins={(GROUP, admin)}) as running:
        telegram = running.telegram
        meeting = f"/meeting Garden day | Saturday 10:00 | capacity: {CAPACITY}"
        await running.deliver(updates.message(GROUP, admin, "Admin", meeting))
        preview = await telegram.wait_for(admin, "Draft meeting #1", within=30)
        announce = buttons(preview.params)[0]
        await running.deliver(updates.press(admin, admin, "Admin", announce))
        card = await telegram.wait_for(GROUP, "📅 Meeting #1", within=30)
        going = next(b for b in buttons(card.params) if b.endswith("going"))

        presser = await pressed_by_all(running, updates, range(2, WANTING_TO_GO + 2), going)
        await wait_until(lambda: len(answers(running, presser)) == WANTING_TO_GO, within=60)
        told = answers(running, presser).values()
        assert sum("you are going" in answer for answer in told) == CAPACITY, set(told)
        assert running.tracebacks() == []

    with connected(postgres_url) as db:
        responses = Counter(a for (a,) in db.execute("SELECT answer FROM meetingresponse"))
    assert responses == {"going": CAPACITY, "waiting": WANTING_TO_GO - CAPACITY}
