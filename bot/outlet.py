"""What the core needs from an adapter to send messages it was not asked for in a reply."""

from __future__ import annotations

from typing import Protocol

from bot.events import DirectAddress, Reply


class Outlet(Protocol):
    platform: str
    # The shortest time between two edits of one message that keeps within the platform's limits.
    edit_interval: float

    async def send_to_chat(self, chat_id: str, reply: Reply) -> str | None:
        """Post `reply` in a chat; returns the id of the message carrying its buttons."""
        ...

    async def edit_message(self, chat_id: str, message_id: str, reply: Reply) -> None:
        """Replace the text and buttons of a message Moot posted earlier."""
        ...

    async def send_direct(self, address: DirectAddress, reply: Reply) -> bool:
        """Send `reply` as a direct message; False if the platform will not let Moot do so."""
        ...
