"""Where Moot gets the time. Tests and the console move a `ManualClock`; production uses the system."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

ClockListener = Callable[[], Awaitable[None]]


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, aware, in UTC."""
        ...

    @property
    def is_manual(self) -> bool: ...

    def on_move(self, listener: ClockListener) -> None:
        """Call `listener` whenever the clock is moved by hand (never for the system clock)."""
        ...


class SystemClock:
    is_manual = False

    def now(self) -> datetime:
        return datetime.now(UTC)

    def on_move(self, listener: ClockListener) -> None:
        """The system clock is never moved by hand."""


class ManualClock:
    """A clock that only moves when told to; moving it wakes the scheduler."""

    is_manual = True

    def __init__(self, start: datetime | None = None) -> None:
        self._now = (start or datetime.now(UTC)).astimezone(UTC)
        self._listeners: list[ClockListener] = []

    def now(self) -> datetime:
        return self._now

    def on_move(self, listener: ClockListener) -> None:
        self._listeners.append(listener)

    async def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("give the clock an aware time")
        self._now = moment.astimezone(UTC)
        for listener in self._listeners:
            await listener()

    async def advance(self, by: timedelta) -> None:
        await self.set(self._now + by)
