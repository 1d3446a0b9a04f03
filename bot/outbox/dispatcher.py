"""Sending what waits in the outbox, one dispatcher per connected platform.

Entries go out in order within a *lane* (one chat, or one person's direct messages): a later
message never overtakes an earlier one there, and a lane that is backing off does not hold up
the others. Failures are sorted by what they mean (bot/outlet.py): try later (with the
platform's `retry_after`, else doubling waits), follow a moved chat, or give up with the reason,
marking the chat or account so Moot stops trying. An edit is rendered when it is sent and a
newer edit of the same message replaces an older one waiting, so a card shows the latest state
at most one edit interval late, however many changes arrive.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.events import DirectAddress, Reply
from bot.outbox import messages
from bot.outbox.queue import address
from bot.outlet import ChatMovedError, Outlet, RefusedError, TransientError
from storage.models import Account, Chat
from storage.outbox import ERROR_MAX, DeliveryKind, DeliveryStatus, OutboxEntry

if TYPE_CHECKING:
    from bot.outbox.service import Outbox

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
LONGEST_WAIT_SECONDS = 300.0
LANES_AT_ONCE = 16
LOOK_AHEAD = 500
# Even with nothing to do, look again this often: `moot outbox resend` runs in another process.
IDLE_LOOK_SECONDS = 30.0


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
        self.wake = asyncio.Event()
        self.idle = asyncio.Event()
        # Requests to be told when all that can go now has gone (`Outbox.quiet`), and how many
        # of them a pass that found nothing to send has answered: a pass answers only the
        # requests made before it began, so one that read the outbox just before a new entry
        # was committed does not count.
        self.quiet_requests = 0
        self.quiet_answered = 0
        self._not_before: dict[int, float] = {}  # entry id -> monotonic time (backing off)
        self._last_edit: dict[tuple[str, str], float] = {}  # (chat, message) -> monotonic time
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name=f"outbox-{self.platform}"
        )

    async def stop(self) -> None:
        task, self._task = self._task, None
        while task is not None and not task.done():
            task.cancel()
            await asyncio.wait([task], timeout=1)

    # --- the loop ---------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            self.wake.clear()
            began = self.quiet_requests
            try:
                ready, next_at = await self._ready()
                if ready:
                    self.idle.clear()
                    await asyncio.gather(*(self._deliver(entry) for entry in ready))
                    continue
            except Exception:  # the store failed us: look again shortly, never stop
                log.exception("the %s outbox could not be read or updated", self.platform)
                next_at = time.monotonic() + 1
            self.quiet_answered = max(self.quiet_answered, began)
            self.idle.set()
            timeout = IDLE_LOOK_SECONDS
            if next_at is not None:
                timeout = min(timeout, max(0.0, next_at - time.monotonic()))
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
            # arrives as the wake-up does, and then the dispatcher would never stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self.wake.wait()

    async def _ready(self) -> tuple[list[OutboxEntry], float | None]:
        """The first waiting entry of each lane that may go now, and when the next one may."""
        platform = self.platform
        waiting = await self._outbox.moot.read(
            lambda s: list(
                s.exec(
                    select(OutboxEntry)
                    .where(
                        OutboxEntry.status == DeliveryStatus.PENDING,
                        OutboxEntry.platform == platform,
                    )
                    .order_by(col(OutboxEntry.id))
                    .limit(LOOK_AHEAD)
                )
            )
        )
        now, lanes, ready = time.monotonic(), set(), []
        next_at: float | None = None
        for entry in waiting:
            lane = _lane(entry)
            if lane in lanes:
                continue
            lanes.add(lane)
            due = self._due(entry)
            if due <= now:
                ready.append(entry)
                if len(ready) == LANES_AT_ONCE:
                    break
            else:
                next_at = due if next_at is None else min(next_at, due)
        return ready, next_at

    def _due(self, entry: OutboxEntry) -> float:
        assert entry.id is not None
        return self._not_before.get(entry.id, 0.0)

    # --- one entry --------------------------------------------------------------------------

    async def _deliver(self, entry: OutboxEntry) -> None:
        assert entry.id is not None
        try:
            target = await self._target(entry)
            if target is None:
                return
            reply = await self._render(entry)
            if reply is None:
                await self._finish(entry, DeliveryStatus.SUPERSEDED, "nothing left to send")
                return
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

    async def _target(self, entry: OutboxEntry) -> _Target | None:
        """Where to send; None when the entry has to wait or was settled without sending."""
        assert entry.id is not None
        if entry.kind == DeliveryKind.DIRECT:
            account = await self._outbox.moot.read(lambda s: s.get(Account, entry.account_id))
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

        chat_id, platform = entry.chat_id, entry.platform

        def look(session: Session) -> tuple[OutboxEntry | None, bool]:
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
            return session.get(OutboxEntry, original), newer is not None or bool(shut_out)

        post, superseded = await self._outbox.moot.read(look)
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
        key = (entry.chat_id, post.message_id)
        next_edit = self._last_edit.get(key, 0.0) + self._outlet.edit_interval
        if next_edit > time.monotonic():
            self._not_before[entry_id] = next_edit
            return None
        self._last_edit[key] = time.monotonic()
        return _Target(entry.chat_id, message_id=post.message_id)

    async def _render(self, entry: OutboxEntry) -> Reply | None:
        if entry.content is not None:
            return messages.load(entry.content)
        assert entry.live is not None
        return await self._outbox.render(entry.live)

    async def _send(self, entry: OutboxEntry, target: _Target, reply: Reply) -> str | None:
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

    async def _try_later(self, entry: OutboxEntry, reason: str, retry_after: float | None) -> None:
        assert entry.id is not None
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

        await self._outbox.moot.write(note)

    async def _refused(self, entry: OutboxEntry, reason: str, whole_chat: bool) -> None:
        """Stop trying there: mark the chat or account, and try the person's other account."""
        entry_id, now = entry.id, self._outbox.moot.clock.now()

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

        stored = await self._outbox.moot.write(settle)
        if stored.status == DeliveryStatus.PENDING:
            self._outbox.wake(stored.platform)
        else:
            await self._outbox.finished(stored)

    async def _follow(self, entry: OutboxEntry, new_chat_id: str) -> None:
        old_chat_id, platform = entry.chat_id, self.platform
        assert old_chat_id is not None
        log.info("%s chat %s moved to %s", platform, old_chat_id, new_chat_id)
        await self._outbox.moot.write(
            lambda s: self._outbox.move_chat(s, platform, old_chat_id, new_chat_id)
        )

    async def _finish(
        self,
        entry: OutboxEntry,
        status: DeliveryStatus,
        error: str | None,
        message_id: str | None = None,
    ) -> None:
        assert entry.id is not None
        self._not_before.pop(entry.id, None)
        entry_id, now = entry.id, self._outbox.moot.clock.now()

        def record(session: Session) -> OutboxEntry:
            stored = session.get_one(OutboxEntry, entry_id)
            stored.status, stored.finished_at, stored.message_id = status, now, message_id
            stored.attempts += 1
            stored.error = error[:ERROR_MAX] if error else None
            return stored

        await self._outbox.finished(await self._outbox.moot.write(record))


def _lane(entry: OutboxEntry) -> str:
    if entry.kind == DeliveryKind.DIRECT:
        return f"person {entry.person_id}"
    return f"chat {entry.chat_id}"
