"""The vote statements on SQLite. One writer in one process makes every read-then-write safe,
and a statement costs microseconds, so each state is one indexed read (a join of primary-key
lookups), and the rows are written with `executemany`."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from storage.raw import raw_connection
from storage.votes.interface import Key, VoteRow, VoterState

_STATE = (
    "SELECT p.status, p.secret, p.electorate, p.electorate_role, p.closes_at, p.kind, p.number, "
    "m.role, m.status, v.choice, v.person_id IS NOT NULL, pv.person_id IS NOT NULL, "
    "pe.person_id IS NOT NULL FROM poll p "
    "LEFT JOIN membership m ON m.community_id = p.community_id AND m.person_id = ? "
    "LEFT JOIN vote v ON v.poll_id = p.id AND v.person_id = ? "
    "LEFT JOIN papervoter pv ON pv.poll_id = p.id AND pv.person_id = ? "
    "LEFT JOIN pollelector pe ON pe.poll_id = p.id AND pe.person_id = ? WHERE p.id = ?"
)
_UPSERT_VOTE = (
    "INSERT INTO vote (poll_id, person_id, choice, marks, cast_at) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (poll_id, person_id) DO UPDATE SET choice = excluded.choice, "
    "marks = excluded.marks, cast_at = excluded.cast_at"
)
_COUNT = "UPDATE pollcount SET votes = votes + ? WHERE poll_id = ? AND choice = ?"


class _SQLite:
    def read(self, session: Session, keys: Sequence[Key]) -> dict[Key, VoterState]:
        db, states = raw_connection(session), {}
        for poll_id, person_id in keys:
            row = db.execute(_STATE, (person_id, person_id, person_id, person_id, poll_id))
            found = row.fetchone()
            if found is not None:
                states[poll_id, person_id] = VoterState(*found)
        return states

    def write(
        self, session: Session, votes: Sequence[VoteRow], counts: Sequence[tuple[int, int, int]]
    ) -> None:
        db = raw_connection(session)
        if votes:
            db.executemany(_UPSERT_VOTE, votes)
        if counts:
            db.executemany(_COUNT, [(change, poll, choice) for poll, choice, change in counts])


SQLITE = _SQLite()
