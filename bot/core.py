"""The core: turns a neutral inbound event into replies, and sends what it must elsewhere."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

from sqlmodel import Session, col, select

from bot import roles
from bot.clock import Clock
from bot.commands import Args, Command, Registry, parse_options, parse_text
from bot.context import Context
from bot.errors import UsageError, UserError
from bot.events import (
    ArgValue,
    ButtonPressed,
    CommandInvoked,
    Delivery,
    DirectAddress,
    FormSubmitted,
    Inbound,
    Reply,
    Visibility,
)
from bot.feature import Feature
from bot.identity.arrival import Arrival, arrive
from bot.outlet import Outlet
from bot.scheduler import NEW_JOBS, Scheduler
from bot.text import clean
from storage.models import Account, ScheduledJob
from storage.store import Store

log = logging.getLogger(__name__)
T = TypeVar("T")

ALREADY_HANDLED = "That was already handled; nothing more was done."
OUR_FAULT = (
    "Sorry, something went wrong on Moot's side. It has been logged; please try again shortly."
)


def private(text: str) -> list[Reply]:
    return [Reply(text, Visibility.ACTOR)]


class Moot:
    def __init__(self, store: Store, clock: Clock, features: Sequence[Feature]) -> None:
        self.store = store
        self.clock = clock
        self.features = tuple(features)
        self.registry = Registry(c for feature in features for c in feature.commands)
        self.scheduler = Scheduler(store, clock)
        for feature in features:
            for kind, handler in feature.jobs.items():
                self.scheduler.register(kind, handler)
        self._outlets: dict[str, Outlet] = {}
        self._background: set[asyncio.Task[None]] = set()
        # Per-process state a feature keeps for itself (for example ballots being filled in).
        self.extensions: dict[str, object] = {}

    # --- life cycle -------------------------------------------------------------------------

    def attach(self, outlet: Outlet) -> None:
        self._outlets[outlet.platform] = outlet

    async def start(self) -> None:
        self.store.start()
        await self.scheduler.start(self)

    async def drain(self) -> None:
        """Wait for deliveries and scheduled jobs already under way."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)
        await self.scheduler.drain()

    async def stop(self) -> None:
        await self.drain()
        await self.scheduler.stop()
        await self.store.close()

    # --- store ------------------------------------------------------------------------------

    async def read(self, query: Callable[[Session], T]) -> T:
        return await self.store.read(query)

    async def write(self, op: Callable[[Session], T]) -> T:
        """Write through the single writer; jobs the write scheduled are armed once committed."""

        def tracked(session: Session) -> tuple[T, list[ScheduledJob]]:
            session.info[NEW_JOBS] = []
            result = op(session)
            jobs: list[ScheduledJob] = session.info.pop(NEW_JOBS)
            if jobs:
                session.flush()  # gives the new jobs their ids
            return result, jobs

        result, jobs = await self.store.write(tracked)
        for job in jobs:
            assert job.id is not None
            self.scheduler.arm(job.id, job.due_at)
        return result

    # --- inbound ----------------------------------------------------------------------------

    async def handle(self, event: Inbound) -> list[Reply]:
        """Everything an adapter must show the actor in answer to `event`."""
        name, text, options = _command_of(event)
        arrival = await self.write(
            lambda s: arrive(s, event.actor, event.place, event.update_id, self.clock.now())
        )
        if arrival.replay:
            return private(ALREADY_HANDLED)
        command = self.registry.get(name)
        if command is None:
            return private(f"I don't know /{name[:32]}. Send /help to see what you can do here.")
        refusal = _refusal(command, event, arrival)
        if refusal:
            return private(refusal)
        try:
            if options is not None:
                args = parse_options(command, options)
            else:
                attachments = event.attachments if isinstance(event, CommandInvoked) else ()
                args = parse_text(command, text, attachments)
        except UsageError as error:
            return private(f"{error}\nUsage: {command.usage}")
        missing = args.missing(command)
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
            moot=self,
            actor=event.actor,
            place=event.place,
            person_id=arrival.person_id,
            person_name=arrival.person_name,
            community_id=arrival.community_id,
            community_name=arrival.community_name,
            role=arrival.role,
            args=args,
            now=self.clock.now(),
        )
        try:
            await command.handler(context)
        except UserError as error:
            return private(str(error))
        except Exception:
            log.exception("/%s failed", command.name)
            return private(OUR_FAULT)
        for delivery in context.deliveries:
            self.spawn(self.deliver(delivery))
        return context.replies

    # --- outbound ---------------------------------------------------------------------------

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` in the background; `drain` and `stop` wait for it."""
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def deliver(self, delivery: Delivery) -> None:
        for person_id in delivery.to_people:
            if not await self.send_direct(person_id, delivery.reply):
                log.warning("could not reach person %s by direct message", person_id)

    async def post(self, platform: str, chat_id: str, reply: Reply) -> str | None:
        """Post in a chat now; the id of the posted message, or None if it could not be sent."""
        outlet = self._outlets.get(platform)
        if outlet is None:
            log.warning("no %s adapter running to post in chat %s", platform, chat_id)
            return None
        try:
            return await outlet.send_to_chat(chat_id, reply)
        except Exception:
            log.exception("posting to %s chat %s failed", platform, chat_id)
            return None

    def edit_interval(self, platforms: Sequence[str]) -> float:
        """How long to gather changes before editing messages on these platforms."""
        return max(
            (self._outlets[p].edit_interval for p in platforms if p in self._outlets), default=0.0
        )

    async def edit(self, platform: str, chat_id: str, message_id: str, reply: Reply) -> None:
        outlet = self._outlets.get(platform)
        if outlet is None:
            return
        try:
            await outlet.edit_message(chat_id, message_id, reply)
        except Exception:
            log.exception("editing message %s in %s chat %s failed", message_id, platform, chat_id)

    async def send_direct(self, person_id: int, reply: Reply) -> bool:
        """DM a person on their most recently used account that Moot can reach."""
        accounts = await self.read(
            lambda s: list(
                s.exec(
                    select(Account)
                    .where(Account.person_id == person_id)
                    .order_by(col(Account.last_seen_at).desc())
                )
            )
        )
        for account in accounts:
            outlet = self._outlets.get(account.platform)
            if outlet is None:
                continue
            address = DirectAddress(
                account.platform, account.platform_user_id, account.direct_chat_id
            )
            try:
                if await outlet.send_direct(address, reply):
                    return True
            except Exception:
                log.exception(
                    "direct message to %s account %s failed", account.platform, account.id
                )
        return False


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
    """Why this person may not run this command here, or None."""
    from bot.commands import Where

    if command.where is Where.GROUP and event.place.is_private:
        return f"/{command.name} works in a group chat, not in a direct message."
    if command.where is Where.PRIVATE and not event.place.is_private:
        return f"/{command.name} works in a direct message with me; message me privately."
    if command.needs_community and arrival.community_id is None:
        if event.place.is_private:
            return (
                f"/{command.name} needs a community. Use a command in your community's group "
                "chat first, or /join one."
            )
        return "This chat is not linked to a community yet. A chat admin can run /setup here."
    if not roles.allows(arrival.role, command.role):
        assert command.role is not None
        return (
            f"Only {roles.describe(command.role)} of {arrival.community_name} can use "
            f"/{command.name}."
        )
    return None
