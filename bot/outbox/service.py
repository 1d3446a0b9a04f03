"""The outbox as the core holds it: dispatchers for connected platforms, live renderers, and
who is waiting to hear how a delivery went."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from bot.events import Reply
from bot.feature import ChatMove, LiveRenderer, Undelivered
from bot.leases import Leases, outbox_role
from bot.outbox import report
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.queue import (
    SOMEONE_OF,
    Message,
    direct,
    nobody_reached,
    post_again,
    reached,
)
from bot.outlet import Outlet
from bot.runtime import Runtime
from storage.models import Chat
from storage.outbox import DeliveryKind, DeliveryStatus, OutboxEntry

log = logging.getLogger(__name__)


SETTLE_WITHIN = 5.0  # seconds
# How often a command waiting for what another process sends for it looks at the store.
WATCH_ELSEWHERE_SECONDS = 0.05


class Outbox:
    def __init__(
        self,
        runtime: Runtime,
        renderers: Mapping[str, LiveRenderer],
        undelivered: Mapping[str, Undelivered],
        chat_moves: Sequence[ChatMove],
        leases: Leases,
    ) -> None:
        self.runtime = runtime
        self.leases = leases
        self._renderers = dict(renderers)
        self._undelivered = {**undelivered, SOMEONE_OF: _someone_unreached}
        self._chat_moves = tuple(chat_moves)
        self._dispatchers: dict[str, Dispatcher] = {}
        self._awaited: dict[int, asyncio.Future[None]] = {}
        self._stop_listening: Callable[[], None] | None = None
        self._stop_walking: Callable[[], None] | None = None

    # --- platforms coming and going ---------------------------------------------------------

    def attach(self, outlet: Outlet) -> None:
        if self._stop_listening is None:  # a clock moved by hand may bring messages' moments
            self._stop_listening = self.runtime.clock.on_move(self._clock_moved)
            self._stop_walking = self.runtime.clock.walk_through(self._next_moment, self._settle)
        old = self._dispatchers.pop(outlet.platform, None)
        if old is not None:
            self.runtime.spawn(old.stop())
        dispatcher = self._dispatchers[outlet.platform] = Dispatcher(self, outlet)
        dispatcher.start()

    async def detach(self, platform: str) -> None:
        """The platform disconnected: what waits for it stays in the outbox for later."""
        dispatcher = self._dispatchers.pop(platform, None)
        if dispatcher is not None:
            await dispatcher.stop()
            # With a send's outcome not stored, another process would send it again: let the
            # role run out instead (the outcome is stored meanwhile, or the send is repeated
            # once, as after a crash).
            if dispatcher.settled:
                await self.leases.release(outbox_role(platform))
            else:
                self.leases.abandon(outbox_role(platform))

    @property
    def connected(self) -> frozenset[str]:
        return frozenset(self._dispatchers)

    async def stop(self) -> None:
        if self._stop_listening is not None:
            self._stop_listening()
            self._stop_listening = None
        if self._stop_walking is not None:
            self._stop_walking()
            self._stop_walking = None
        for platform in list(self._dispatchers):
            await self.detach(platform)

    async def _clock_moved(self) -> None:
        self.wake()

    async def _next_moment(self, after: datetime, until: datetime) -> datetime | None:
        """The next moment a message waits for, after `after` and up to `until`."""
        return await self.runtime.read(
            lambda s: s.exec(
                select(func.min(OutboxEntry.not_before)).where(
                    OutboxEntry.status == DeliveryStatus.PENDING,
                    col(OutboxEntry.not_before) > after,
                    col(OutboxEntry.not_before) <= until,
                )
            ).one()
        )

    async def _settle(self) -> None:
        """The clock stopped on its way: send what is due there before it goes on (a chat that
        hangs holds the walk up for `SETTLE_WITHIN` at most)."""
        await self.flush(SETTLE_WITHIN)

    def wake(self, platform: str | None = None) -> None:
        for name, dispatcher in self._dispatchers.items():
            if platform is None or name == platform:
                dispatcher.wake()

    async def quiet(self) -> None:
        """Wait until every connected platform has sent all it can send now (entries backing
        off after a failure are not waited for)."""
        for dispatcher in list(self._dispatchers.values()):
            dispatcher.quiet_requests += 1
            wanted = dispatcher.quiet_requests
            dispatcher.wake()
            while dispatcher.quiet_answered < wanted:
                dispatcher.idle.clear()
                await dispatcher.idle.wait()

    async def flush(self, within: float) -> bool:
        """At shutdown: send what can be sent for up to `within` seconds. True if all went."""
        try:
            async with asyncio.timeout(within):
                await self.quiet()
        except TimeoutError:
            return False
        return True

    # --- entries ----------------------------------------------------------------------------

    def committed(self, entries: Iterable[OutboxEntry], *, watched: bool) -> list[int]:
        """New entries are durable: wake their dispatchers. When the person who asked is
        waiting for the answer (`watched`), keep their failures for that answer (a feature that
        handles its own failures hears of them too); return the ids."""
        ids, platforms = [], set()
        for entry in entries:
            assert entry.id is not None
            answered = watched and entry.requested_by_person_id is not None
            if answered:
                ids.append(entry.id)
                if entry.status == DeliveryStatus.PENDING:
                    self._awaited[entry.id] = asyncio.get_running_loop().create_future()
            if entry.status == DeliveryStatus.FAILED and (not answered or self._handles(entry)):
                self.runtime.spawn(self._report(entry))
            platforms.add(entry.platform)
        for platform in platforms:
            self.wake(platform)
        return ids

    async def settle(self, ids: Sequence[int], within: float) -> list[OutboxEntry]:
        """Wait up to `within` seconds for these entries to arrive or fail on connected
        platforms; afterwards their failures are reported by direct message instead.

        An entry another Moot process sends (it holds the platform's outbox role) is watched in
        the store instead; if it fails meanwhile, that process tells the person by direct
        message (no one waits for it there), so it is left out of what this returns: told once,
        not twice. An entry that had failed already when queued is returned as ever."""
        entries = await self._read(ids)
        connected = [
            self._awaited[e.id]
            for e in entries
            if e.id in self._awaited and self._sends_here(e.platform)
        ]
        elsewhere = [
            e.id
            for e in entries
            if e.id is not None
            and e.platform in self._dispatchers
            and not self._sends_here(e.platform)
            and e.status == DeliveryStatus.PENDING
        ]
        if connected or elsewhere:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(within):
                    await asyncio.gather(*connected, self._sent_elsewhere(elsewhere))
        for entry_id in ids:
            self._awaited.pop(entry_id, None)
        watched_elsewhere = set(elsewhere)
        return [
            e
            for e in await self._read(ids)
            if not (e.status == DeliveryStatus.FAILED and e.id in watched_elsewhere)
        ]

    def _sends_here(self, platform: str) -> bool:
        return platform in self._dispatchers and self.leases.holds(outbox_role(platform))

    async def _sent_elsewhere(self, ids: list[int]) -> None:
        """Returns once none of these entries, sent by another process, is pending."""
        while ids:
            await asyncio.sleep(WATCH_ELSEWHERE_SECONDS)
            entries = await self._read(ids)
            ids = [e.id for e in entries if e.id is not None and e.status == DeliveryStatus.PENDING]

    async def _read(self, ids: Sequence[int]) -> list[OutboxEntry]:
        wanted = list(ids)
        return await self.runtime.read(
            lambda s: list(
                s.exec(
                    select(OutboxEntry)
                    .where(col(OutboxEntry.id).in_(wanted))
                    .order_by(col(OutboxEntry.id))
                )
            )
        )

    async def finished(self, entry_id: int | None, failure: OutboxEntry | None) -> None:
        """An entry was sent, or failed for good (`failure`, as stored): tell whoever is
        waiting, or the person who asked for it if it failed."""
        waiting = self._awaited.get(entry_id) if entry_id is not None else None
        if waiting is not None and not waiting.done():
            waiting.set_result(None)
        if failure is not None and (waiting is None or self._handles(failure)):
            await self._report(failure)

    def _handles(self, entry: OutboxEntry) -> bool:
        """A feature says for itself where this entry's failure should be told."""
        return (entry.about or "").partition(":")[0] in self._undelivered

    async def _report(self, entry: OutboxEntry) -> None:
        """A delivery failed for good: the feature it is about says so where it helps (a
        tenant who cannot be reached is named to the repairs team); otherwise whoever asked
        for it hears by direct message."""
        log.warning(
            "could not deliver outbox entry %s (%s): %s", entry.id, entry.summary, entry.error
        )
        now = self.runtime.clock.now()
        if self._handles(entry):
            handler = self._undelivered[(entry.about or "").partition(":")[0]]
            await self.runtime.write(lambda s: handler(s, entry, now))
            return
        asker = entry.requested_by_person_id
        if asker is None:
            return

        def tell(session: Session) -> None:
            text = report.failure(session, entry) + " (/outbox lists what waits or failed.)"
            direct(
                session,
                asker,
                Message("a note about a message that did not arrive", reply=Reply(text)),
                now,
                community_id=entry.community_id,
            )

        await self.runtime.write(tell)

    async def render(self, live: str) -> Reply | None:
        kind, _, key = live.partition(":")
        renderer = self._renderers.get(kind)
        if renderer is None:
            raise LookupError(f"no renderer for {kind!r}")
        return await renderer(self.runtime, key)

    def move_chat(self, session: Session, platform: str, old: str, new: str) -> None:
        """Inside a write: a chat changed id (a Telegram group became a supergroup); follow it
        everywhere, then send there. Its live cards stay behind in the old chat, where Moot can
        no longer edit them: each is posted again in the new one, and the old message is kept
        (retired, under the old id) so a press on it is told where the live card is."""
        now = self.runtime.clock.now()
        cards = session.exec(
            select(OutboxEntry).where(
                col(OutboxEntry.platform) == platform,
                col(OutboxEntry.chat_id) == old,
                col(OutboxEntry.kind) == DeliveryKind.POST,
                col(OutboxEntry.status) == DeliveryStatus.SENT,
                col(OutboxEntry.live).is_not(None),
            )
        ).all()
        for card in cards:
            post_again(session, card, "its chat moved", now)
        session.exec(
            update(Chat)
            .where(col(Chat.platform) == platform, col(Chat.platform_chat_id) == old)
            .values(platform_chat_id=new)
        )
        session.exec(
            update(OutboxEntry)
            .where(
                col(OutboxEntry.platform) == platform,
                col(OutboxEntry.chat_id) == old,
                col(OutboxEntry.status) != DeliveryStatus.RETIRED,
            )
            .values(chat_id=new)
        )
        for move in self._chat_moves:
            move(session, platform, old, new)


def _someone_unreached(session: Session, entry: OutboxEntry, now: datetime) -> None:
    """One of several direct messages of which one must arrive failed for good: if it was the
    last that could, the community's chats hear that it reached nobody."""
    about, community_id = entry.about, entry.community_id
    if about is not None and community_id is not None and not reached(session, about):
        nobody_reached(session, community_id, entry.summary, about, now)
