"""Ballots being filled in by pressing options (ranked, approval, budget), kept in the store so
that a voter's presses may reach any Moot process. Only open polls' ballots are kept here, in
clear, as their votes are: a secret ballot in progress is stored nowhere (bot/polls/carried.py).

Drafts left alone for `KEEP_DRAFTS` are deleted by the daily tidy-up (bot/housekeeping).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, text
from sqlmodel import Session, col

from bot.polls import ballots
from bot.polls.views import PollView
from bot.runtime import Runtime
from storage.locking import lock_voter, locked_one
from storage.polls import BallotDraft, PollKind
from storage.types import stored_moment

KEEP_DRAFTS = timedelta(days=1)
Marks = tuple[int, ...]

_MAKE_ROOM = text(
    "INSERT INTO ballotdraft (poll_id, person_id, marks, changed_at) "
    "VALUES (:poll, :person, '', :now) ON CONFLICT (poll_id, person_id) DO NOTHING"
)


def _parse(marks: str) -> Marks:
    return tuple(int(m) for m in marks.split(",")) if marks else ()


def may_have_one(view: PollView) -> bool:
    """Whether a voter may have a draft in this poll: an open poll's ballot filled in by
    pressing options. (A vote in a single-choice poll, or any secret one, never looks.)"""
    return not view.poll.secret and (
        view.kind not in ballots.CHOICE_KINDS and view.kind is not PollKind.SCORE
    )


def _row(session: Session, poll_id: int, person_id: int, now: datetime) -> BallotDraft:
    """The voter's draft row, made if missing, locked for this write (two presses of one voter
    reaching two processes at once are applied one after the other). The voter's vote lock
    comes first, as for a vote: otherwise a cast on another process, holding the poll's running
    totals, could wait for this row while this write waits for the totals."""
    lock_voter(session, poll_id, person_id)
    session.connection().execute(
        _MAKE_ROOM, {"poll": poll_id, "person": person_id, "now": stored_moment(now)}
    )
    return locked_one(session, BallotDraft, (poll_id, person_id))


async def marks_of(runtime: Runtime, poll_id: int, person_id: int) -> Marks | None:
    """The voter's draft in the poll, None if there is none."""
    row = await runtime.read(lambda s: s.get(BallotDraft, (poll_id, person_id)))
    return None if row is None else _parse(row.marks)


async def toggle(runtime: Runtime, view: PollView, person_id: int, option: int) -> Marks:
    """A press on an option of the voter's ballot, applied to the draft as it is stored now
    (whichever process took the last press); the draft it makes."""
    assert not view.poll.secret, "a secret ballot in progress is never stored"
    ballots.toggle(view.rules, (), option)  # an option the poll does not have changes nothing
    poll_id, now = view.id, runtime.clock.now()

    def write(session: Session) -> Marks:
        row = _row(session, poll_id, person_id, now)
        marks = ballots.toggle(view.rules, _parse(row.marks), option)
        row.marks, row.changed_at = ",".join(map(str, marks)), now
        return marks

    return await runtime.write(write)


def discard(session: Session, poll_id: int, person_id: int) -> None:
    """Inside a write: the voter's draft in the poll is cast or abandoned."""
    session.exec(
        delete(BallotDraft).where(
            col(BallotDraft.poll_id) == poll_id, col(BallotDraft.person_id) == person_id
        )
    )


async def drop(runtime: Runtime, poll_id: int, person_id: int) -> None:
    """The voter abandoned the draft."""
    await runtime.write(lambda s: discard(s, poll_id, person_id))
