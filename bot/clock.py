"""Where Moot gets the time.

Production uses `SystemClock`. Tests use `ManualClock`, which stands still until moved. The
console uses `ShiftedClock`: real time passing, plus whatever `:time` and `:wait` added.

A clock moved forward by hand while Moot runs *walks*: it stops at each moment something falls
due on the way (a scheduled job, a message waiting for its moment), lets that run, and goes on,
so `:wait 5d` sends each reminder at its own moment, as if the five days had passed. A clock
moved while no Moot is listening simply jumps: that is Moot having been down, and what fell due
meanwhile is caught up (late, or skipped as too late) at start-up.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

log = logging.getLogger(__name__)

ClockListener = Callable[[], Awaitable[None]]
# The next moment after the first and up to the second at which something falls due, if any.
Waypoints = Callable[[datetime, datetime], Awaitable[datetime | None]]
# After the clock stopped on the way: wait until what fell due there has run (and been sent).
Settle = Callable[[], Awaitable[None]]
WALK_STOPS_AT_MOST = 10_000  # then the rest of the way is one jump


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

    def walk_through(self, waypoints: Waypoints, settle: Settle) -> Callable[[], None]:
        """When moved forward by hand, stop at each moment `waypoints` names on the way and
        `settle` there; returns a way to stop."""
        ...


class SystemClock:
    ticks = True

    def now(self) -> datetime:
        return datetime.now(UTC)

    def on_move(self, listener: ClockListener) -> Callable[[], None]:
        """The system clock is never moved by hand."""
        return lambda: None

    def walk_through(self, waypoints: Waypoints, settle: Settle) -> Callable[[], None]:
        return lambda: None


class _MovableClock(ABC):
    """Shared by the clocks that can be moved by hand: moving one wakes its listeners."""

    def __init__(self) -> None:
        self._listeners: list[ClockListener] = []
        self._walkers: list[tuple[Waypoints, Settle]] = []

    @abstractmethod
    def now(self) -> datetime: ...

    def on_move(self, listener: ClockListener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def walk_through(self, waypoints: Waypoints, settle: Settle) -> Callable[[], None]:
        walker = (waypoints, settle)
        self._walkers.append(walker)
        return lambda: self._walkers.remove(walker)

    @abstractmethod
    def _place(self, moment: datetime) -> None: ...

    async def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("give the clock an aware time")
        target = moment.astimezone(UTC)
        for _ in range(WALK_STOPS_AT_MOST):
            stop = await self._next_stop(target)
            if stop is None:
                break
            await self._move(stop)
            for _, settle in list(self._walkers):
                await settle()
        else:
            log.warning(
                "the clock stopped %d times on its way to %s; it jumps the rest of the way, "
                "and what falls due there runs late",
                WALK_STOPS_AT_MOST,
                target.isoformat(),
            )
        await self._move(target)

    async def _next_stop(self, target: datetime) -> datetime | None:
        """The first moment strictly between now and `target` that something falls due."""
        now = self.now()
        found = [await waypoints(now, target) for waypoints, _ in list(self._walkers)]
        stops = [moment for moment in found if moment is not None and now < moment < target]
        return min(stops, default=None)

    async def _move(self, moment: datetime) -> None:
        self._place(moment)
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
