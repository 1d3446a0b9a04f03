"""A small world for tests: residents on any platform talking to a real core and store."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from bot import scheduler
from bot.clock import Clock
from bot.core import Moot
from bot.events import (
    Actor,
    Attachment,
    ButtonPressed,
    CommandInvoked,
    DirectAddress,
    FormSubmitted,
    Place,
    Reply,
    render_moments,
)
from bot.features import ALL_FEATURES
from bot.meetings.native import EVENT_JOB
from bot.outbox import queue
from bot.outbox.queue import Message
from storage.models import ScheduledJob
from storage.store import Store


@dataclass
class RecordingOutlet:
    """Stands in for a platform: remembers every message the core sends on its own."""

    platform: str
    edit_interval: float = 0.0
    chats: list[tuple[str, Reply]] = field(default_factory=list)
    directs: list[tuple[str, Reply]] = field(default_factory=list)
    edits: list[tuple[str, str, Reply]] = field(default_factory=list)

    async def send_to_chat(
        self, chat_id: str, reply: Reply, *, thread_id: str | None, key: str
    ) -> str:
        self.chats.append((chat_id, reply))
        return str(len(self.chats))

    async def edit_message(
        self, chat_id: str, message_id: str, reply: Reply, *, thread_id: str | None
    ) -> None:
        self.edits.append((chat_id, message_id, reply))

    async def send_direct(self, address: DirectAddress, reply: Reply, *, key: str) -> str:
        self.directs.append((address.user_id, reply))
        return str(len(self.directs))

    def dms_to(self, user_id: str) -> list[str]:
        return [reply.text for who, reply in self.directs if who == user_id]


def group(platform: str = "console", chat_id: str = "group-1") -> Place:
    return Place(platform, chat_id, f"{platform} group", is_private=False)


def dm(platform: str, user_id: str) -> Place:
    return Place(platform, f"dm-{user_id}", "direct", is_private=True)


@dataclass
class Resident:
    moot: Moot
    platform: str
    user_id: str
    name: str
    chat_admin: bool = False

    def actor(self) -> Actor:
        return Actor(self.platform, self.user_id, self.name, self.chat_admin)

    async def say(
        self,
        line: str,
        place: Place | None = None,
        *,
        files: tuple[Attachment, ...] = (),
        update_id: str | None = None,
    ) -> list[Reply]:
        """Type a command (`/name args`) in a group chat (or `place`)."""
        name, _, text = line.lstrip("/").partition(" ")
        event = CommandInvoked(
            self.actor(),
            place or group(self.platform),
            name,
            text,
            attachments=files,
            update_id=update_id,
        )
        replies = await self.moot.handle(event)
        await self.moot.drain()
        return replies

    async def privately(self, line: str) -> list[Reply]:
        return await self.say(line, dm(self.platform, self.user_id))

    async def press(self, button_id: str, place: Place | None = None) -> list[Reply]:
        replies = await self.moot.handle(
            ButtonPressed(self.actor(), place or group(self.platform), button_id)
        )
        await self.moot.drain()
        return replies

    async def submit(self, form_id: str, values: dict[str, str]) -> list[Reply]:
        event = FormSubmitted(self.actor(), group(self.platform), form_id, values)
        replies = await self.moot.handle(event)
        await self.moot.drain()
        return replies


def shown(reply: Reply) -> str:
    """A reply's text as a platform without local times shows it."""
    return render_moments(reply.text)


def texts(replies: list[Reply]) -> str:
    return "\n".join(shown(r) for r in replies)


def button(replies: list[Reply], label: str) -> str:
    """What pressing the button labelled `label` (or beginning so) among `replies` sends."""
    for reply in replies:
        for choice in reply.choices:
            if choice.label.startswith(label):
                return choice.command
    raise AssertionError(f"no button {label!r} in {[c.label for r in replies for c in r.choices]}")


async def wait_until(condition: Callable[[], object], within: float = 20) -> None:
    """Wait for something a background task does (an outbox send, a platform edit)."""
    for _ in range(int(within / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition never became true")


# Jobs that bring something up to date rather than send a message: after each change the same
# sync may rightly run again at the same moment (a meeting announced, then cancelled).
RERUNNABLE = frozenset({EVENT_JOB})


@contextmanager
def jobs_run() -> Iterator[list[tuple[str, str, datetime]]]:
    """Every scheduled job claimed to run meanwhile, as (kind, payload, due): one logical
    message (an alert for one target, a reminder of one meeting at one time, a day's digest)
    that runs twice shows up as a repeat, whichever path planned it."""
    claimed: list[tuple[str, str, datetime]] = []
    original = scheduler._claim

    def recording(session: Session, job_id: int, now: datetime) -> ScheduledJob | None:
        job = original(session, job_id, now)
        if job is not None and job.kind not in RERUNNABLE:
            payload = {k: v for k, v in json.loads(job.payload).items() if k != "_attempts"}
            claimed.append((job.kind, json.dumps(payload, sort_keys=True), job.due_at))
        return job

    scheduler._claim = recording
    try:
        yield claimed
    finally:
        scheduler._claim = original


def post_now(
    moot: Moot, text: str, *, platform: str = "console", chat_id: str = "group-1"
) -> Callable[[Session], None]:
    """A write that queues `text` as a post in a chat, to go out now."""

    def write(session: Session) -> None:
        queue.post(
            session,
            platform=platform,
            chat_id=chat_id,
            message=Message("a notice", reply=Reply(text)),
            now=moot.clock.now(),
        )

    return write


@asynccontextmanager
async def another_process(url: str, clock: Clock) -> AsyncIterator[Moot]:
    """A second core on the same database, standing in for another Moot process (with its own
    memory)."""
    core = Moot(Store(url), clock, ALL_FEATURES)
    await core.start()
    try:
        yield core
    finally:
        await asyncio.wait_for(core.stop(), 10)
