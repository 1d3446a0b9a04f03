"""Discord's errors in the outbox's terms: try later, or give up with the reason."""

from __future__ import annotations

import asyncio

import aiohttp
import discord

from bot.outlet import DeliveryError, RefusedError, TransientError

UNKNOWN_MESSAGE = 10008
_CODES = {
    10003: "the channel no longer exists",
    10008: "the message was deleted",
    50001: "Moot cannot see that channel",
    50007: "they do not accept direct messages from Moot",
    50013: "Moot may not send messages there",
}


def translate(error: Exception) -> DeliveryError | None:
    """The neutral failure for an error raised while sending, or None if it is not Discord's."""
    if isinstance(error, discord.RateLimited):
        return TransientError("Discord asked Moot to slow down", error.retry_after)
    if isinstance(error, discord.DiscordServerError):
        return TransientError(f"Discord had a server error ({error.status})")
    if isinstance(error, discord.HTTPException) and error.status == 429:
        retry_after = error.response.headers.get("Retry-After")
        return TransientError(
            "Discord asked Moot to slow down", float(retry_after) if retry_after else None
        )
    if isinstance(error, discord.NotFound) and error.code == UNKNOWN_MESSAGE:
        return RefusedError(_CODES[UNKNOWN_MESSAGE], whole_chat=False)
    if isinstance(error, discord.HTTPException):
        return RefusedError(_CODES.get(error.code, f"Discord refused it ({error.text[:120]})"))
    if isinstance(error, aiohttp.ClientError | asyncio.TimeoutError | OSError):
        return TransientError(f"Discord did not answer ({type(error).__name__})")
    return None
