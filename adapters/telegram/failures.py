"""Telegram's errors in the outbox's terms: try later, follow the moved chat, or give up."""

from __future__ import annotations

from datetime import timedelta

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.outlet import ChatMovedError, DeliveryError, RefusedError, TransientError

_FORBIDDEN = (
    ("kicked", "Moot was removed from this chat"),
    ("not a member", "Moot is not a member of this chat"),
    ("blocked", "they have blocked Moot"),
    ("initiate conversation", "they have not opened a chat with Moot on Telegram yet"),
    ("deactivated", "their Telegram account is deleted"),
)
_BAD_REQUEST = (
    ("chat not found", "the chat no longer exists, or Moot is not in it"),
    ("not enough rights", "Moot may not send messages there"),
    ("have no rights", "Moot may not send messages there"),
    ("upgraded to a supergroup", "the group became a supergroup"),
)


def translate(error: TelegramError) -> DeliveryError:
    """The neutral failure for a Telegram error raised while sending."""
    if isinstance(error, ChatMigrated):
        return ChatMovedError(str(error.new_chat_id))
    if isinstance(error, RetryAfter):
        return TransientError("Telegram asked Moot to slow down", _seconds(error))
    text = str(error.message).lower()
    if isinstance(error, Forbidden):
        reason = next((r for k, r in _FORBIDDEN if k in text), "Telegram forbids it")
        return RefusedError(reason)
    if isinstance(error, BadRequest):
        if "message to edit not found" in text:
            return RefusedError("the message was deleted", whole_chat=False)
        fallback = f"Telegram refused it ({error.message[:120]})"
        return RefusedError(next((r for k, r in _BAD_REQUEST if k in text), fallback))
    if isinstance(error, NetworkError):  # time-outs, dropped connections and 5xx answers
        return TransientError(f"Telegram did not answer ({error.message[:120]})")
    return TransientError(f"Telegram error ({error.message[:120]})")


def _seconds(error: RetryAfter) -> float:
    value = error.retry_after  # a timedelta: see this package's __init__
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
