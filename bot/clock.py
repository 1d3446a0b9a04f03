"""Where Moot gets the time.

Production uses `SystemClock`. Tests use `ManualClock`, which stands still until moved. The
console uses `ShiftedClock`: real time passing, plus whatever `:time` and `:wait` added.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

ClockListener = Callable[[], Awaitable[None]]


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, aware, in UTC."""
        ...

    @property
    def ticks(self) -> bool:
        """Time passes by itself (so the scheduler needs real timers)."""
        ...

    def on_move(self, listener: ClockListener) -> Callable[[], None]:
        """Call `listener` whenever the clock is moved by hand; returns a way to stop."""
        ...


class SystemClock:
    ticks = True

    def now(self) -> datetime:
        return datetime.now(UTC)

    def on_move(self, listener: ClockListener) -> Callable[[], None]:
        """The system clock is never moved by hand."""
        return lambda: None


class _MovableClock(ABC):
    """Shared by the clocks that can be moved by hand: moving one wakes its listeners."""

    def __init__(self) -> None:
        self._listeners: list[ClockListener] = []

    @abstractmethod
    def now(self) -> datetime: ...

    def on_move(self, listener: ClockListener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @abstractmethod
    def _place(self, moment: datetime) -> None: ...

    async def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("give the clock an aware time")
        self._place(moment.astimezone(UTC))
        for listener in list(self._listeners):
            await listener()

    async def advance(self, by: timedelta) -> None:
        await self.set(self.now() + by)


class ManualClock(_MovableClock):
    """Stands still until moved: tests decide exactly when everything happens."""

    ticks = False

    def __init__(self, start: datetime) -> None:
        super().__init__()
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def _place(self, moment: datetime) -> None:
        self._now = moment


class ShiftedClock(_MovableClock):
    """Real time plus an offset that `set` and `advance` change (the console's clock)."""

    ticks = True

    def __init__(self) -> None:
        super().__init__()
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def _place(self, moment: datetime) -> None:
        self._offset = moment - datetime.now(UTC)
