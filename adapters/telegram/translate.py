"""From Telegram's objects to Moot's neutral who and where."""

from __future__ import annotations

from telegram import Chat, Message, User

from bot.events import TELEGRAM, Actor, Place


def actor(user: User, *, is_chat_admin: bool) -> Actor:
    return Actor(
        TELEGRAM, str(user.id), user.full_name or user.username or "Someone", is_chat_admin
    )


def place(chat: Chat, message: Message | None = None) -> Place:
    thread = message.message_thread_id if message is not None and message.is_topic_message else None
    return Place(
        TELEGRAM,
        str(chat.id),
        chat.effective_name or "Telegram chat",
        is_private=chat.type == Chat.PRIVATE,
        thread_id=str(thread) if thread is not None else None,
    )


def split_command(text: str, bot_username: str) -> tuple[str, str] | None:
    """`/name@Bot args` → (name, args); None when the command is addressed to another bot."""
    head, _, rest = text.strip().partition(" ")
    name, _, addressee = head[1:].partition("@")
    if addressee and addressee.lower() != bot_username.lower():
        return None
    return name.lower(), rest.strip()
