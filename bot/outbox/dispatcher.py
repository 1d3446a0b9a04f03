"""Sending what waits in the outbox, one dispatcher per connected platform.

Entries go out in order within a *lane* (one chat, or one person's direct messages): a later
message never overtakes an earlier one there, and a lane that is backing off does not hold up
the others. Failures are sorted by what they mean (bot/outlet.py): try later (with the
platform's `retry_after`, else doubling waits), follow a moved chat, or give up with the reason,
marking the chat or account so Moot stops trying. An edit is rendered when it is sent, and
changes to a card count on the edit of it already waiting until the dispatcher takes that edit
for sending (in a write, before rendering: bot.outbox.queue.edit_cards); edits of one card leave
at most once per the platform's edit interval, counted from the last one sent (by an earlier
process too), so a card shows the latest state at most one edit interval late, however many
changes arrive.

Up to `LANES_AT_ONCE` sends are with the platform at any moment, each in its own lane, and a
lane whose send returns takes the next as soon as that outcome is stored: one slow chat never
holds up the rest, and an edit or reply waits for a free place rather than behind a burst.
Outcomes are stored in groups (one write for all that finished meanwhile), and a lane stays
closed until its outcome is stored, so nothing is sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy
from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from bot.dates import length
from bot.events import DirectAddress, Reply
from bot.leases import outbox_role
from bot.outbox import messages
from bot.outbox.queue import LATE_AT_MOST, SAYS_LATE_FROM, address
from bot.outlet import ChatMovedError, Outlet, RefusedError, TransientError
from storage.models import Account, Chat
from storage.outbox import ERROR_MAX, DeliveryKind, DeliveryStatus, OutboxEntry
from storage.raw import raw_connection
from storage.types import stored_moment, stored_to_aware

if TYPE_CHECKING:
    from bot.outbox.service import Outbox

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
LONGEST_WAIT_SECONDS = 300.0
LANES_AT_ONCE = 8
LOOK_AHEAD = 1000
# Outcomes are stored together with those that come in this soon after.
GATHER_OUTCOMES_SECONDS = 0.005
# Even with nothing to do, look again this often: `moot outbox resend` runs in another process.
IDLE_LOOK_SECONDS = 30.0


@dataclass(frozen=True)
class Waiting:
    """An outbox entry waiting to go, as the dispatcher needs it. Read as plain rows, not ORM
    objects: a burst of a thousand reminders is read in milliseconds."""

    id: int
    kind: DeliveryKind
    platform: str
    chat_id: str | None
    thread_id: str | None
    person_id: int | None
    account_id: int | None
    content: str | None
    live: str | None
    edit_of: int | None
    summary: str
    attempts: int
    not_before: datetime | None


_WAITING_COLUMNS = tuple(getattr(OutboxEntry, name) for name in Waiting.__dataclass_fields__)


@dataclass(frozen=True)
class _Target:
    """Where an entry goes, as the outlet needs it."""

    chat_id: str
    message_id: str | None = None
    address: DirectAddress | None = None


class Dispatcher:
    def __init__(self, outbox: Outbox, outlet: Outlet) -> None:
        self._outbox = outbox
        self._outlet = outlet
        self.platform = outlet.platform
        self._role = outbox_role(outlet.platform)
        self._next_try = 0.0  # not holding the role: when to try for it next (monotonic)
        self._news = asyncio.Event()  # new entries, or a moment come: read the outbox again
        self._stirred = asyncio.Event()  # news, or a lane freed
        self.idle = asyncio.Event()
        # Requests to be told when all that can go now has gone (`Outbox.quiet`), and how many
        # of them a pass that found nothing to send has answered: a pass answers only the
        # requests made before it began, so one that read the outbox just before a new entry
        # was committed does not count.
        self.quiet_requests = 0
        self.quiet_answered = 0
        self._not_before: dict[int, float] = {}  # entry id -> monotonic time (backing off)
        # A card's post (delivery id) -> when this process last sent an edit of it (monotonic).
        self._last_edit: dict[int, float] = {}
        self._slots = asyncio.Semaphore(LANES_AT_ONCE)
        self._busy: set[str] = set()  # lanes with an entry under way
        # Lanes whose outcome was stored after the last read began: that read may have seen
        # the entry still waiting, so they open only at the next one.
        self._freeing: set[str] = set()
        self._outcomes: list[_Outcome] = []  # finished, to be stored
        self._unstored: set[int] = set()  # ids of those entries
        self._storing: asyncio.Task[None] | None = None
        self._deliveries: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name=f"outbox-{self.platform}"
        )

    def wake(self) -> None:
        """Something new may be ready to send."""
        self._news.set()
        self._stirred.set()

    async def stop(self) -> None:
        task, self._task = self._task, None
        while task is not None and not task.done():
            task.cancel()
            await asyncio.wait([task], timeout=1)
        for delivery in list(self._deliveries):
            delivery.cancel()
        if self._deliveries:
            await asyncio.wait(list(self._deliveries), timeout=1)
        if self._storing is not None:  # what was sent is still stored as sent
            await asyncio.wait([self._storing], timeout=1)

    # --- the loop ---------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            self._news.clear()
            self._stirred.clear()
            began = self.quiet_requests
            if not await self._holding():  # another process sends this platform's outbox
                self.quiet_answered = max(self.quiet_answered, began)
                self.idle.set()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._outbox.leases.renew_every):
                        await self._stirred.wait()
                continue
            try:
                ready, next_at = await self._ready()
            except Exception:  # the store failed us: look again shortly, never stop
                log.exception("the %s outbox could not be read", self.platform)
                ready, next_at = [], time.monotonic() + 1
            if ready:
                self.idle.clear()
                for entry in ready:
                    if self._news.is_set() or not self._outbox.leases.holds(self._role):
                        break  # something newer may come first, or the role is lost: look again
                    await self._slots.acquire()
                    self._begin(entry)
                continue
            if not self._busy and not self._freeing:
                self.quiet_answered = max(self.quiet_answered, began)
                self.idle.set()
            timeout = IDLE_LOOK_SECONDS
            if next_at is not None:
                timeout = min(timeout, max(0.0, next_at - time.monotonic()))
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
            # arrives as the wake-up does, and then the dispatcher would never stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._stirred.wait()

    async def _holding(self) -> bool:
        """Whether this process sends the platform's outbox (bot/leases.py): it holds the role,
        or takes it now."""
        leases = self._outbox.leases
        if leases.holds(self._role):
            return True
        if time.monotonic() < self._next_try:  # woken by news: the holder sends it
            return False
        self._next_try = time.monotonic() + leases.renew_every
        try:
            return await leases.acquire(self._role, on_loss=self._lost)
        except Exception:  # the store failed us: try again shortly
            log.warning("could not try for %s", self._role, exc_info=True)
            return False

    def _lost(self) -> None:
        """Another process took the role over: try for it again at the next look."""
        self._next_try = 0.0
        self.wake()

    @property
    def settled(self) -> bool:
        """Stopped with every send's outcome stored: another process may take over at once
        without sending any of them again."""
        return not self._deliveries and not self._outcomes and not self._unstored

    def _begin(self, entry: Waiting) -> None:
        """Send `entry` in its lane (a slot is taken for it)."""
        lane = _lane(entry)
        self._busy.add(lane)
        task = asyncio.get_running_loop().create_task(self._deliver_in_lane(entry, lane))
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)

    async def _deliver_in_lane(self, entry: Waiting, lane: str) -> None:
        try:
            await self._deliver(entry)
        finally:
            self._slots.release()
            if entry.id not in self._unstored:  # otherwise it opens once its outcome is stored
                self._open(lane)

    def _open(self, lane: str) -> None:
        self._busy.discard(lane)
        self._freeing.add(lane)
        self._stirred.set()

    async def _ready(self) -> tuple[list[Waiting], float | None]:
        """The first waiting entry of each lane that may go now, and when the next one may
        (entries waiting for their moment join their lane when it comes)."""
        platform, moment = self.platform, self._outbox.runtime.clock.now()

        def look(session: Session) -> tuple[list[Waiting], datetime | None]:
            waiting = col(OutboxEntry.status) == DeliveryStatus.PENDING
            here = col(OutboxEntry.platform) == platform
            rows = session.execute(
                sqlalchemy.select(*_WAITING_COLUMNS)
                .where(
                    waiting,
                    here,
                    or_(
                        col(OutboxEntry.not_before).is_(None), col(OutboxEntry.not_before) <= moment
                    ),
                )
                .order_by(col(OutboxEntry.id))
                .limit(LOOK_AHEAD)
            ).all()
            soonest = session.exec(
                select(func.min(OutboxEntry.not_before)).where(
                    waiting, here, col(OutboxEntry.not_before) > moment
                )
            ).one()
            return [Waiting(*row) for row in rows], soonest

        self._freeing.clear()  # their outcomes are stored: this read sees them
        waiting, soonest = await self._outbox.runtime.read(look)
        now, ready = time.monotonic(), []
        lanes = self._busy | self._freeing
        next_at: float | None = None
        if soonest is not None:
            next_at = now + (soonest - moment).total_seconds()
        for entry in waiting:
            lane = _lane(entry)
            if lane in lanes:
                continue
            lanes.add(lane)
            due = self._due(entry)
            if due <= now:
                ready.append(entry)
            else:
                next_at = due if next_at is None else min(next_at, due)
        return ready, next_at

    def _due(self, entry: Waiting) -> float:
        return self._not_before.get(entry.id, 0.0)

    # --- one entry --------------------------------------------------------------------------

    async def _deliver(self, entry: Waiting) -> None:
        try:
            target = await self._target(entry)
            if target is None:
                return
            late = self._late(entry)
            if late > LATE_AT_MOST:
                log.warning(
                    "did not send %s: its moment passed %s ago before it could be sent",
                    entry.summary,
                    length(late),
                )
                await self._finish(entry, DeliveryStatus.SUPERSEDED, f"{length(late)} too late")
                return
            reply = await self._render(entry)
            if reply is None:
                await self._finish(entry, DeliveryStatus.SUPERSEDED, "nothing left to send")
                return
            if late >= SAYS_LATE_FROM:
                note = f"(Sent {length(late)} late: Moot could not send it when it was due.)"
                reply = replace(reply, text=f"{reply.text}\n{note}")
            message_id = await self._send(entry, target, reply)
        except TransientError as error:
            await self._try_later(entry, str(error), error.retry_after)
        except ChatMovedError as error:
            await self._follow(entry, error.new_chat_id)
        except RefusedError as error:
            await self._refused(entry, str(error), error.whole_chat)
        except Exception as error:
            log.exception("outbox entry %s (%s) failed", entry.id, entry.summary)
            await self._try_later(entry, f"unexpected error: {type(error).__name__}", None)
        else:
            self._not_before.pop(entry.id, None)
            await self._finish(entry, DeliveryStatus.SENT, None, message_id)

    def _late(self, entry: Waiting) -> timedelta:
        """How long after its moment a message prepared for one is leaving (zero for others; a
        card's edit shows the card as it is when sent, so it is never late)."""
        if entry.not_before is None or entry.kind == DeliveryKind.EDIT:
            return timedelta(0)
        return max(timedelta(0), self._outbox.runtime.clock.now() - entry.not_before)

    async def _target(self, entry: Waiting) -> _Target | None:
        """Where to send; None when the entry has to wait or was settled without sending."""
        if entry.kind == DeliveryKind.DIRECT:
            account = await self._outbox.runtime.read(lambda s: s.get(Account, entry.account_id))
            assert account is not None
            return _Target(
                account.direct_chat_id or account.platform_user_id,
                address=DirectAddress(
                    account.platform, account.platform_user_id, account.direct_chat_id
                ),
            )
        assert entry.chat_id is not None
        if entry.kind == DeliveryKind.POST:
            return _Target(entry.chat_id)
        entry_id, original = entry.id, entry.edit_of
        assert original is not None
        chat_id, platform = entry.chat_id, entry.platform
        # The first edit of a card this process sends keeps its distance from the last one an
        # earlier process sent (it is stored): a restart does not bring the next edit forward.
        known = original in self._last_edit or not self._outlet.edit_interval

        def look(session: Session) -> tuple[OutboxEntry | None, bool, datetime | None]:
            newer = session.exec(
                select(OutboxEntry.id).where(
                    OutboxEntry.edit_of == original,
                    OutboxEntry.status == DeliveryStatus.PENDING,
                    col(OutboxEntry.id) > entry_id,
                )
            ).first()
            shut_out = session.exec(
                select(Chat.unreachable).where(
                    Chat.platform == platform, Chat.platform_chat_id == chat_id
                )
            ).first()
            last_sent = None if known else _last_sent_edit(session, platform, original)
            return (
                session.get(OutboxEntry, original),
                newer is not None or bool(shut_out),
                last_sent,
            )

        post, superseded, last_sent = await self._outbox.runtime.read(look)
        if (
            superseded
            or post is None
            or post.status
            in (
                DeliveryStatus.FAILED,
                DeliveryStatus.SUPERSEDED,
            )
        ):
            await self._finish(
                entry, DeliveryStatus.SUPERSEDED, "a newer edit, no message, or no way in"
            )
            return None
        if post.status == DeliveryStatus.PENDING or post.message_id is None:
            self._not_before[entry_id] = time.monotonic() + 1  # the post goes first
            return None
        if last_sent is not None and original not in self._last_edit:
            ago = (self._outbox.runtime.clock.now() - last_sent).total_seconds()
            self._last_edit[original] = time.monotonic() - max(0.0, ago)
        next_edit = self._last_edit.get(original, -math.inf) + self._outlet.edit_interval
        if next_edit > time.monotonic():
            self._not_before[entry_id] = next_edit
            return None
        if entry.not_before is not None:
            # Taken, before it is rendered: a change committed from now on is not in what it
            # shows, so it queues an edit of its own (bot.outbox.queue.edit_cards).
            await self._outbox.runtime.write(functools.partial(_take, entry_id=entry_id))
        self._last_edit[original] = time.monotonic()
        return _Target(entry.chat_id, message_id=post.message_id)

    async def _render(self, entry: Waiting) -> Reply | None:
        if entry.content is not None:
            return messages.load(entry.content)
        if entry.live is None:  # emptied by /forgetme: nothing left to send, never retried
            return None
        return await self._outbox.render(entry.live)

    async def _send(self, entry: Waiting, target: _Target, reply: Reply) -> str | None:
        key = f"moot-{entry.id}"
        if target.address is not None:
            return await self._outlet.send_direct(target.address, reply, key=key)
        if target.message_id is not None:
            await self._outlet.edit_message(
                target.chat_id, target.message_id, reply, thread_id=entry.thread_id
            )
            return target.message_id
        return await self._outlet.send_to_chat(
            target.chat_id, reply, thread_id=entry.thread_id, key=key
        )

    # --- outcomes ---------------------------------------------------------------------------

    async def _try_later(self, entry: Waiting, reason: str, retry_after: float | None) -> None:
        attempts = entry.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            await self._finish(
                entry, DeliveryStatus.FAILED, f"gave up after {attempts} tries ({reason})"
            )
            return
        wait = retry_after if retry_after is not None else min(2.0**attempts, LONGEST_WAIT_SECONDS)
        self._not_before[entry.id] = time.monotonic() + wait
        log.info("outbox entry %s: %s; trying again in %.1f s", entry.id, reason, wait)
        entry_id = entry.id

        def note(session: Session) -> None:
            session.exec(
                update(OutboxEntry)
                .where(col(OutboxEntry.id) == entry_id)
                .values(attempts=attempts, error=reason[:ERROR_MAX])
            )

        await self._outbox.runtime.write(note)

    async def _refused(self, entry: Waiting, reason: str, whole_chat: bool) -> None:
        """Stop trying there: mark the chat or account, and try the person's other account."""
        entry_id, now = entry.id, self._outbox.runtime.clock.now()

        def settle(session: Session) -> OutboxEntry:
            stored = session.get_one(OutboxEntry, entry_id)
            if stored.kind == DeliveryKind.DIRECT:
                session.get_one(Account, stored.account_id).unreachable = reason[:ERROR_MAX]
                if address(session, stored) is None:  # another account: try there
                    stored.attempts, stored.error = 0, reason[:ERROR_MAX]
                    return stored
            elif whole_chat:
                session.exec(
                    update(Chat)
                    .where(
                        col(Chat.platform) == stored.platform,
                        col(Chat.platform_chat_id) == stored.chat_id,
                    )
                    .values(unreachable=reason[:ERROR_MAX])
                )
            stored.status, stored.error, stored.finished_at = (
                DeliveryStatus.FAILED,
                reason[:ERROR_MAX],
                now,
            )
            return stored

        stored = await self._outbox.runtime.write(settle)
        if stored.status == DeliveryStatus.PENDING:
            self._outbox.wake(stored.platform)
        else:
            await self._outbox.finished(stored.id, stored)

    async def _follow(self, entry: Waiting, new_chat_id: str) -> None:
        old_chat_id, platform = entry.chat_id, self.platform
        assert old_chat_id is not None
        log.info("%s chat %s moved to %s", platform, old_chat_id, new_chat_id)
        await self._outbox.runtime.write(
            lambda s: self._outbox.move_chat(s, platform, old_chat_id, new_chat_id)
        )

    async def _finish(
        self,
        entry: Waiting,
        status: DeliveryStatus,
        error: str | None,
        message_id: str | None = None,
    ) -> None:
        """Settle `entry`: its outcome is stored with the others that finish meanwhile."""
        self._not_before.pop(entry.id, None)
        self._unstored.add(entry.id)
        self._outcomes.append(
            _Outcome(entry, status, error[:ERROR_MAX] if error else None, message_id)
        )
        if self._storing is None or self._storing.done():
            self._storing = asyncio.get_running_loop().create_task(self._store_outcomes())

    async def _store_outcomes(self) -> None:
        """Store the outcomes gathered meanwhile in one write (a burst of a thousand sends
        takes a few writes, not a thousand), then open their lanes."""
        while self._outcomes:
            await asyncio.sleep(GATHER_OUTCOMES_SECONDS)
            batch, self._outcomes = self._outcomes, []
            finished_at = stored_moment(self._outbox.runtime.clock.now())
            rows = [
                (
                    str(outcome.status),
                    finished_at,
                    outcome.message_id,
                    outcome.entry.attempts + 1,
                    outcome.error,
                    outcome.entry.id,
                )
                for outcome in batch
            ]
            try:
                failed = await self._outbox.runtime.write(functools.partial(_store, rows=rows))
            except Exception:  # the store failed us: keep them, and try again shortly
                log.exception(
                    "could not store how %d %s deliveries went", len(batch), self.platform
                )
                self._outcomes[:0] = batch
                await asyncio.sleep(1)
                continue
            for outcome in batch:
                self._unstored.discard(outcome.entry.id)
                self._open(_lane(outcome.entry))
            for outcome in batch:
                await self._outbox.finished(outcome.entry.id, failed.get(outcome.entry.id))


# status, finished at, message id, attempts, error, entry id
_OutcomeRow = tuple[str, str, str | None, int, str | None, int]


@dataclass(frozen=True)
class _Outcome:
    entry: Waiting
    status: DeliveryStatus
    error: str | None
    message_id: str | None


_STORE_OUTCOME = (
    "UPDATE outbox SET status = ?, finished_at = ?, message_id = ?, attempts = ?, error = ? "
    "WHERE id = ?"
)


def _store(session: Session, rows: list[_OutcomeRow]) -> dict[int, OutboxEntry]:
    """Many outcomes in one statement (a hot path: straight to SQLite); the entries that
    failed, as stored, to report on."""
    raw_connection(session).executemany(_STORE_OUTCOME, rows)
    failed = [row[-1] for row in rows if row[0] == DeliveryStatus.FAILED]
    return {
        entry_id: session.get_one(OutboxEntry, entry_id, populate_existing=True)
        for entry_id in failed
    }


def _take(session: Session, entry_id: int) -> None:
    """A card's edit is taken for sending: no later change counts on it any more."""
    raw_connection(session).execute("UPDATE outbox SET not_before = NULL WHERE id = ?", (entry_id,))


_LAST_SENT_EDIT = (
    "SELECT finished_at FROM outbox WHERE status = 'sent' AND platform = ? AND edit_of = ? "
    "AND kind = 'edit' ORDER BY id DESC LIMIT 1"
)


def _last_sent_edit(session: Session, platform: str, post_id: int) -> datetime | None:
    """When the last edit of a card's post was sent, if one was (newest first on
    ix_outbox_waiting: a busy card's last edit is among the latest rows)."""
    row = raw_connection(session).execute(_LAST_SENT_EDIT, (platform, post_id)).fetchone()
    return None if row is None or row[0] is None else stored_to_aware(row[0])


def _lane(entry: Waiting) -> str:
    if entry.kind == DeliveryKind.DIRECT:
        return f"person {entry.person_id}"
    return f"chat {entry.chat_id}"
