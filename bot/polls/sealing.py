"""Secret ballots are sealed in shuffled batches, so that no copy of the database links a ballot
to its voter.

Who has voted is known (that is the turnout); what each person chose must stay unknown even to
whoever can copy Moot's database file and its write-ahead log at any moment (docs/secret-ballots.md,
the threat model). A ballot written to `secretballot` as it is cast would be linked to
its voter by the order of commits in the log, by where its cell lands in its page and by the time
it appeared. So a cast ballot is first *held*:

- its voter's roll entry carries it, XORed with a one-time pad of random bytes that exists only in
  this process's memory (found by a random tag stored in front of it, so that linking two
  accounts, which moves roll entries between people, keeps it readable), plus its place in the
  queue of waiting ballots;
- when `2k` ballots are held, the oldest `k` are *sealed* in one commit: their pads are used, the
  choices go into `secretballot` in the order of fresh random keys with one statement, and their
  roll entries are cleared with one more (on PostgreSQL each row records the statement that wrote
  it). A copy taken at any moment shows `k` voters and `k` ballots appearing together, and
  nothing finer. Holding `2k` before sealing `k` leaves at least `k` for the close, so the last
  batch is no smaller than the others;
- at the close, every held ballot is sealed, both tables are rewritten in key order and the
  store is compacted (`Store.compact`): on SQLite the file is vacuumed with secure_delete on and
  its log truncated, so nothing that records the order of voting survives; on PostgreSQL the live
  tables keep none, but the server's WAL keeps the batches (docs/secret-ballots.md).

A held ballot dies with the process that held it, because its pad does. Its voter is told so when
they cast; if it happens, their roll entry is removed and they are asked to cast it again
(`recover`).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from bot.events import Reply
from bot.outbox import queue as outbox
from bot.outbox.queue import Message
from bot.polls.ballots import Ballot
from bot.polls.spec import MAX_OPTIONS
from storage.ballots import rewrite_in_key_order
from storage.raw import RawConnection, raw_connection
from storage.types import stored_to_aware

DEFAULT_BATCH = 5
# Room for the longest ballot (twenty 2-digit marks and their commas) so every held ballot is the
# same length: a longer ciphertext would say it is a ranking rather than a single choice.
HELD_BYTES = 4 * MAX_OPTIONS + 16
TAG_BYTES = 16

_HOLD = (
    "INSERT INTO voterroll (poll_id, person_id, waiting, held) VALUES (?, ?, "
    "(SELECT coalesce(max(waiting), 0) + 1 FROM voterroll WHERE poll_id = ?), ?)"
)
_HELD_COUNT = "SELECT count(*) FROM voterroll WHERE poll_id = ? AND held IS NOT NULL"
_HELD = (
    "SELECT person_id, held FROM voterroll WHERE poll_id = ? AND held IS NOT NULL ORDER BY waiting"
)
_ALL_HELD = "SELECT DISTINCT poll_id FROM voterroll WHERE held IS NOT NULL"
_SEAL = "INSERT INTO secretballot (key, poll_id, choice, marks) VALUES "
_CLEAR = "UPDATE voterroll SET waiting = NULL, held = NULL WHERE poll_id = ? AND person_id IN "
_DROP = "DELETE FROM voterroll WHERE poll_id = ? AND person_id = ?"
_POLL = "SELECT number, community_id, status, closes_at FROM poll WHERE id = ?"


@dataclass
class Sealer:
    """Holds and seals one process's secret ballots. `batch` is k: the fewest ballots sealed
    together, so the fewest voters a ballot could belong to in any copy of the database."""

    batch: int = DEFAULT_BATCH
    # tag -> (poll, pad)
    _pads: dict[bytes, tuple[int, bytes]] = field(default_factory=dict, repr=False)

    def hold(
        self, session: Session, poll_id: int, person_id: int, ballot: Ballot, now: datetime
    ) -> int:
        """Put a cast ballot on the roll, unreadable, and seal the oldest batch once there are
        two batches waiting. Returns how many ballots are waiting afterwards."""
        db = raw_connection(session)
        tag, pad = secrets.token_bytes(TAG_BYTES), secrets.token_bytes(HELD_BYTES)
        db.execute(_HOLD, (poll_id, person_id, poll_id, tag + _xor(_encode(ballot), pad)))
        # Kept only once the row is written; a write that is rolled back leaves a pad nobody
        # uses (a few bytes, forgotten at the close).
        self._pads[tag] = (poll_id, pad)
        waiting = int(db.execute(_HELD_COUNT, (poll_id,)).fetchone()[0])
        if waiting >= 2 * self.batch:
            return waiting - self.seal(session, poll_id, now, limit=self.batch)
        return waiting

    def seal(
        self, session: Session, poll_id: int, now: datetime, *, limit: int | None = None
    ) -> int:
        """Seal the oldest `limit` held ballots (all of them when None) in an order of fresh
        random keys. Ballots held by an earlier process are lost: their voters are told. Returns
        how many ballots left the queue."""
        db = raw_connection(session)
        held = db.execute(_HELD, (poll_id,)).fetchall()
        lost = [person for person, data in held if not self._readable(data)]
        if lost:
            _forget(session, db, poll_id, lost, now)
        kept = [(person, data) for person, data in held if self._readable(data)]
        kept = kept[:limit] if limit is not None else kept
        # Pads stay until the poll closes (`forget_poll`): if this write is rolled back and run
        # again, they are needed again.
        sealed = sorted((str(uuid.uuid4()), self._open(data)) for _, data in kept)
        if sealed:
            _seal_in_one_statement(db, poll_id, sealed, sorted(person for person, _ in kept))
        return len(kept) + len(lost)

    def _readable(self, held: bytes) -> bool:
        return held[:TAG_BYTES] in self._pads

    def _open(self, held: bytes) -> Ballot:
        _, pad = self._pads[held[:TAG_BYTES]]
        return _decode(_xor(held[TAG_BYTES:], pad))

    def forget_poll(self, poll_id: int) -> None:
        """The poll has closed: its pads are no longer needed."""
        for tag in [tag for tag, (poll, _) in self._pads.items() if poll == poll_id]:
            del self._pads[tag]

    def recover(self, session: Session, now: datetime) -> int:
        """At start-up: every ballot an earlier process held is lost; its voter is removed from
        the roll and asked to cast again. Returns how many were lost."""
        db = raw_connection(session)
        lost = 0
        for (poll_id,) in db.execute(_ALL_HELD).fetchall():
            held = db.execute(_HELD, (poll_id,)).fetchall()
            people = [person for person, data in held if not self._readable(data)]
            if people:
                _forget(session, db, poll_id, people, now)
                lost += len(people)
        return lost


def _seal_in_one_statement(
    db: RawConnection, poll_id: int, sealed: list[tuple[str, Ballot]], people: list[int]
) -> None:
    """Write a batch's ballots, in key order, with one statement, and clear its voters' roll
    entries with one more. On PostgreSQL every row a statement writes carries that statement's
    number in the transaction (its `cmin`) on disk, and its WAL records follow the order of the
    statements: a statement per ballot and per voter, in any order tied to the queue, would pair
    them up. (`SECRET_BALLOT_BATCH` is at most 1000, so a statement has at most 8000 values.)"""
    rows = ", ".join(["(?, ?, ?, ?)"] * len(sealed))
    db.execute(
        _SEAL + rows,
        [v for key, b in sealed for v in (key, poll_id, b.choice, b.stored_marks)],
    )
    db.execute(f"{_CLEAR}({', '.join(['?'] * len(people))})", [poll_id, *people])


def rebuild(session: Session, poll_id: int) -> None:
    """At the close, once every ballot is sealed: rewrite the poll's ballots and roll in key
    order, so that where each row sits (and, on PostgreSQL, which transaction and statement
    wrote it) says nothing about when it was written."""
    rewrite_in_key_order(session, poll_id)


def _forget(
    session: Session,
    db: RawConnection,
    poll_id: int,
    people: list[int],
    now: datetime,
) -> None:
    """Take lost ballots' voters off the roll and tell them."""
    number, community_id, status, closes_at = db.execute(_POLL, (poll_id,)).fetchone()
    db.executemany(_DROP, [(poll_id, person) for person in people])
    still_open = status == "open" and stored_to_aware(closes_at) > now
    text = (
        f"Moot restarted before your secret ballot in poll #{number} was sealed, so it was lost. "
        + (
            f"Please cast it again: /vote {number}."
            if still_open
            else "The poll has closed since, so it could not be counted. Sorry."
        )
    )
    outbox.tell(
        session,
        people,
        Message(f"the news that a ballot in poll #{number} was lost", reply=Reply(text)),
        now,
        community_id=community_id,
    )


def _encode(ballot: Ballot) -> bytes:
    plain = f"{'' if ballot.choice is None else ballot.choice}|{ballot.stored_marks or ''}"
    data = plain.encode()
    assert len(data) <= HELD_BYTES, "a ballot longer than MAX_OPTIONS allows"
    return data.ljust(HELD_BYTES, b"\0")


def _decode(data: bytes) -> Ballot:
    choice, marks = data.rstrip(b"\0").decode().split("|")
    if choice:
        return Ballot(choice=int(choice))
    return Ballot(marks=tuple(int(m) for m in marks.split(",")) if marks else ())


def _xor(data: bytes, pad: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, pad, strict=True))
