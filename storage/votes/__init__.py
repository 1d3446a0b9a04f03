"""The vote path's statements: one interface (`VoteStatements`), one module per store.

A writer group's votes are checked and written together (bot.polls.batching): first the state
of every (poll, voter) they concern, then every vote row and the summed changes to the running
totals. The stores differ in how that costs least and stays safe: SQLite, in this process and
with one writer, reads each state with one indexed statement; PostgreSQL, a round trip away and
shared with other processes, reads them all in one statement after locking what a vote decides
on (postgresql.py)."""

from __future__ import annotations

from sqlmodel import Session

from storage.engine import session_on_sqlite
from storage.votes.interface import Key, VoteRow, VoterState, VoteStatements
from storage.votes.postgresql import POSTGRESQL
from storage.votes.sqlite import SQLITE

__all__ = ["Key", "VoteRow", "VoteStatements", "VoterState", "statements"]


def statements(session: Session) -> VoteStatements:
    """The vote statements for the store under `session`."""
    return SQLITE if session_on_sqlite(session) else POSTGRESQL
