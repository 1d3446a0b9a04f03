"""One account's events are handled one at a time, in the order they arrived.

Someone who presses "2" then "1" on a ranked ballot means Elm > Oak. Platforms deliver their
events in order, but Moot handles events side by side, and any wait before an event's first write
(a lookup on a worker thread, a round trip to PostgreSQL) could let the second press overtake the
first. Different people's events still run side by side.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Hashable


class TurnsPerAccount:
    """A first-come-first-served lock per key, forgotten once nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, asyncio.Lock] = {}
        self._queued: dict[Hashable, int] = {}

    @contextlib.asynccontextmanager
    async def turn(self, key: Hashable) -> AsyncIterator[None]:
        """Wait for the events of `key` that arrived before this one, then run this one."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._queued[key] = self._queued.get(key, 0) + 1
        try:
            async with lock:  # asyncio.Lock wakes its waiters in the order they came
                yield
        finally:
            self._queued[key] -= 1
            if not self._queued[key]:
                del self._queued[key], self._locks[key]

    def __len__(self) -> int:
        """How many accounts have an event in hand (for tests: nothing is kept for long)."""
        return len(self._locks)
