"""Row locks for the decisions a write makes from what it has just read.

On SQLite the one writer (storage/writer.py) already runs every write alone, so nothing here
changes anything there. On PostgreSQL several processes each have a writer on the same database
at READ COMMITTED: between a write's read ("the poll is open", "one place is left") and its
update, another process may commit. A write that decides something therefore first locks the row
the decision is about (`SELECT … FOR UPDATE`); a second process wanting the same row waits for
the first to commit and then reads the row as it now stands. docs/architecture.md ("Isolation on
PostgreSQL") lists what each decision locks.

Locks are taken parent first (the community, then the poll, meeting or report, then rows under
it), so two writes wanting the same rows queue rather than deadlock; the rare deadlock left over
is retried as a group by the writer.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import text
from sqlmodel import Session
from sqlmodel.sql.expression import SelectOfScalar

from storage.engine import session_on_sqlite

M = TypeVar("M")


def locked(session: Session, model: type[M], key: Any) -> M | None:
    """Inside a write: the row of `model` with primary key `key`, locked until the write's group
    commits, and read afresh even if the session holds it already (a copy read earlier in the
    group may predate another process's commit)."""
    return session.get(model, key, **_lock_options(session))


def locked_one(session: Session, model: type[M], key: Any) -> M:
    """`locked`, for a row that must exist (as `Session.get_one`)."""
    return session.get_one(model, key, **_lock_options(session))


def locking(statement: SelectOfScalar[M]) -> SelectOfScalar[M]:
    """A select of rows to decide on, made to lock them as `locked` does (SQLite ignores it)."""
    return statement.with_for_update().execution_options(populate_existing=True)


def lock_voter(session: Session, poll_id: int, person_id: int) -> None:
    """Inside a write: the lock a run of votes takes first for this voter in this poll
    (storage/votes/postgresql.py), so that a write about their ballot in progress queues behind a
    vote of theirs, or a vote behind it, before either holds anything else."""
    if not session_on_sqlite(session):
        session.connection().execute(
            text("SELECT pg_advisory_xact_lock(:poll, :person)"),
            {"poll": poll_id, "person": person_id},
        )


def _lock_options(session: Session) -> dict[str, Any]:
    if session_on_sqlite(session):
        return {}  # the single writer: a plain read, served from the session when it can be
    return {"with_for_update": True, "populate_existing": True}
