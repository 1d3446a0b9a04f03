"""A community written straight into the database before the processes start, so that a test's
minutes go to what it is about (votes, reminders) rather than to thousands of /join commands."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, create_engine

from bench.stores import analyze, connected
from bot.dates import Reading
from bot.events import Place
from bot.meetings import service
from bot.meetings.spec import MeetingSpec
from storage.meetings import Answer, MeetingResponse

GROUP = -100500  # the community's Telegram group
ADMIN = 1  # person 1 administers the community; their Telegram id is telegram_id(1)
NOW = datetime.now(UTC).replace(tzinfo=None)
REMINDER_BEFORE = timedelta(minutes=5)


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


def group_id(number: int) -> int:
    """The Telegram id of the community's `number`th further group (from 1)."""
    return GROUP - 1000 - number


def groups(url: str, count: int) -> None:
    """`count` more Telegram groups linked to the community (group_id(1) to group_id(count))."""
    with connected(url) as db:
        db.executemany(
            "INSERT INTO chat (platform, platform_chat_id, title, community_id, "
            "linked_by_person_id, linked_at) VALUES ('telegram', ?, ?, 1, 1, ?)",
            ((str(group_id(n)), f"Elm Court {n}", NOW) for n in range(1, count + 1)),
        )


def organisers(url: str, people: Sequence[int]) -> None:
    """Make these members organisers."""
    with connected(url) as db:
        db.executemany(
            "UPDATE membership SET role = 'organiser' WHERE person_id = ?",
            ((person,) for person in people),
        )


def draft_meetings(
    url: str, starts_at: datetime, drafted_by: Sequence[int], going: Sequence[Sequence[int]]
) -> None:
    """Draft meeting #n (from 1) for each list in `going`, by the nth of `drafted_by` in
    group_id(n), starting at `starts_at` with one reminder five minutes before, and those
    people going.
    Drafted through the meetings service, as /meeting does; the answers are written as rows,
    because the service takes answers only once a meeting is announced."""
    spec = MeetingSpec("Walk", Reading(starts_at), reminders=(REMINDER_BEFORE,))
    aware = NOW.replace(tzinfo=UTC)
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            for n, (organiser, people) in enumerate(zip(drafted_by, going, strict=True), 1):
                place = Place("telegram", str(group_id(n)), f"Elm Court {n}", is_private=False)
                meeting_id = service.create_draft(
                    session, 1, organiser, place, replace(spec, title=f"Walk {n}"), aware
                )
                session.add_all(
                    MeetingResponse(
                        meeting_id=meeting_id,
                        person_id=person,
                        answer=Answer.GOING,
                        platform="telegram",
                        responded_at=aware,
                    )
                    for person in people
                )
            session.commit()
    finally:
        engine.dispose()


DISCORD_CHANNEL = 50  # the community's Discord channel (tests.fakes.discord_api.Interactions)


def discord_id(person: int) -> int:
    return 800_000 + person


def on_discord(url: str, people: range) -> None:
    """These people's Discord accounts (linked to the same persons as their Telegram ones),
    and the community's Discord channel."""
    with connected(url) as db:
        db.executemany(
            "INSERT INTO account (platform, platform_user_id, person_id, display_name, "
            "last_seen_at) VALUES ('discord', ?, ?, ?, ?)",
            ((str(discord_id(i)), i, f"Resident {i}", NOW) for i in people),
        )
        db.execute(
            "INSERT INTO chat (platform, platform_chat_id, title, community_id, "
            "linked_by_person_id, linked_at) VALUES ('discord', ?, 'general', 1, 1, ?)",
            (str(DISCORD_CHANNEL), NOW),
        )
    analyze(url)
