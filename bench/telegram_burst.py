"""A burst of direct-message reminders through the Telegram adapter. Prints, from one run:

- 1,000 meeting reminders by direct message, through the real Telegram adapter to a fake Bot API
  that allows 30 messages a second and answers 429 with retry_after beyond that: how many
  arrived and whether any twice, and the time they took beside the least the limit allows
  (33.3 s; target: at most x1.1 of it);
- a vote pressed in the middle of that burst: how long until Telegram had its confirmation
  (target: at most 1 s).

Run with `make bench` (or `python -m bench.telegram_burst`); it takes about 45 seconds.
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from bot.clock import SystemClock
from bot.core import Moot
from bot.dates import Reading
from bot.events import Place
from bot.features import ALL_FEATURES
from bot.meetings import service
from bot.meetings.spec import MeetingSpec
from bot.polls import service as polls
from bot.polls.spec import PollSpec
from storage.meetings import Answer
from storage.migrate import upgrade
from storage.store import Store
from tests.fakes.telegram_api import Updates
from tests.telegram_harness import telegram_adapter

PEOPLE = 1_000
LIMIT = 30  # messages a second, across all chats
GROUP = -100_700
FIRST_USER = 50_000
NOW = "2026-11-23 09:00:00.000000"


def seed(
    path: Path, people: int = PEOPLE, *, group: int = GROUP, first_user: int = FIRST_USER
) -> None:
    """A community whose Telegram group (`group`) is linked, with `people` members who have each
    opened a chat with the bot (Telegram user ids from `first_user` + 1)."""
    db = sqlite3.connect(path)
    db.execute(
        "INSERT INTO community (id, name, timezone, join_policy, polls_by, chat_code, created_at) "
        "VALUES (1, 'Bench', 'Europe/London', 'open', 'members', 'CHAT-BENC-HMRK', ?)",
        (NOW,),
    )
    numbers = range(1, people + 1)
    db.executemany(
        "INSERT INTO person (id, name, created_at) VALUES (?, ?, ?)",
        ((i, f"Resident {i}", NOW) for i in numbers),
    )
    db.executemany(
        "INSERT INTO account (platform, platform_user_id, person_id, display_name, "
        "direct_chat_id, last_seen_at) VALUES ('telegram', ?, ?, ?, ?, ?)",
        ((str(first_user + i), i, f"Resident {i}", str(first_user + i), NOW) for i in numbers),
    )
    db.executemany(
        "INSERT INTO membership (community_id, number, person_id, role, status, requested_at) "
        "VALUES (1, ?, ?, ?, 'active', ?)",
        ((i, i, "admin" if i == 1 else "member", NOW) for i in numbers),
    )
    db.execute(
        "INSERT INTO chat (platform, platform_chat_id, title, community_id, linked_by_person_id, "
        "linked_at) VALUES ('telegram', ?, 'Bench', 1, 1, ?)",
        (str(group), NOW),
    )
    db.execute(
        "INSERT INTO numbersequence (community_id, kind, last) VALUES (1, 'member', ?)", (people,)
    )
    db.commit()
    db.close()


def prepare(session: Session, due: datetime, now: datetime) -> None:
    """A meeting everyone is going to, reminding them at `due`; and an open poll in the group."""
    place = Place("telegram", str(GROUP), "Bench", is_private=False)
    spec = MeetingSpec(
        "Bench meeting", Reading(due + timedelta(minutes=5)), reminders=(timedelta(minutes=5),)
    )
    meeting_id = service.create_draft(session, 1, 1, place, spec, now)
    service.announce(session, meeting_id, 1, now)
    for person in range(1, PEOPLE + 1):
        service.respond(session, meeting_id, person, Answer.GOING, "telegram", now)
    poll = PollSpec(
        "Bench?", [("Yes", None), ("No", None)], closes=Reading(now + timedelta(days=1))
    )
    poll_id = polls.create_draft(session, 1, 1, place, poll, now)
    polls.publish(session, poll_id, 1, now)


async def burst(url: str) -> None:
    moot = Moot(Store(url), SystemClock(), ALL_FEATURES)
    await moot.start()
    async with telegram_adapter(moot) as (api, _):
        api.messages_per_second = LIMIT
        now = datetime.now(UTC)
        due = now + timedelta(seconds=10)
        await moot.write(lambda s: prepare(s, due, now))
        updates = Updates()

        def reminders() -> Counter[int]:
            return Counter(
                int(c.params["chat_id"])
                for c in api.calls
                if c.ok and c.method == "sendMessage" and "⏰ Reminder" in str(c.params.get("text"))
            )

        await asyncio.sleep(due.timestamp() + 15 - time.time())  # the middle of the burst
        pressed = time.monotonic()
        api.push(updates.press(GROUP, FIRST_USER + 7, "Resident 7", "vote 1.1 1"))
        await until(lambda: any(c.method == "answerCallbackQuery" for c in api.calls), 10)
        confirmed = time.monotonic() - pressed
        await until(lambda: len(reminders()) >= PEOPLE, due.timestamp() + 120 - time.time())
        finished = time.time()
        counts = reminders()
        refused = sum(1 for c in api.calls if not c.ok and c.method == "sendMessage")
    await moot.stop()

    least = PEOPLE / LIMIT
    took = finished - due.timestamp()
    twice = sum(1 for n in counts.values() if n > 1)
    verdict = "meets" if len(counts) == PEOPLE and not twice and took <= 1.1 * least else "MISSES"
    print(
        f"{PEOPLE:,} DM reminders through Telegram at {LIMIT}/s   {len(counts):,} arrived, {twice} "
        f"twice, in {took:.1f} s (x{took / least:.2f} of the least the limit allows, "
        f"{least:.1f} s; {refused} answered 429) — {verdict} target (x1.1)"
    )
    verdict = "meets" if confirmed <= 1.0 else "MISSES"
    print(
        f"a vote pressed mid-burst                   confirmed in {confirmed * 1000:.0f} ms — "
        f"{verdict} target (1 s)"
    )


async def until(condition: Callable[[], bool], within: float) -> None:
    """Return once `condition` holds (looking every 10 ms), or after `within` seconds."""
    for _ in range(max(1, int(within / 0.01))):
        if condition():
            return
        await asyncio.sleep(0.01)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "burst.db"
        upgrade(f"sqlite:///{path}")
        seed(path)
        asyncio.run(burst(f"sqlite:///{path}"))


if __name__ == "__main__":
    main()
