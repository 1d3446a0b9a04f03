"""The core: turns a neutral inbound event into replies, and sends what it must elsewhere."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import logging
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlmodel import Session

from bot import refs, roles
from bot.access import Asker, refused_below
from bot.clock import Clock
from bot.commands import Command, Registry, Where
from bot.community import presence
from bot.context import Context
from bot.errors import UsageError, UserError
from bot.events import (
    ArgValue,
    ButtonPressed,
    CommandInvoked,
    FormSubmitted,
    Inbound,
    Reply,
    Visibility,
)
from bot.feature import Feature
from bot.identity.arrival import (
    ALREADY_HANDLED,
    Arrival,
    ReplayedError,
    Traces,
    arrive,
    elsewhere,
    recognise,
)
from bot.leases import (
    FREED,
    HANDOVER,
    HANDOVER_LOOK_SECONDS,
    HANDOVER_SECONDS,
    SCHEDULER,
    Leases,
)
from bot.metrics import Counts
from bot.outbox import report
from bot.outbox.queue import NEW_DELIVERIES, retired_card
from bot.outbox.service import Outbox
from bot.outlet import Outlet
from bot.params import Args, parse_options, parse_text
from bot.runtime import FeatureState, PersonHooks
from bot.scheduler import NEW_JOBS, Scheduler
from bot.text import clean
from bot.turns import TurnsPerAccount
from storage.engine import sqlite_path
from storage.leases import holders
from storage.models import ScheduledJob
from storage.notices import Listener, notify
from storage.outbox import OutboxEntry
from storage.store import Store
from storage.writer import Batched

log = logging.getLogger(__name__)
T = TypeVar("T")
S = TypeVar("S")

OUR_FAULT = (
    "Sorry, something went wrong on Moot's side. It has been logged; please try again shortly."
)


# What a write says to every process on the database once it commits (storage/notices.py).
JOBS_NOTICE = "jobs"
OUTBOX_NOTICE = "outbox:"

RESTARTING = "Moot is restarting; please try again in a minute."
# How long a command waits to say where what it sent arrived (Discord's answer is deferred).
SETTLE_WITHIN_SECONDS = 4.0
# At shutdown, how long to finish events in hand and send what waits, while still connected.
FLUSH_SECONDS = 5.0
# The outbox entries queued by the command running in this task, to report on to its actor.
_WATCHING: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "moot_watching", default=None
)


@dataclass
class _PendingTraces:
    """An arrival's traces, waiting for the first write of the command it arrived with."""

    traces: Traces
    task: asyncio.Task[Any] | None
    written: bool = False


_TRACES: contextvars.ContextVar[_PendingTraces | None] = contextvars.ContextVar(
    "moot_traces", default=None
)


def private(text: str) -> list[Reply]:
    return [Reply(text, Visibility.ACTOR)]


class Moot:
    """The core, and the `Runtime` (bot/runtime.py) that features get.

    `settings`: what the application sets for features, each an instance of the settings type
    a feature declares with its state (`FeatureState.defaults`); a feature given none here
    starts from its defaults."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        features: Sequence[Feature],
        *,
        settings: Sequence[object] = (),
    ) -> None:
        self.store = store
        self._clock = clock
        self.features = tuple(features)
        self.registry = Registry(c for feature in features for c in feature.commands)
        self._people = PersonHooks(
            merges=tuple(f.merge_people for f in features if f.merge_people is not None),
            exports=tuple((f.name, f.export_person) for f in features if f.export_person),
            forgets=tuple(f.forget_person for f in features if f.forget_person is not None),
        )
        self.leases = Leases(store)
        # Other processes on the same PostgreSQL database say when they queue work for the
        # roles this one may hold (storage/notices.py).
        self._listener = None if store.is_sqlite else Listener(store.url, self._heard)
        self._seeking_scheduler: asyncio.Task[None] | None = None
        self._scheduler_freed = asyncio.Event()  # another process gave the role up
        self.hand_over_within = HANDOVER_SECONDS
        self.scheduler = Scheduler(store, clock, allowed=lambda: self.leases.holds(SCHEDULER))
        for feature in features:
            for kind, handler in feature.jobs.items():
                self.scheduler.register(kind, handler)
        self.outbox = Outbox(
            self,
            {kind: r for feature in features for kind, r in feature.renderers.items()},
            {kind: h for feature in features for kind, h in feature.undelivered.items()},
            [feature.move_chat for feature in features if feature.move_chat is not None],
            self.leases,
        )
        self.settle_within = SETTLE_WITHIN_SECONDS
        self.flush_within = FLUSH_SECONDS
        self.counts = Counts()  # for operators' metrics (bot/metrics.py)
        self._outlets: dict[str, Outlet] = {}
        self._background: set[asyncio.Task[None]] = set()
        self._in_flight = 0
        self._no_events_in_hand = asyncio.Event()
        self._no_events_in_hand.set()
        self._turns = TurnsPerAccount()
        self._closing = False
        # Per-process state each feature keeps for itself (for example ballots being filled in).
        self._settings = tuple(settings)
        self._states: dict[FeatureState[Any, Any], object] = {}
        for feature in features:
            if feature.state is not None:
                self.state(feature.state)

    # --- what features get (bot/runtime.py) ----------------------------------------------

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def commands(self) -> Sequence[Command]:
        return self.registry.all()

    @property
    def people(self) -> PersonHooks:
        return self._people

    @property
    def keeps_seal_batches(self) -> bool:
        return not self.store.is_sqlite

    @property
    def stopping(self) -> bool:
        """Whether `stop` has begun: new events are turned away (the health check says so)."""
        return self._closing

    @property
    def database_file(self) -> Path | None:
        return sqlite_path(self.store.url)

    async def compact(self) -> None:
        await self.store.compact()

    def state(self, key: FeatureState[S, Any]) -> S:
        """The feature's state, started on first use: at construction for the features Moot
        runs, and on demand for a key whose feature is not among them (a test's partial core).
        The start hook returns an `S` for this key, so the cast holds."""
        if key not in self._states:
            chosen = next((s for s in self._settings if type(s) is type(key.defaults)), None)
            self._states[key] = key.start(self, key.defaults if chosen is None else chosen)
        return cast(S, self._states[key])

    # --- life cycle -------------------------------------------------------------------------

    def attach(self, outlet: Outlet) -> None:
        """A platform is connected: send what waits in the outbox for it."""
        self._outlets[outlet.platform] = outlet
        self.outbox.attach(outlet)

    def outlet(self, platform: str) -> Outlet | None:
        """The connected adapter for `platform`, if any (for what only some platforms offer)."""
        return self._outlets.get(platform)

    async def detach(self, platform: str) -> None:
        """A platform disconnected; its deliveries wait in the outbox until it is back."""
        self._outlets.pop(platform, None)
        await self.outbox.detach(platform)

    async def start(self, *, catch_up: bool = True) -> None:
        """Open the store, take up scheduled work if no other process has it (bot/leases.py)
        and let each feature settle what an earlier process left unfinished (secret ballots'
        sealing among it, before any event arrives); then, unless told to wait, re-arm
        scheduled work. Adapters may attach before or after: what jobs send waits in the
        outbox for its platform."""
        self.store.start()
        if self._listener is not None:
            self._listener.start()
        if await self.leases.acquire(SCHEDULER, on_loss=self._scheduling_lost):
            await self._settle()
        if catch_up:
            await self.catch_up()

    async def catch_up(self) -> None:
        """Re-arm scheduled work if this process holds its role: what fell due while Moot was
        down runs now (once). Otherwise try for the role now and then, and take scheduled work
        up the same way if the process holding it dies."""
        if self.leases.holds(SCHEDULER):
            await self.scheduler.start(self)
        else:
            self._seek_scheduling()

    async def _settle(self) -> None:
        for feature in self.features:
            if feature.catch_up is not None:
                await feature.catch_up(self)

    async def _take_up_scheduling(self) -> None:
        await self._settle()
        await self.scheduler.start(self)

    def _scheduling_lost(self) -> None:
        async def stop_then_seek() -> None:
            await self.scheduler.stop()
            self._seek_scheduling()

        self.spawn(stop_then_seek())

    def _seek_scheduling(self) -> None:
        """Try for the scheduler's lease now and then, until this process holds it."""

        async def seek() -> None:
            while not self._closing:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.leases.renew_every):
                        await self._scheduler_freed.wait()
                self._scheduler_freed.clear()
                try:
                    if await self.leases.acquire(SCHEDULER, on_loss=self._scheduling_lost):
                        await self._take_up_scheduling()
                        return
                except Exception:  # the store is failing us: try again later
                    log.warning("could not try for the scheduler's lease", exc_info=True)

        if self._seeking_scheduler is None or self._seeking_scheduler.done():
            self._seeking_scheduler = asyncio.get_running_loop().create_task(seek())

    async def drain(self) -> None:
        """Wait for background work, scheduled jobs under way and what the outbox can send now."""
        while True:
            while self._background:
                await asyncio.gather(*list(self._background), return_exceptions=True)
            await self.scheduler.drain()
            await self.outbox.quiet()
            if not self._background:
                return

    async def stop(self) -> None:
        """Stop in order: no new events, finish the ones in hand, stop the scheduler, send what
        can be sent while the platforms are still connected, then close the store. Whatever
        was not sent stays in the outbox for the next start."""
        self._closing = True
        deadline = asyncio.get_running_loop().time() + self.flush_within
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.flush_within):
                await self._no_events_in_hand.wait()
        if self._seeking_scheduler is not None:
            self._seeking_scheduler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._seeking_scheduler
        await self.scheduler.stop()
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)
        remaining = max(0.0, deadline - asyncio.get_running_loop().time())
        if not await self.outbox.flush(remaining):
            log.warning("stopping with deliveries still in the outbox; they go at the next start")
        await self.outbox.stop()
        await self._hand_over()
        await self.leases.stop()
        if self._listener is not None:
            await self._listener.stop()
        await self.store.close()

    async def _hand_over(self) -> None:
        """The process running the scheduler stops while other Moot processes share the
        database: it holds `HANDOVER` and gives the scheduler's role up, for another process to
        take up at once; once one has (within `hand_over_within` seconds, while others are
        still running), it passes to that one what only this process can read (features'
        `hand_over`). Alone on the database (SQLite always), it hands nothing over: whatever
        was only this process's is settled at the next start, as after a crash."""
        hooks = [f.hand_over for f in self.features if f.hand_over is not None]
        if not hooks or self._listener is None or not self.leases.holds(SCHEDULER):
            return
        try:
            if not await self._others_running() or not await self.leases.acquire(HANDOVER):
                return
            await self.leases.release(SCHEDULER)
            deadline = asyncio.get_running_loop().time() + self.hand_over_within
            if not await self._taken_over(deadline):
                log.warning(
                    "no other process took the scheduler's role over; what only this process "
                    "could read (held secret ballots) is settled when one does"
                )
                return
            for hook in hooks:
                await hook(self, max(0.0, deadline - asyncio.get_running_loop().time()))
        except Exception:  # the store is failing us: settled as after a crash
            log.warning("could not hand over to another process", exc_info=True)

    async def _others_running(self) -> bool:
        assert self._listener is not None
        return bool(await self.store.read(self._listener.others))

    async def _taken_over(self, deadline: float) -> bool:
        """Wait until another process holds the scheduler's role: False if none does by
        `deadline`, or once no other process is running."""

        def holder(session: Session) -> str | None:
            now = time.time()
            held = (lease for lease in holders(session) if lease.role == SCHEDULER)
            return next((lease.holder for lease in held if lease.live(now)), None)

        while asyncio.get_running_loop().time() < deadline:
            if await self.store.read(holder) not in (None, self.leases.holder):
                return True
            if not await self._others_running():
                return False
            await asyncio.sleep(HANDOVER_LOOK_SECONDS)
        return False

    def _heard(self, notice: str) -> None:
        """Another process (or this one) queued work or gave a role up: wake what this process
        holds of it or waits for."""
        if notice == FREED + SCHEDULER:
            self._scheduler_freed.set()
        elif notice == JOBS_NOTICE:
            self.scheduler.rearm()
        elif notice.startswith(OUTBOX_NOTICE):
            self.outbox.wake(notice.removeprefix(OUTBOX_NOTICE))

    # --- store ------------------------------------------------------------------------------

    async def read(self, query: Callable[[Session], T]) -> T:
        return await self.store.read(query)

    async def write(
        self, op: Callable[[Session], T], *, long: bool = False, batched: Batched | None = None
    ) -> T:
        """Write through the single writer. Once committed, jobs it scheduled are armed and
        deliveries it queued are sent; during a command, their outcome is told to the actor.
        The command's first write also carries its arrival's traces (bot.identity.arrival).
        `long` writes (an import) run off the event loop, `batched` ones together with their
        kind's (see storage/writer.py)."""
        traces = _TRACES.get()
        if traces is not None and (traces.written or traces.task is not asyncio.current_task()):
            traces = None

        def tracked(session: Session) -> tuple[T, list[ScheduledJob], list[OutboxEntry]]:
            if traces is not None:
                traces.traces.write(session)
            session.info[NEW_JOBS] = []
            session.info[NEW_DELIVERIES] = []
            result = op(session)
            jobs: list[ScheduledJob] = session.info.pop(NEW_JOBS)
            deliveries: list[OutboxEntry] = session.info.pop(NEW_DELIVERIES)
            if jobs or deliveries:
                session.flush()  # gives them their ids
            if jobs:
                notify(session, JOBS_NOTICE)
            for platform in sorted({entry.platform for entry in deliveries}):
                notify(session, OUTBOX_NOTICE + platform)
            return result, jobs, deliveries

        result, jobs, deliveries = await self.store.write(tracked, long=long, batched=batched)
        if traces is not None:
            traces.written = True
        for job in jobs:
            assert job.id is not None
            self.scheduler.arm(job.id, job.due_at)
        if deliveries:
            watching = _WATCHING.get()
            ids = self.outbox.committed(deliveries, watched=watching is not None)
            if watching is not None:
                watching.extend(ids)
        return result

    # --- what platforms report about chats ---------------------------------------------------

    async def chat_left(self, platform: str, chat_id: str, reason: str) -> None:
        """Moot was removed from a chat: stop posting there and tell its community's organisers."""
        now = self.clock.now()
        await self.write(lambda s: presence.left(s, platform, chat_id, reason, now))

    async def chat_back(self, platform: str, chat_id: str) -> None:
        """Moot was added (back) to a chat: it may post there again."""
        await self.write(lambda s: presence.back(s, platform, chat_id))

    async def chat_moved(self, platform: str, old: str, new: str) -> None:
        """A chat changed its id (a Telegram group became a supergroup): follow it."""
        await self.write(lambda s: self.outbox.move_chat(s, platform, old, new))

    # --- inbound ----------------------------------------------------------------------------

    async def handle(self, event: Inbound) -> list[Reply]:
        """Everything an adapter must show the actor in answer to `event`."""
        if self._closing:
            return private(RESTARTING)
        self._in_flight += 1
        self._no_events_in_hand.clear()
        try:
            async with self._turns.turn((event.actor.platform, event.actor.user_id)):
                return await self._handle(event)
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self._no_events_in_hand.set()

    async def _handle(self, event: Inbound) -> list[Reply]:
        actor, place, update_id, now = event.actor, event.place, event.update_id, self.clock.now()
        found = await self.store.peek(lambda db: recognise(db, actor, place, update_id, now))
        if found is None:  # someone new: they become a person before anything else
            arrival = await self.write(lambda s: arrive(s, actor, place, update_id, now))
            if arrival.replay:
                return private(ALREADY_HANDLED)
            return await self._respond(event, arrival)
        arrival, traces = found
        if arrival.replay:
            return private(ALREADY_HANDLED)
        pending = _PendingTraces(traces, asyncio.current_task())
        token = _TRACES.set(pending)
        try:
            return await self._respond(event, arrival)
        finally:
            _TRACES.reset(token)
            if not pending.written:  # the command wrote nothing (or was refused): write them now
                with contextlib.suppress(ReplayedError):
                    await self.write(traces.write)

    async def _respond(self, event: Inbound, arrival: Arrival) -> list[Reply]:
        if isinstance(event, ButtonPressed) and event.message_id and not event.place.is_private:
            # A card Moot could no longer update and posted again: its old buttons point there.
            place, message_id = event.place, event.message_id
            moved = await self.store.peek(
                lambda db: retired_card(db, place.platform, place.chat_id, message_id)
            )
            if moved is not None:
                return private(moved)
        name, text, options = _command_of(event)
        command = self.registry.get(name)
        if command is None:
            return private(f"I don't know /{name[:32]}. Send /help to see what you can do here.")
        self.counts.command(command.name)
        try:
            if options is not None:
                args = parse_options(command.name, (*command.params, *command.form_only), options)
            else:
                attachments = event.attachments if isinstance(event, CommandInvoked) else ()
                args = parse_text(command.params, text, attachments)
        except UsageError as error:
            return private(f"{error}\nUsage: {command.usage}")
        given = (args.optional_text(command.scope) or "") if command.scope else ""
        named = refs.community_of(given)
        if named is not None and named != arrival.community_id:
            here = arrival
            arrival = await self.read(lambda s: elsewhere(s, here, named))
            if arrival.role is None:  # outsiders learn nothing, not even that it exists
                return private(f"There is no {command.scope} {given[:24]} here.")
        refusal = _refusal(command, event, arrival)
        if refusal:
            return private(refusal)
        missing = args.missing(command.params)
        if missing:
            if command.guided and not isinstance(event, FormSubmitted):
                form = command.form()
                return [
                    Reply(f"/{command.name}: {command.description}", Visibility.ACTOR, form=form)
                ]
            names = ", ".join(p.placeholder for p in missing)
            return private(f"/{command.name} needs {names}.\nUsage: {command.usage}")
        return await self._run(command, event, arrival, args)

    async def _run(
        self, command: Command, event: Inbound, arrival: Arrival, args: Args
    ) -> list[Reply]:
        context = Context(
            runtime=self,
            actor=event.actor,
            place=event.place,
            person_id=arrival.person_id,
            person_name=arrival.person_name,
            community_id=arrival.community_id,
            community_name=arrival.community_name,
            role=arrival.role,
            args=args,
            now=self.clock.now(),
            pressed=isinstance(event, ButtonPressed),
        )
        watching: list[int] = []
        token = _WATCHING.set(watching)
        try:
            refusal = await _apply_rule(command, context)
            if refusal is not None:
                return private(refusal)
            await command.handler(context)
        except UserError as error:
            return private(str(error))
        except Exception:
            log.exception("/%s failed", command.name)
            self.counts.command_failed()
            return private(OUR_FAULT)
        finally:
            _WATCHING.reset(token)
        if watching:
            return await self._with_delivery_report(context.replies, watching)
        return context.replies

    async def _with_delivery_report(self, replies: list[Reply], ids: Sequence[int]) -> list[Reply]:
        """Add what the actor's command sent elsewhere: where it arrived, failed or still waits
        (to the private answer, when there is one to add it to)."""
        entries = await self.outbox.settle(ids, self.settle_within)
        connected = self.outbox.connected
        lines = await self.read(lambda s: report.outcomes(s, entries, connected))
        if not lines:
            return replies
        said = "\n".join(lines)
        last = replies[-1] if replies else None
        if last is not None and last.visibility is Visibility.ACTOR and last.file is None:
            return [*replies[:-1], dataclasses.replace(last, text=f"{last.text}\n{said}")]
        return [*replies, *private(said)]

    # --- outbound ---------------------------------------------------------------------------

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` in the background; `drain` and `stop` wait for it."""
        # A fresh context: background work is not part of the command that started it.
        task = asyncio.get_running_loop().create_task(work, context=contextvars.Context())
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def _command_of(event: Inbound) -> tuple[str, str, dict[str, ArgValue] | None]:
    """The command name, typed-out arguments and pre-parsed options an event stands for."""
    if isinstance(event, ButtonPressed):
        name, _, text = event.button_id.strip().lstrip("/").partition(" ")
        return name.lower(), clean(text), None
    if isinstance(event, FormSubmitted):
        return event.form_id, "", {k: clean(v) for k, v in event.values.items()}
    options = event.options
    if options is not None:
        options = {k: clean(v) if isinstance(v, str) else v for k, v in options.items()}
    return event.name.lower(), clean(event.text), options


def _refusal(command: Command, event: Inbound, arrival: Arrival) -> str | None:
    """Why this person may not run this command here, or None (checked before any form)."""
    if command.where is Where.GROUP and event.place.is_private:
        return f"/{command.name} works in a group chat, not in a direct message."
    if command.where is Where.PRIVATE and not event.place.is_private:
        return f"/{command.name} works in a direct message with me; message me privately."
    if command.chat_admins_only and not event.actor.is_chat_admin:
        return f"Only an admin of this chat can run /{command.name}."
    if command.needs_community and arrival.community_id is None:
        if event.place.is_private:
            return (
                f"/{command.name} needs a community. Use a command in your community's group "
                "chat first, or /join one."
            )
        return "This chat is not linked to a community yet. A chat admin can run /setup here."
    least = command.rule.least
    if not roles.allows(arrival.role, least):
        assert least is not None
        return refused_below(least, arrival.community_name or "this community", command.name)
    return None


async def _apply_rule(command: Command, context: Context) -> str | None:
    """Find what the command names (refusing as if it did not exist when this person may not
    see it), then apply the rule's check to it: why not, or None to go on."""
    rule = command.rule
    if rule.subject is not None:
        context.subject = await rule.subject.find(context)
    if rule.check is None:
        return None
    asker = Asker(context.person_id, context.role, context.community_name or "")
    return rule.refusal(asker, context.subject, context.args)
