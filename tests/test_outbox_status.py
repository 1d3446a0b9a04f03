"""What admins see of the outbox: their own community's messages, by their own numbers."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.core import Moot
from bot.outbox import queue
from bot.outbox.queue import Message
from storage.models import Community
from storage.outbox import DeliveryStatus, OutboxEntry
from tests.helpers import RecordingOutlet, Resident, group, texts


async def queue_post(moot: Moot, community: str, chat_id: str, summary: str) -> None:
    """A post waiting for its platform (none is connected here)."""
    now = moot.clock.now()

    def op(session: Session) -> None:
        found = session.exec(select(Community.id).where(Community.name == community)).one()
        queue.post(
            session,
            platform="console",
            chat_id=chat_id,
            message=Message(summary, live="nothing"),
            now=now,
            community_id=found,
        )

    await moot.write(op)


async def test_each_community_numbers_its_own_messages_and_resends_only_its_own(
    moot: Moot,
) -> None:
    elm = Resident(moot, "console", "elm-admin", "Elm Admin", chat_admin=True)
    oak = Resident(moot, "console", "oak-admin", "Oak Admin", chat_admin=True)
    elm_chat, oak_chat = group("console", "elm"), group("console", "oak")
    await elm.say("/setup Elm Court", elm_chat)
    await oak.say("/setup Oak Row", oak_chat)
    await queue_post(moot, "Elm Court", "elm", "the bins notice")
    await queue_post(moot, "Oak Row", "oak", "the garden notice")
    await queue_post(moot, "Elm Court", "elm", "the rent notice")

    elm_list = texts(await elm.say("/outbox", elm_chat))
    oak_list = texts(await oak.say("/outbox", oak_chat))
    assert "#2 waiting: the rent notice" in elm_list
    assert "#1 waiting: the bins notice" in elm_list
    assert "garden" not in elm_list
    assert "#1 waiting: the garden notice" in oak_list
    assert "bins" not in oak_list
    assert "rent" not in oak_list
    # Listing again keeps the numbers.
    assert texts(await elm.say("/outbox", elm_chat)) == elm_list

    def fail_the_rent_notice(session: Session) -> None:
        entry = session.exec(
            select(OutboxEntry).where(OutboxEntry.summary == "the rent notice")
        ).one()
        entry.status, entry.error = DeliveryStatus.FAILED, "Moot may not send messages there"
        entry.finished_at = moot.clock.now()

    await moot.write(fail_the_rent_notice)
    assert "/resend 2" in texts(await elm.say("/outbox", elm_chat))
    # Oak's admin has no message #2: Elm's is not theirs to send, nor to learn about.
    refused = texts(await oak.say("/resend 2", oak_chat))
    assert refused == "There is no failed message #2 here; /outbox lists them."
    waiting = texts(await elm.say("/resend 1", elm_chat))
    assert waiting == "Message #1 is pending; only failed ones are sent again."
    await elm.say("/resend 2", elm_chat)
    statuses = await moot.read(lambda s: {e.summary: e.status for e in s.exec(select(OutboxEntry))})
    assert statuses["the rent notice"] == DeliveryStatus.PENDING


async def test_admins_see_whether_messages_are_being_sent_on_each_platform(
    moot: Moot, outlet: RecordingOutlet
) -> None:
    admin = Resident(moot, "console", "elm-admin", "Elm Admin", chat_admin=True)
    await admin.say("/setup Elm Court", group("console", "elm"))
    await moot.drain()
    said = texts(await admin.say("/outbox", group("console", "elm")))
    assert said.endswith("Sending now, by platform:\nconsole: sending.")
    await moot.detach("console")  # the platform went away: the role is given up
    said = texts(await admin.say("/outbox", group("console", "elm")))
    assert said.endswith(
        "console: nothing is sending now; messages wait until Moot is connected again."
    )
