"""A small world for tests: residents on any platform talking to a real core and store."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

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


async def wait_until(condition: Callable[[], object], within: float = 20) -> None:
    """Wait for something a background task does (an outbox send, a platform edit)."""
    for _ in range(int(within / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition never became true")
