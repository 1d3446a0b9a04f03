"""The vote statements on PostgreSQL: two round trips per writer group, not a few per vote, and
safe when other processes vote and close polls on the same database.

- The group's (poll, person) pairs are locked for the rest of the transaction
  (`pg_advisory_xact_lock`, in sorted order, so two runs of votes alone never wait on each
  other in a circle; a group that also closes a poll between its runs can still meet another
  group in a deadlock, which the writer answers by running the group again). The same person voting through two processes at once is then read and written one
  after the other: the second sees the first's vote and moves the running total instead of
  adding to it. The lock is a statement of its own, before the read: a statement sees what was
  committed when it started, so a read that waited for the lock inside itself would miss the
  vote it waited for.
- Each poll row the group votes in is locked `FOR SHARE`, in id order, also before the read: a
  close (and a paper voter's mark) locks its poll `FOR UPDATE` first (bot.polls.service.close),
  so a vote either commits before the close reads the totals or waits for the close to commit
  and then reads the poll as closed. Shared locks do not make votes wait for each other. Were
  the lock taken by the read itself, the read would see the poll row as the close left it but
  the rows joined to it (a paper mark) as they were before the wait.
- The running totals of those polls are locked `FOR UPDATE`, in (poll, choice) order, before
  any is changed: a transaction whose votes change totals in another order (a group replayed
  write by write, storage/writer.py) then never holds one total while waiting for another that a
  second process's group holds, a deadlock PostgreSQL would only break after a second.
- One statement then reads every voter's state.
- The vote rows go in one `INSERT … SELECT FROM unnest(…)`; the changes to the totals follow,
  sorted by (poll, choice) so that groups take the total rows' locks in one order.

Each run of statements is sent as one pipeline (psycopg 3): the server still runs them one
after the other, each with its own snapshot, but the group waits for one round trip, not two."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from storage.votes.interface import Key, VoteRow, VoterState

_LOCK = (
    "SELECT pg_advisory_xact_lock(k.poll_id, k.person_id) "
    "FROM unnest(%s::int[], %s::int[]) AS k(poll_id, person_id)"
)
_LOCK_POLLS = "SELECT id FROM poll WHERE id = ANY(%s::int[]) ORDER BY id FOR SHARE"
_LOCK_TOTALS = (
    "SELECT 1 FROM pollcount WHERE poll_id = ANY(%s::int[]) ORDER BY poll_id, choice FOR UPDATE"
)
_STATES = (
    "SELECT k.poll_id, k.person_id, p.status, p.secret, p.electorate, p.electorate_role, "
    "p.closes_at, p.kind, p.number, m.role, m.status, v.choice, v.person_id IS NOT NULL, "
    "pv.person_id IS NOT NULL, pe.person_id IS NOT NULL "
    "FROM unnest(%s::int[], %s::int[]) AS k(poll_id, person_id) "
    "JOIN poll p ON p.id = k.poll_id "
    "LEFT JOIN membership m ON m.community_id = p.community_id AND m.person_id = k.person_id "
    "LEFT JOIN vote v ON v.poll_id = k.poll_id AND v.person_id = k.person_id "
    "LEFT JOIN papervoter pv ON pv.poll_id = k.poll_id AND pv.person_id = k.person_id "
    "LEFT JOIN pollelector pe ON pe.poll_id = k.poll_id AND pe.person_id = k.person_id "
    "ORDER BY k.poll_id, k.person_id"
)
_UPSERT_VOTES = (
    "INSERT INTO vote (poll_id, person_id, choice, marks, cast_at) "
    "SELECT * FROM unnest(%s::int[], %s::int[], %s::int[], %s::text[], %s::timestamp[]) "
    "ON CONFLICT (poll_id, person_id) DO UPDATE SET choice = excluded.choice, "
    "marks = excluded.marks, cast_at = excluded.cast_at"
)
_COUNT = "UPDATE pollcount SET votes = votes + %s WHERE poll_id = %s AND choice = %s"


def _psycopg(session: Session) -> Any:
    """The psycopg connection under the session's transaction."""
    return session.connection().connection.driver_connection


class _PostgreSQL:
    def read(self, session: Session, keys: Sequence[Key]) -> dict[Key, VoterState]:
        db, pairs = _psycopg(session), ([k[0] for k in keys], [k[1] for k in keys])
        polls = sorted({poll for poll, _ in keys})
        with db.cursor() as locking, db.cursor() as reading:
            with db.pipeline():  # sent at once; their results are in once it ends
                locking.execute(_LOCK, pairs)  # row by row, in the keys' (sorted) order
                locking.execute(_LOCK_POLLS, (polls,))
                locking.execute(_LOCK_TOTALS, (polls,))
                reading.execute(_STATES, pairs)
            return {(row[0], row[1]): VoterState(*row[2:]) for row in reading.fetchall()}

    def write(
        self, session: Session, votes: Sequence[VoteRow], counts: Sequence[tuple[int, int, int]]
    ) -> None:
        db = _psycopg(session)
        with db.cursor() as cursor, db.pipeline():
            if votes:
                cursor.execute(_UPSERT_VOTES, [list(column) for column in zip(*votes, strict=True)])
            for poll, choice, change in counts:
                cursor.execute(_COUNT, (change, poll, choice))


POSTGRESQL = _PostgreSQL()
