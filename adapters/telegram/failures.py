"""Telegram's errors in the outbox's terms: try later, follow the moved chat, or give up."""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

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
    ("message to edit not found", "the message was deleted"),
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
        fallback = f"Telegram refused it ({error.message[:120]})"
        return RefusedError(next((r for k, r in _BAD_REQUEST if k in text), fallback))
    if isinstance(error, NetworkError):  # time-outs, dropped connections and 5xx answers
        return TransientError(f"Telegram did not answer ({error.message[:120]})")
    return TransientError(f"Telegram error ({error.message[:120]})")


def _seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns about the int/timedelta change on access
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
