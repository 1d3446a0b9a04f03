"""A closed secret poll's ballots and voter roll rewritten in key order: one function per store.

After the close, where each row sits says nothing about when it was written once the table is
rewritten in key order and compacted (bot.polls.sealing, `Store.compact`). The stores differ in
what "where it sits" means: SQLite's page positions (sqlite.py); PostgreSQL's page positions and
each row's transaction and statement numbers (postgresql.py)."""

from __future__ import annotations

from sqlmodel import Session

from storage.ballots.postgresql import rewrite_postgresql
from storage.ballots.sqlite import rewrite_sqlite
from storage.engine import session_on_sqlite
from storage.raw import raw_connection

__all__ = ["rewrite_in_key_order"]


def rewrite_in_key_order(session: Session, poll_id: int) -> None:
    """Rewrite the poll's `secretballot` rows in key order and its `voterroll` in person order."""
    rewrite = rewrite_sqlite if session_on_sqlite(session) else rewrite_postgresql
    rewrite(raw_connection(session), poll_id)
