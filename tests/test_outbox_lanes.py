"""The outbox's lanes as people notice them: a chat that hangs holds up no other chat, messages
to one chat never overtake each other, and a message prepared for a moment waits for it unless
it is withdrawn first."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from bot.clock import ManualClock
from bot.core import Moot
from bot.events import Reply
from bot.outbox import queue as outbox
from bot.outbox.dispatcher import LANES_AT_ONCE
from bot.outbox.queue import Message
from storage.outbox import DeliveryStatus, OutboxEntry
from tests.helpers import RecordingOutlet


@dataclass
class HangingOutlet(RecordingOutlet):
    """A platform on which sends into one chat hang until released."""

    hanging_chat: str = "stuck"
    released: asyncio.Event = field(default_factory=asyncio.Event)
    expected: int = 0  # `arrived` is set once this many messages have arrived
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def send_to_chat(
        self, chat_id: str, reply: Reply, *, thread_id: str | None, key: str
    ) -> str:
        if chat_id == self.hanging_chat:
            await self.released.wait()
        sent = await super().send_to_chat(chat_id, reply, thread_id=thread_id, key=key)
        if len(self.chats) >= self.expected:
            self.arrived.set()
        return sent


async def post(
    moot: Moot,
    chat_id: str,
    text: str,
    *,
    not_before: datetime | None = None,
    about: str | None = None,
) -> None:
    now = moot.clock.now()

    def queue(session: Session) -> None:
        message = Message(text, reply=Reply(text), not_before=not_before, about=about)
        outbox.post(session, platform="console", chat_id=chat_id, message=message, now=now)

    await moot.write(queue)


async def test_a_hanging_chat_holds_up_no_other_and_its_own_messages_keep_their_order(
    moot: Moot,
) -> None:
    others = [f"chat-{i}" for i in range(LANES_AT_ONCE * 3)]
    outlet = HangingOutlet("console", expected=len(others))
    moot.attach(outlet)
    await post(moot, "stuck", "first in the stuck chat")
    await post(moot, "stuck", "second in the stuck chat")
    for chat in others:
        await post(moot, chat, f"hello {chat}")
    async with asyncio.timeout(5):
        await outlet.arrived.wait()
    assert {chat for chat, _ in outlet.chats} == set(others)

    outlet.released.set()
    await moot.drain()
    stuck = [reply.text for chat, reply in outlet.chats if chat == "stuck"]
    assert stuck == ["first in the stuck chat", "second in the stuck chat"]
    assert len(outlet.chats) == len(others) + 2  # each exactly once
    statuses = await moot.read(lambda s: set(s.exec(select(OutboxEntry.status)).all()))
    assert statuses == {DeliveryStatus.SENT}


async def test_a_message_waits_for_its_moment_unless_withdrawn(
    moot: Moot, clock: ManualClock
) -> None:
    outlet = RecordingOutlet("console")
    moot.attach(outlet)
    moment = clock.now() + timedelta(minutes=2)
    await post(moot, "hall", "on the moment", not_before=moment, about="talk:1")
    await post(moot, "hall", "also on the moment", not_before=moment, about="talk:2")
    await post(moot, "hall", "right away")
    await moot.drain()
    assert [reply.text for _, reply in outlet.chats] == ["right away"]  # not held up by them

    now = clock.now()
    await moot.write(lambda s: outbox.withdraw(s, "talk:2", now))
    await clock.advance(timedelta(minutes=1, seconds=59))
    await moot.drain()
    assert [reply.text for _, reply in outlet.chats] == ["right away"]
    await clock.advance(timedelta(seconds=1))
    await moot.drain()
    assert [reply.text for _, reply in outlet.chats] == ["right away", "on the moment"]
    withdrawn = await moot.read(
        lambda s: s.exec(select(OutboxEntry.status).where(col(OutboxEntry.about) == "talk:2")).one()
    )
    assert withdrawn == DeliveryStatus.SUPERSEDED
