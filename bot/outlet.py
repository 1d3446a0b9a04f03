"""What the core needs from an adapter to send messages it was not asked for in a reply, and the
neutral ways a send can fail. Adapters translate their platform's errors into these, so the
outbox can decide between trying again, following a moved chat and giving up with a reason."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from bot.events import CalendarEvent, DirectAddress, Reply


class DeliveryError(Exception):
    """A send did not go through; `str(error)` says why, in words for a person."""


class TransientError(DeliveryError):
    """Rate-limited, a server error, a time-out or a dropped connection: trying again can work."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class RefusedError(DeliveryError):
    """The platform will not deliver there (blocked, removed, no permission, no such chat).
    `whole_chat` is False when only one message is affected (an edit of a deleted message)."""

    def __init__(self, reason: str, *, whole_chat: bool = True) -> None:
        super().__init__(reason)
        self.whole_chat = whole_chat


class ChatMovedError(DeliveryError):
    """The chat now lives under another id (a Telegram group that became a supergroup)."""

    def __init__(self, new_chat_id: str) -> None:
        super().__init__(f"the chat moved to {new_chat_id}")
        self.new_chat_id = new_chat_id


class Outlet(Protocol):
    platform: str
    # The shortest time between two edits of one message that keeps within the platform's limits.
    edit_interval: float

    async def send_to_chat(
        self, chat_id: str, reply: Reply, *, thread_id: str | None, key: str
    ) -> str:
        """Post `reply` in a chat; returns the id of the message carrying its buttons. `key` is
        unique per delivery: platforms that can drop a repeated send use it to."""
        ...

    async def edit_message(
        self, chat_id: str, message_id: str, reply: Reply, *, thread_id: str | None
    ) -> None:
        """Replace the text and buttons of a message Moot posted earlier (in `thread_id`, when it
        was posted in a thread: Discord's threads are channels of their own)."""
        ...

    async def send_direct(self, address: DirectAddress, reply: Reply, *, key: str) -> str:
        """Send `reply` as a direct message; returns the message id."""
        ...


@runtime_checkable
class EventOutlet(Protocol):
    """What an adapter whose platform has its own calendar events offers (Discord). Adapters
    without them do not implement it, and meetings simply are not mirrored there."""

    async def calendar_of(self, chat_id: str) -> str:
        """The calendar a chat's events go in (Discord: the chat's server): chats that share one
        share a meeting's event. Raises RefusedError for a chat that has none."""
        ...

    async def sync_event(self, chat_id: str, event: CalendarEvent, event_id: str | None) -> str:
        """Create the event in the calendar of `chat_id` (or, with `event_id`, bring that one
        up to date, cancelling it if the meeting was); returns the event's id."""
        ...
