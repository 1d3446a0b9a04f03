"""Moot being removed from a chat, or added back, as the platform reports it.

Removed or kicked: the chat is marked unreachable (the outbox then fails its posts at once,
with the reason, instead of calling the platform), and the community's organisers and admins are
told, since polls there will no longer be updated. Added back: Moot may post there again.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from bot import audit
from bot.community.service import organisers
from bot.events import Reply
from bot.outbox import queue as outbox
from bot.outbox.queue import Message
from storage.models import Chat
from storage.outbox import ERROR_MAX


def left(session: Session, platform: str, chat_id: str, reason: str, now: datetime) -> None:
    chat = _chat(session, platform, chat_id)
    if chat is None or chat.unreachable is not None:
        return  # not a community's chat, or already known
    chat.unreachable = reason[:ERROR_MAX]
    text = (
        f"Moot was removed from {chat.title} on {platform.capitalize()}: {reason}. Cards and "
        "results there will not be updated. Add Moot back to the chat and it will carry on."
    )
    outbox.tell(
        session,
        organisers(session, chat.community_id),
        Message(f"the news that Moot left {chat.title}", reply=Reply(text)),
        now,
        community_id=chat.community_id,
    )
    audit.record(
        session,
        community_id=chat.community_id,
        actor_person_id=None,
        action="chat.left",
        detail=f"{platform} {chat_id}: {reason}",
        at=now,
    )


def back(session: Session, platform: str, chat_id: str) -> None:
    chat = _chat(session, platform, chat_id)
    if chat is not None:
        chat.unreachable = None


def _chat(session: Session, platform: str, chat_id: str) -> Chat | None:
    return session.exec(
        select(Chat).where(Chat.platform == platform, Chat.platform_chat_id == chat_id)
    ).first()
