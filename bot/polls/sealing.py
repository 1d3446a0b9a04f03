"""Secret ballots are sealed in shuffled batches, so that no copy of the database links a ballot
to its voter.

Who has voted is known (that is the turnout); what each person chose must stay unknown even to
whoever can copy Moot's database file and its write-ahead log at any moment (docs/secret-ballots.md,
the threat model). A ballot written to `secretballot` as it is cast would be linked to
its voter by the order of commits in the log, by where its cell lands in its page and by the time
it appeared. So a cast ballot is first *held*:

- one Moot process seals: the one that runs the scheduler (bot/leases.py). When it takes that
  role up it makes a fresh X25519 key pair, keeps the private half in memory only and publishes
  the public half (`ballotkey`);
- a ballot cast on any process is encrypted to that public key (an ephemeral key exchange, then
  ChaCha20-Poly1305, every held ballot the same length) and carried on its voter's roll entry,
  with its place in the queue of waiting ballots, so its choice never touches the database in a
  form anyone but the sealing process could read;
- when `2k` ballots are held, the sealing process seals the oldest `k` in one commit (at once
  if it took the ballot itself, else through a job it runs as soon as it hears of it): the
  choices go into `secretballot` in the order of fresh random keys with one statement, and their
  roll entries are cleared with one more (on PostgreSQL each row records the statement that
  wrote it). A copy taken at any moment shows `k` voters and `k` ballots appearing together, and
  nothing finer. Holding `2k` before sealing `k` leaves at least `k` for the close, so the last
  batch is no smaller than the others;
- at the close, which only the sealing process runs (another hands the close to it), every held
  ballot is sealed, both tables are rewritten in key order and the store is compacted
  (`Store.compact`): on SQLite the file is vacuumed with secure_delete on and its log
  truncated, so nothing that records the order of voting survives; on PostgreSQL the live tables
  keep none, but the server's WAL keeps the batches (docs/secret-ballots.md).

A held ballot dies with the sealing process, because its key does. Its voter is told so when
they cast; when the next process takes sealing up, exactly the ballots held for keys it cannot
read are lost: their voters are taken off the roll and asked to cast again (`recover`).

Unless it stops cleanly with other processes on the database (a rolling restart): then it
hands its ballots over (docs/decisions/0009). It holds the `HANDOVER` lease and gives the
scheduler's role up; ballots cast meanwhile are still held for its key, which stays published
while either lease is live. The next process takes the role up and publishes its own key; the
stopping one then opens each ballot held for its keys in memory and encrypts it to the new key,
in one write that first locks the published key's row (`hand_over`), so no ballot is being held
for the old key meanwhile and none is ever written unsealed. Until the `HANDOVER` lease is
given up or runs out, the new sealer reports no ballot as lost (it may still be handed over);
nor does it seal a batch before two batches it can read wait, and a close waits for the
handover to end.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlmodel import Session

from bot.errors import UserError
from bot.events import Reply
from bot.leases import HANDOVER, SCHEDULER
from bot.outbox import queue as outbox
from bot.outbox.queue import Message
from bot.polls.ballots import Ballot
from bot.polls.spec import MAX_OPTIONS
from bot.scheduler import reschedule
from storage.ballots import rewrite_in_key_order
from storage.engine import session_on_sqlite
from storage.raw import RawConnection, raw_connection
from storage.types import stored_to_aware

DEFAULT_BATCH = 5
# Room for the longest ballot (twenty 2-digit marks and their commas) so every held ballot is the
# same length: a longer ciphertext would say it is a ranking rather than a single choice.
HELD_BYTES = 4 * MAX_OPTIONS + 16
KEY_ID_BYTES = 16  # which public key a held ballot was encrypted to
PUBLIC_BYTES = 32  # an X25519 public key
_CONTEXT = b"moot secret ballot"
SEAL_JOB = "polls.seal"  # run by the sealing process: bot.polls.jobs.seal_job

NOT_TAKING = (
    "Moot is restarting and is not taking secret ballots for a moment; nothing was recorded. "
    "Please cast yours again in a minute."
)

_HOLD = (
    "INSERT INTO voterroll (poll_id, person_id, waiting, held) VALUES (?, ?, "
    "(SELECT coalesce(max(waiting), 0) + 1 FROM voterroll WHERE poll_id = ?), ?)"
)
_HELD_COUNT = "SELECT count(*) FROM voterroll WHERE poll_id = ? AND held IS NOT NULL"
_HELD = (
    "SELECT person_id, held FROM voterroll WHERE poll_id = ? AND held IS NOT NULL ORDER BY waiting"
)
_ALL_HELD = "SELECT DISTINCT poll_id FROM voterroll WHERE held IS NOT NULL"
_EVERY_HELD = (
    "SELECT poll_id, person_id, held FROM voterroll WHERE held IS NOT NULL "
    "ORDER BY poll_id, waiting"
)
_HOLD_AGAIN = "UPDATE voterroll SET held = ? WHERE poll_id = ? AND person_id = ?"
_SEAL = "INSERT INTO secretballot (key, poll_id, choice, marks) VALUES "
_CLEAR = "UPDATE voterroll SET waiting = NULL, held = NULL WHERE poll_id = ? AND person_id IN "
_DROP = "DELETE FROM voterroll WHERE poll_id = ? AND person_id = ?"
_POLL = "SELECT number, community_id, status, closes_at FROM poll WHERE id = ?"
# The published key, while the process that published it still holds the scheduler's role or
# hands its ballots over: once it has stopped (or its lease ran out) no ballot is held for a
# key nobody will read.
_PUBLISHED = (
    "SELECT b.key_id, b.public_key FROM ballotkey b WHERE b.id = 1 AND EXISTS "
    "(SELECT 1 FROM lease l WHERE l.role IN (?, ?) AND l.expires_at > ?)"
)
# The key of the process that holds the scheduler's role now (for a handover).
_SEALER_KEY = (
    "SELECT b.key_id, b.public_key FROM ballotkey b "
    "JOIN lease l ON l.role = ? AND l.expires_at > ? WHERE b.id = 1"
)
_HANDING_OVER = "SELECT count(*) FROM lease WHERE role = ? AND expires_at > ?"
_PUBLISH = (
    "INSERT INTO ballotkey (id, key_id, public_key) VALUES (1, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET key_id = excluded.key_id, public_key = excluded.public_key"
)


class NotSealingError(Exception):
    """This process does not seal secret ballots now (another does, or none yet): a close must
    be handed to the one that does (bot.polls.jobs.close_poll)."""


@dataclass
class Sealer:
    """Holds and seals secret ballots. `batch` is k: the fewest ballots sealed together, so the
    fewest voters a ballot could belong to in any copy of the database."""

    batch: int = DEFAULT_BATCH
    # key id -> private key, for every key this process published (kept for its whole life, so
    # ballots held for a key it published before are still sealed if it takes sealing up again)
    _keys: dict[bytes, X25519PrivateKey] = field(default_factory=dict, repr=False)

    def take_up(self, session: Session) -> None:
        """Inside a write, once this process runs the scheduler: publish a fresh key, so that
        from this commit on every ballot, on whichever process it is cast, is held for this
        process to seal."""
        private = X25519PrivateKey.generate()
        public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        key_id = hashlib.sha256(public).digest()[:KEY_ID_BYTES]
        raw_connection(session).execute(_PUBLISH, (key_id, public))
        self._keys[key_id] = private

    def hold(
        self, session: Session, poll_id: int, person_id: int, ballot: Ballot, now: datetime
    ) -> int:
        """Put a cast ballot on the roll, encrypted to the sealing process's key, and seal the
        oldest batch once there are two batches waiting (if this process seals; otherwise the
        sealing process does, through a job). Returns how many ballots are waiting afterwards."""
        db = raw_connection(session)
        published = _published(session, db)
        if published is None:
            raise UserError(NOT_TAKING)
        key_id, public = published
        db.execute(_HOLD, (poll_id, person_id, poll_id, _encrypt(key_id, public, ballot)))
        waiting = int(db.execute(_HELD_COUNT, (poll_id,)).fetchone()[0])
        if waiting < 2 * self.batch:
            return waiting
        if key_id in self._keys:
            return waiting - self.seal(session, poll_id, now, limit=self.batch)
        # Another process seals: it runs this at once, hearing of it (storage/notices.py).
        reschedule(session, SEAL_JOB, str(poll_id), now, {"poll": poll_id})
        return waiting

    def seals(self, session: Session) -> bool:
        """Inside a write: whether this process seals now (its key is the published one)."""
        published = _published(session, raw_connection(session))
        return published is not None and published[0] in self._keys

    def seal(
        self, session: Session, poll_id: int, now: datetime, *, limit: int | None = None
    ) -> int:
        """Seal the oldest `limit` held ballots (all of them when None) in an order of fresh
        random keys. Ballots held for a key this process cannot read are lost (their sealing
        process died): their voters are told; but while a handover is under way only a close
        (`limit` None) takes them for lost. With a `limit`, nothing is sealed until two batches
        this process can read wait. Returns how many ballots left the queue. Raises
        `NotSealingError` in a process that does not seal now."""
        if not self.seals(session):
            raise NotSealingError
        db = raw_connection(session)
        held = db.execute(_HELD, (poll_id,)).fetchall()
        lost = [person for person, data in held if not self._readable(data)]
        if lost and (limit is None or not handing_over(session)):
            _forget(session, db, poll_id, lost, now)
        else:
            lost = []  # they may yet be handed over to this process
        kept = [(person, data) for person, data in held if self._readable(data)]
        if limit is not None:  # two batches this process can read, or none is sealed yet
            kept = kept[:limit] if len(kept) >= 2 * self.batch else []
        sealed = sorted((str(uuid.uuid4()), self._open(data)) for _, data in kept)
        if sealed:
            _seal_in_one_statement(db, poll_id, sealed, sorted(person for person, _ in kept))
        return len(kept) + len(lost)

    def seal_batch(self, session: Session, poll_id: int, now: datetime) -> bool:
        """Seal a batch of k if two batches or more are waiting (ballots another process took,
        or handed over: bot.polls.jobs.seal_job); whether any ballot left the queue. One batch
        a transaction, so that its ballots share their transaction with its voters only."""
        db = raw_connection(session)
        if int(db.execute(_HELD_COUNT, (poll_id,)).fetchone()[0]) < 2 * self.batch:
            return False
        return self.seal(session, poll_id, now, limit=self.batch) > 0

    def _readable(self, held: bytes) -> bool:
        return held[:KEY_ID_BYTES] in self._keys

    def _open(self, held: bytes) -> Ballot:
        return _decrypt(self._keys[held[:KEY_ID_BYTES]], held)

    def recover(self, session: Session, now: datetime) -> int:
        """Once this process has taken sealing up: every ballot held for a key it cannot read
        is lost with the process that published that key; its voter is removed from the roll
        and asked to cast again. Returns how many were lost. Not while a process that stopped
        hands its ballots over (`handing_over`): they may yet become readable."""
        db = raw_connection(session)
        lost = 0
        for (poll_id,) in db.execute(_ALL_HELD).fetchall():
            held = db.execute(_HELD, (poll_id,)).fetchall()
            people = [person for person, data in held if not self._readable(data)]
            if people:
                _forget(session, db, poll_id, people, now)
                lost += len(people)
        return lost

    def successor(self, session: Session) -> bool:
        """Whether another process holds the scheduler's role and has published its key, for
        this one to hand its ballots over to."""
        row = raw_connection(session).execute(_SEALER_KEY, (SCHEDULER, time.time())).fetchone()
        return row is not None and bytes(row[0]) not in self._keys

    def mine(self, session: Session) -> int:
        """How many ballots wait for this process's keys."""
        held = raw_connection(session).execute(_EVERY_HELD).fetchall()
        return sum(1 for _, _, data in held if self._readable(data))

    def hand_over(self, session: Session, now: datetime) -> int:
        """Inside a write, in a process that stops and has given the scheduler's role up: hold
        every ballot held for this process's keys for the key of the process that seals now,
        opening each in memory only. The published key's row stays locked until the write
        commits, so no ballot is held for the old key meanwhile and the key handed to does not
        change. Schedules the new sealer's sealing where two batches wait. Returns how many
        ballots were handed over (none if no other process seals now)."""
        db = raw_connection(session)
        row = db.execute(_SEALER_KEY + " FOR UPDATE OF b", (SCHEDULER, time.time())).fetchone()
        if row is None or bytes(row[0]) in self._keys:
            return 0
        key_id, public = bytes(row[0]), bytes(row[1])
        mine = [(p, v, d) for p, v, d in db.execute(_EVERY_HELD).fetchall() if self._readable(d)]
        db.executemany(
            _HOLD_AGAIN,
            [
                (_encrypt(key_id, public, self._open(data)), poll, person)
                for poll, person, data in mine
            ],
        )
        for poll_id in sorted({poll for poll, _, _ in mine}):
            if int(db.execute(_HELD_COUNT, (poll_id,)).fetchone()[0]) >= 2 * self.batch:
                reschedule(session, SEAL_JOB, str(poll_id), now, {"poll": poll_id})
        return len(mine)


def handing_over(session: Session) -> bool:
    """Whether a process that stopped is handing its held ballots over to the sealer."""
    db = raw_connection(session)
    return bool(db.execute(_HANDING_OVER, (HANDOVER, time.time())).fetchone()[0])


def _published(session: Session, db: RawConnection) -> tuple[bytes, bytes] | None:
    """The key ballots are sealed to now, None while no process seals or hands its ballots
    over (one stopped alone, and the next has not taken over yet). On PostgreSQL its row stays
    locked (shared) until the write commits, so a process taking sealing up waits for the
    ballots being held for the old key and then finds them (`recover`, or handed over). The lease's time is the processes' wall clock
    (bot/leases.py), not Moot's clock."""
    statement = _PUBLISHED if session_on_sqlite(session) else _PUBLISHED + " FOR SHARE OF b"
    row = db.execute(statement, (SCHEDULER, HANDOVER, time.time())).fetchone()
    return None if row is None else (bytes(row[0]), bytes(row[1]))


def _encrypt(key_id: bytes, public: bytes, ballot: Ballot) -> bytes:
    """The ballot, readable only with the private half of `public`: a fresh key pair's
    exchange with it gives a one-time key (HKDF-SHA256) for ChaCha20-Poly1305, so the fixed
    nonce is never used twice with one key."""
    ephemeral = X25519PrivateKey.generate()
    mine = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    secret = ephemeral.exchange(X25519PublicKey.from_public_bytes(public))
    key = _one_time_key(secret, mine, public)
    return key_id + mine + ChaCha20Poly1305(key).encrypt(bytes(12), _encode(ballot), key_id)


def _decrypt(private: X25519PrivateKey, held: bytes) -> Ballot:
    key_id = held[:KEY_ID_BYTES]
    theirs = held[KEY_ID_BYTES : KEY_ID_BYTES + PUBLIC_BYTES]
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    secret = private.exchange(X25519PublicKey.from_public_bytes(theirs))
    key = _one_time_key(secret, theirs, public)
    plain = ChaCha20Poly1305(key).decrypt(bytes(12), held[KEY_ID_BYTES + PUBLIC_BYTES :], key_id)
    return _decode(plain)


def _one_time_key(secret: bytes, sender: bytes, recipient: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=None, info=_CONTEXT + sender + recipient).derive(secret)


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
