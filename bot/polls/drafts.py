"""Ballots being filled in, kept in the store so that a voter's presses may reach any Moot
process: the marks of a ranked or approval ballot so far, or a secret choice waiting for its
confirmation.

A secret poll's draft sits next to its voter, so its marks are never stored in clear: they are
encrypted with ChaCha20-Poly1305 under a key derived from SECRET_KEY, which every Moot process
has and the database does not, bound to the poll and the voter (a row copied onto another
voter's does not open) and padded so that every sealed draft has the same length. Without
SECRET_KEY each process makes a key of its own at start-up: a draft sealed by another process, or
by an earlier run, cannot be opened and counts as no draft at all (it is deleted, and the voter
sees a fresh ballot). Other polls' drafts are stored plainly, as their votes are.

Drafts left alone for `KEEP_DRAFTS` are deleted by the daily tidy-up (bot/housekeeping).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, text
from sqlmodel import Session, col

from bot.polls import ballots
from bot.polls.spec import MAX_OPTIONS
from bot.polls.views import PollView
from bot.runtime import Runtime
from storage.locking import lock_voter, locked_one
from storage.polls import BallotDraft, PollKind
from storage.types import stored_moment

KEEP_DRAFTS = timedelta(days=1)
# Room for the longest draft (twenty 2-digit marks and their commas), so that every sealed draft
# is the same length and its length says nothing about how many options it marks.
DRAFT_BYTES = 4 * MAX_OPTIONS
NONCE_BYTES = 12
SEALED_BYTES = NONCE_BYTES + DRAFT_BYTES + 16  # the nonce, the padded marks, the tag
_CONTEXT = b"moot ballot drafts"

Marks = tuple[int, ...]

_MAKE_ROOM = text(
    "INSERT INTO ballotdraft (poll_id, person_id, changed_at) VALUES (:poll, :person, :now) "
    "ON CONFLICT (poll_id, person_id) DO NOTHING"
)


class DraftKey:
    """The key secret polls' drafts are sealed under: derived from SECRET_KEY, or made afresh
    for this process alone when it is not set."""

    def __init__(self, secret: str | None) -> None:
        if secret is None:
            key = os.urandom(32)
        else:
            key = HKDF(hashes.SHA256(), 32, salt=None, info=_CONTEXT).derive(secret.encode())
        self._aead = ChaCha20Poly1305(key)

    def seal(self, poll_id: int, person_id: int, marks: Marks) -> bytes:
        plain = ",".join(map(str, marks)).encode()
        assert len(plain) <= DRAFT_BYTES, "a draft longer than MAX_OPTIONS allows"
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(
            nonce, plain.ljust(DRAFT_BYTES, b"\0"), _bound_to(poll_id, person_id)
        )
        return nonce + sealed

    def open(self, poll_id: int, person_id: int, sealed: bytes) -> Marks | None:
        """The marks, or None when this key did not seal them."""
        try:
            plain = self._aead.decrypt(
                sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], _bound_to(poll_id, person_id)
            )
        except InvalidTag:
            return None
        return _parse(plain.rstrip(b"\0").decode())


def _bound_to(poll_id: int, person_id: int) -> bytes:
    return f"{poll_id}:{person_id}".encode()


def _parse(marks: str) -> Marks:
    return tuple(int(m) for m in marks.split(",")) if marks else ()


def may_have_one(view: PollView) -> bool:
    """Whether a voter may have a draft in this poll: a secret poll's confirmation, or a ballot
    filled in by pressing options. (A vote in an open single-choice poll never looks.)"""
    return view.poll.secret or (
        view.kind not in ballots.CHOICE_KINDS and view.kind is not PollKind.SCORE
    )


def _read(row: BallotDraft | None, key: DraftKey) -> Marks | None:
    """What the row holds; None for no row, or one this process cannot open."""
    if row is None:
        return None
    if row.sealed is not None:
        return key.open(row.poll_id, row.person_id, row.sealed)
    return _parse(row.marks or "")


def _store(row: BallotDraft, key: DraftKey, secret: bool, marks: Marks, now: datetime) -> None:
    if secret:
        row.marks, row.sealed = None, key.seal(row.poll_id, row.person_id, marks)
    else:
        row.marks, row.sealed = ",".join(map(str, marks)), None
    row.changed_at = now


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


async def marks_of(runtime: Runtime, key: DraftKey, poll_id: int, person_id: int) -> Marks | None:
    """The voter's draft in the poll, None if there is none. One that cannot be opened (sealed
    under another key) is deleted and counts as none."""
    row = await runtime.read(lambda s: s.get(BallotDraft, (poll_id, person_id)))
    marks = _read(row, key)
    if row is not None and marks is None:
        await drop(runtime, poll_id, person_id)
    return marks


async def keep(
    runtime: Runtime, key: DraftKey, view: PollView, person_id: int, marks: Marks
) -> None:
    """Keep `marks` as the voter's draft, in place of any earlier one."""
    poll_id, secret, now = view.id, view.poll.secret, runtime.clock.now()

    def write(session: Session) -> None:
        _store(_row(session, poll_id, person_id, now), key, secret, marks, now)

    await runtime.write(write)


async def toggle(
    runtime: Runtime, key: DraftKey, view: PollView, person_id: int, option: int
) -> Marks:
    """A press on an option of the voter's ballot, applied to the draft as it is stored now
    (whichever process took the last press); the draft it makes."""
    ballots.toggle(view.rules, (), option)  # an option the poll does not have changes nothing
    poll_id, secret, now = view.id, view.poll.secret, runtime.clock.now()

    def write(session: Session) -> Marks:
        row = _row(session, poll_id, person_id, now)
        marks = ballots.toggle(view.rules, _read(row, key) or (), option)
        _store(row, key, secret, marks, now)
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
    """The voter abandoned the draft (or it could not be opened)."""
    await runtime.write(lambda s: discard(s, poll_id, person_id))
