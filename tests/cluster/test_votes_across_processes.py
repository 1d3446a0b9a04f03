"""Acceptance test 1 of issue 20: votes arriving at three processes behind a round-robin proxy,
half as Telegram webhook updates and half as Discord interactions (signed, to the HTTP
interactions endpoint), some delivered twice to different processes, some changed: every
person's last vote counted once, every duplicate answered without a second count, and the
running totals equal a recount."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from pathlib import Path

from adapters.discord.render import BUTTON_PREFIX
from bench.stores import connected
from tests.cluster.harness import Cluster, Process, cluster
from tests.cluster.seeding import (
    ADMIN,
    DISCORD_CHANNEL,
    GROUP,
    community,
    discord_id,
    on_discord,
    telegram_id,
)
from tests.fakes.discord_api import Interactions
from tests.fakes.telegram_api import Updates

PEOPLE = 5000
ON_DISCORD = range(PEOPLE // 2 + 1, PEOPLE + 1)  # the others vote on Telegram
POLLS = 2  # everyone votes in both: 10,000 votes
DELIVERED_TWICE = 0.10
CHANGING_THEIR_VOTE = 0.01
IN_FLIGHT = 48  # updates Telegram has posted and not yet seen answered, at most
COUNTED = "is counted"
REPLACED = "replaces your earlier vote"


async def published(running: Cluster, updates: Updates, number: int, question: str) -> list[str]:
    """Poll #`number` drafted and published in the group; its buttons' callback data."""
    admin = telegram_id(ADMIN)
    await running.deliver(updates.message(GROUP, admin, "Admin", f"/poll {question}"))
    await running.telegram.wait_for(admin, f"Draft poll #{number}", within=30)
    await running.deliver(updates.message(GROUP, admin, "Admin", f"/publish {number}"))
    card = await running.telegram.wait_for(GROUP, f"📊 Poll #{number}", within=30)
    rows = card.params["reply_markup"]["inline_keyboard"]
    return [
        b["callback_data"] for row in rows for b in row if b["callback_data"].startswith("vote")
    ]


def toasts_saying(running: Cluster, fragment: str) -> int:
    """Answers to presses saying `fragment`: Telegram's toasts and Discord's interaction
    answers (in the HTTP response, or followed up once deferred)."""
    assert running.discord is not None
    answers = (str(body.get("content", "")) for _, body in running.discord.messages())
    return sum(fragment in t for t in [*running.telegram.toasts(), *answers])


async def all_answered(running: Cluster, fragment: str, expected: int, within: float) -> None:
    started = time.monotonic()
    while (answered := toasts_saying(running, fragment)) < expected:
        assert time.monotonic() - started < within, f"{answered} of {expected} votes answered"
        await asyncio.sleep(0.2)


async def test_votes_through_three_processes_count_each_persons_last_vote_once(
    postgres_url: str, tmp_path: Path
) -> None:
    community(postgres_url, PEOPLE)
    on_discord(postgres_url, ON_DISCORD)
    rng = random.Random(20)
    updates, interactions = Updates(), Interactions(channel_id=DISCORD_CHANNEL)
    async with cluster(
        postgres_url, tmp_path, admins={(GROUP, telegram_id(ADMIN))}, discord=True
    ) as running:
        buttons = [
            await published(running, updates, n, f"Question {n}? | Yes | No | Maybe")
            for n in range(1, POLLS + 1)
        ]
        last: dict[tuple[int, int], int] = {}  # (poll number, person) -> option
        plan: list[tuple[int, int, int]] = [
            (poll, person, rng.randrange(3))
            for person in range(1, PEOPLE + 1)
            for poll in range(1, POLLS + 1)
        ]
        rng.shuffle(plan)
        changers = rng.sample(range(len(plan)), int(len(plan) * CHANGING_THEIR_VOTE))
        twice = set(rng.sample(range(len(plan)), int(len(plan) * DELIVERED_TWICE)))
        gate = asyncio.Semaphore(IN_FLIGHT)

        async def press(index: int, poll: int, person: int, option: int) -> None:
            button, name = buttons[poll - 1][option], f"Resident {person}"
            if person in ON_DISCORD:
                interaction = interactions.press(discord_id(person), name, BUTTON_PREFIX + button)

                async def deliver(to: Process | None = None) -> int:
                    status, _ = await running.interact(interaction, to)
                    return status

            else:
                update = updates.press(GROUP, telegram_id(person), name, button)

                async def deliver(to: Process | None = None) -> int:
                    return await running.deliver(update, to)

            async with gate:
                if index in twice:  # the same update, to two different processes
                    first, second = rng.sample(running.processes, 2)
                    statuses = list(await asyncio.gather(deliver(first), deliver(second)))
                else:
                    statuses = [await deliver()]
            assert all(s == 200 for s in statuses), statuses
            last[(poll, person)] = option

        await asyncio.gather(*(press(i, *vote) for i, vote in enumerate(plan)))
        await all_answered(running, COUNTED, len(plan), within=240)
        for index in changers:  # a change of mind, once the first vote was answered
            poll, person, option = plan[index]
            await press(-1, poll, person, (option + 1) % 3)
        await all_answered(running, REPLACED, len(changers), within=60)
        await asyncio.sleep(1)  # anything late would show up as one count too many

        assert toasts_saying(running, COUNTED) == len(plan)
        assert toasts_saying(running, REPLACED) == len(changers)
        assert toasts_saying(running, "already handled") == len(twice)
        assert running.tracebacks() == []

    with connected(postgres_url) as db:
        stored = {
            (poll, person): choice
            for poll, person, choice in db.execute(
                "SELECT p.number, v.person_id, v.choice FROM vote v JOIN poll p ON p.id = v.poll_id"
            )
        }
        totals = Counter(
            {
                (poll, choice): votes
                for poll, choice, votes in db.execute(
                    "SELECT p.number, c.choice, c.votes FROM pollcount c "
                    "JOIN poll p ON p.id = c.poll_id"
                )
                if votes
            }
        )
    assert stored == {key: option + 1 for key, option in last.items()}
    assert totals == Counter((poll, choice) for (poll, _), choice in stored.items())
