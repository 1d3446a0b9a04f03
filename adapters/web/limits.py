"""A per-client limit on attempts: at most `limit` in any `window` seconds."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

# Past this many addresses remembered, those whose attempts are all old are forgotten.
TIDY_ABOVE = 10_000


class RateLimit:
    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._attempts: dict[str, deque[float]] = {}

    def allow(self, client: str) -> bool:
        """Count one attempt by `client`; False when it had `limit` already in the window."""
        now = self._clock()
        if len(self._attempts) > TIDY_ABOVE:
            self._forget_before(now - self.window)
        attempts = self._attempts.setdefault(client, deque())
        while attempts and attempts[0] <= now - self.window:
            attempts.popleft()
        if len(attempts) >= self.limit:
            return False
        attempts.append(now)
        return True

    def _forget_before(self, moment: float) -> None:
        stale = [client for client, times in self._attempts.items() if times[-1] <= moment]
        for client in stale:
            del self._attempts[client]
