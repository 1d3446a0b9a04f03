"""Two processes writing to one PostgreSQL database, as issue 20 runs Moot: each has its own
store and writer, and nothing but the database keeps their decisions apart. Each race below
starts both writes' transactions at the same moment (a barrier inside the write), so that without
the row lock the decision takes (storage/locking.py), both would read the same state and both
would act on it. On SQLite one writer runs every write alone, so these races need PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import TypeVar

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, func, select

from bot.clock import ManualClock
from bot.community import service as community_service
from bot.core import Moot
from bot.errors import UserError
from bot.features import ALL_FEATURES
from bot.meetings import service as meetings
from bot.numbers import next_number
from bot.polls import service as polls
from bot.polls.sealing import Sealer
from bot.repairs import service as repairs
from storage.meetings import Answer, Meeting, MeetingResponse
from storage.models import AuditEntry, Community, Membership, Person, Role, ScheduledJob
from storage.polls import Poll, PollStatus
from storage.repairs import RepairEvent, RepairReport, RepairStatus
from storage.store import Store
from tests.conftest import START
from tests.helpers import Resident, texts
from tests.meetings.test_meetings import announced
from tests.poll_helpers import members, published
from tests.repairs.test_repairs import LEAK, with_team

T = TypeVar("T")


@pytest.fixture
def database_url(postgres_url: str) -> str:
    """Every test here, and the Moot it runs, on PostgreSQL only."""
    return postgres_url


@pytest.fixture
async def other(database_url: str) -> AsyncIterator[Store]:
    """A second process's store: its own connections and writer on the same database."""
    store = Store(database_url)
    store.start()
    yield store
    await store.close()


async def at_once(
    first: Store, second: Store, one: Callable[[Session], T], two: Callable[[Session], T]
) -> list[T | BaseException]:
    """Run `one` through `first`'s writer and `two` through `second`'s, each starting only when
    both transactions are open."""
    barrier = threading.Barrier(2, timeout=10)

    def together(op: Callable[[Session], T]) -> Callable[[Session], T]:
        runs = 0

        def run(session: Session) -> T:
            nonlocal runs
            runs += 1
            if runs == 1:  # not when the writer runs the group again
                session.execute(text("SELECT 1"))  # the transaction has begun
                barrier.wait()
            return op(session)

        return run

    both = await asyncio.gather(
        first.write(together(one)), second.write(together(two)), return_exceptions=True
    )
    return list(both)


async def person(moot: Moot, name: str) -> int:
    found = await moot.read(lambda s: s.exec(select(Person.id).where(Person.name == name)).one())
    assert found is not None
    return found


async def audited(moot: Moot, action: str) -> int:
    return await moot.read(
        lambda s: s.exec(select(func.count()).where(AuditEntry.action == action)).one()
    )


async def test_the_last_place_at_a_meeting_goes_to_one_of_two_people_answering_at_once(
    moot: Moot, community: str, host: Resident, other: Store, clock: ManualClock
) -> None:
    await members(moot, host, "Alice", "Bob")
    number = await announced(host, "Residents' AGM | Thursday 19:00 | capacity: 1")
    meeting_id = await moot.read(
        lambda s: s.exec(select(Meeting.id).where(Meeting.number == number)).one()
    )
    assert meeting_id is not None
    alice, bob, now = await person(moot, "Alice"), await person(moot, "Bob"), clock.now()

    def going(who: int) -> Callable[[Session], meetings.Answered]:
        return lambda s: meetings.answer(s, meeting_id, who, Answer.GOING, "console", now)

    answered = await at_once(moot.store, other, going(alice), going(bob))

    assert sorted(a.answer for a in answered if isinstance(a, meetings.Answered)) == [
        Answer.GOING,
        Answer.WAITING,
    ]
    waiting = next(a for a in answered if isinstance(a, meetings.Answered) and a.place_in_line)
    assert waiting.place_in_line == 1
    stored = await moot.read(
        lambda s: sorted(
            s.exec(select(MeetingResponse.answer).where(MeetingResponse.meeting_id == meeting_id))
        )
    )
    assert stored == [Answer.GOING, Answer.WAITING]


async def test_numbers_taken_by_two_processes_at_once_never_collide(
    moot: Moot, community: str, other: Store
) -> None:
    community_id = await moot.read(lambda s: s.exec(select(Community.id)).one())
    assert community_id is not None

    def take(session: Session) -> int:
        return next_number(session, community_id, "meeting")

    taken = await asyncio.gather(
        *(store.write(take) for _ in range(40) for store in (moot.store, other))
    )

    assert sorted(taken) == list(range(1, 81))


async def test_a_repair_moved_on_by_two_people_at_once_moves_once_and_the_second_is_told(
    moot: Moot, community: str, host: Resident, other: Store, clock: ManualClock
) -> None:
    tenant, _, _ = await with_team(moot, host, community)
    await tenant.privately(LEAK)
    report_id = await moot.read(lambda s: s.exec(select(RepairReport.id)).one())
    assert report_id is not None
    fixer, now = await person(moot, "Fixer"), clock.now()

    def acknowledge(session: Session) -> object:
        return repairs.change_status(
            session, report_id, RepairStatus.ACKNOWLEDGED, None, fixer, now
        )

    outcomes = await at_once(moot.store, other, acknowledge, acknowledge)

    refused = [o for o in outcomes if isinstance(o, UserError)]
    assert len(refused) == 1, outcomes
    assert str(refused[0]) == "R-0001 is already acknowledged."
    steps = await moot.read(
        lambda s: s.exec(
            select(func.count()).where(
                RepairEvent.report_id == report_id, RepairEvent.kind == "acknowledged"
            )
        ).one()
    )
    assert steps == 1


async def test_a_poll_closed_by_two_processes_at_once_closes_once(
    moot: Moot, community: str, host: Resident, other: Store, clock: ManualClock
) -> None:
    number = await published(host, "Trees? | Oak | Ash")
    poll_id = await moot.read(lambda s: s.exec(select(Poll.id).where(Poll.number == number)).one())
    assert poll_id is not None
    organiser, now = await person(moot, "Host"), clock.now()

    def close(session: Session) -> bool:
        return polls.close(session, poll_id, organiser, now, Sealer())

    closed = await at_once(moot.store, other, close, close)

    assert sorted(closed, key=str) == [False, True]
    assert await audited(moot, "poll.closed") == 1


async def test_two_admins_stepping_each_other_down_at_once_leave_one_admin(
    moot: Moot, community: str, host: Resident, other: Store, clock: ManualClock
) -> None:
    await members(moot, host, "Alice")
    assert "is now" in texts(await host.say("/role 2 admin"))
    community_id = await moot.read(lambda s: s.exec(select(Community.id)).one())
    assert community_id is not None
    first, second, now = await person(moot, "Host"), await person(moot, "Alice"), clock.now()

    def step_down(number: int, actor: int) -> Callable[[Session], object]:
        return lambda s: community_service.set_role(
            s, community_id, number, Role.MEMBER, actor, now
        )

    outcomes = await at_once(moot.store, other, step_down(2, first), step_down(1, second))

    refused = [o for o in outcomes if isinstance(o, UserError)]
    assert [str(error) for error in refused] == [
        "A community needs at least one admin; make someone else admin first."
    ]
    admins = await moot.read(
        lambda s: s.exec(select(func.count()).where(Membership.role == Role.ADMIN)).one()
    )
    assert admins == 1


async def test_a_due_job_seen_by_two_processes_runs_once(
    moot: Moot, community: str, host: Resident, database_url: str, clock: ManualClock
) -> None:
    number = await published(host, "Trees? | Oak | Ash | closes: Friday 18:00")
    second_clock = ManualClock(clock.now())
    second = Moot(Store(database_url), second_clock, ALL_FEATURES)
    await second.start()
    try:
        later = timedelta(days=5)  # past Friday 18:00, on both processes' clocks
        await asyncio.gather(clock.advance(later), second_clock.advance(later))
    finally:
        await second.stop()

    status = await moot.read(
        lambda s: s.exec(select(Poll.status).where(Poll.number == number)).one()
    )
    assert status == PollStatus.CLOSED
    assert await audited(moot, "poll.closed") == 1
    closes = await moot.read(
        lambda s: s.exec(
            select(ScheduledJob.done_at).where(ScheduledJob.kind == polls.CLOSE_JOB)
        ).all()
    )
    assert len(closes) == 1  # claimed (marked done) once, by one of the two
    assert closes[0] is not None


async def test_a_group_that_deadlocks_with_another_process_is_run_again_and_every_write_lands(
    moot: Moot, community: str, other: Store
) -> None:
    """Two groups lock the same two rows in opposite orders: PostgreSQL ends the deadlock by
    failing one of them, whose writer runs its whole group again; nobody sees an error."""
    ids = await moot.write(lambda s: _two_communities(s))
    barrier = threading.Barrier(2, timeout=10)
    runs = {"first": 0, "second": 0}

    def lock_both(name: str, order: tuple[int, int]) -> Callable[[Session], str]:
        def op(session: Session) -> str:
            runs[name] += 1
            touch = text("UPDATE community SET name = name || '.' WHERE id = :id")
            session.execute(touch, {"id": order[0]})
            if runs[name] == 1:
                barrier.wait()  # both hold their first row now
            session.execute(touch, {"id": order[1]})
            return name

        return op

    def arrive(session: Session) -> str:
        session.add(Person(name="Passer-by", created_at=START))
        return "arrived"

    results = await asyncio.gather(
        moot.store.write(lock_both("first", ids)),
        moot.store.write(arrive),  # shares the first group, and its fate
        other.write(lock_both("second", (ids[1], ids[0]))),
        return_exceptions=True,
    )

    assert list(results) == ["first", "arrived", "second"]
    assert sorted(runs.values()) == [1, 2]  # the loser's group ran again, once
    names = await moot.read(
        lambda s: s.exec(select(Community.name).where(col(Community.id).in_(ids))).all()
    )
    assert sorted(names) == ["North..", "South.."]
    passers_by = await moot.read(
        lambda s: s.exec(select(func.count()).where(Person.name == "Passer-by")).one()
    )
    assert passers_by == 1


def _two_communities(session: Session) -> tuple[int, int]:
    made = [
        Community(name=name, chat_code=f"CHAT-{name}", created_at=START)
        for name in ("North", "South")
    ]
    session.add_all(made)
    session.flush()
    first, second = (community.id for community in made)
    assert first is not None
    assert second is not None
    return first, second
