"""A community written straight into the database before the processes start, so that a test's
minutes go to what it is about (votes, reminders) rather than to thousands of /join commands."""

from __future__ import annotations

from datetime import UTC, datetime

from bench.stores import analyze, connected

GROUP = -100500  # the community's Telegram group
ADMIN = 1  # person 1 administers the community; their Telegram id is telegram_id(1)
NOW = datetime.now(UTC).replace(tzinfo=None)


def telegram_id(person: int) -> int:
    return 700_000 + person


def community(url: str, people: int) -> None:
    """Elm Court, at home in GROUP, with `people` active members, each with a Telegram account
    and a private chat with the bot, in which their commands apply to Elm Court."""
    numbers = range(1, people + 1)
    with connected(url) as db:
        db.execute(
            "INSERT INTO community (id, name, timezone, join_policy, polls_by, chat_code, "
            "created_at) VALUES (1, 'Elm Court', 'Europe/London', 'open', 'members', "
            "'CHAT-ELMC-OURT', ?)",
            (NOW,),
        )
        db.executemany(
            "INSERT INTO person (id, name, created_at, current_community_id) VALUES (?, ?, ?, 1)",
            ((i, f"Resident {i}", NOW) for i in numbers),
        )
        db.executemany(
            "INSERT INTO account (platform, platform_user_id, person_id, display_name, "
            "direct_chat_id, last_seen_at) VALUES ('telegram', ?, ?, ?, ?, ?)",
            ((str(telegram_id(i)), i, f"Resident {i}", str(telegram_id(i)), NOW) for i in numbers),
        )
        db.executemany(
            "INSERT INTO membership (community_id, number, person_id, role, status, "
            "requested_at) VALUES (1, ?, ?, ?, 'active', ?)",
            ((i, i, "admin" if i == ADMIN else "member", NOW) for i in numbers),
        )
        db.execute(
            "INSERT INTO chat (platform, platform_chat_id, title, community_id, "
            "linked_by_person_id, linked_at) VALUES ('telegram', ?, 'Elm Court', 1, 1, ?)",
            (str(GROUP), NOW),
        )
        db.execute(
            "INSERT INTO numbersequence (community_id, kind, last) VALUES (1, 'member', ?)",
            (people,),
        )
    analyze(url)
