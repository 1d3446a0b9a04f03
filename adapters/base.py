"""What every adapter offers the process that runs them, and the supervisor that keeps them up."""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from bot.core import Moot

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 1.0
LONGEST_RETRY_SECONDS = 60.0


class Adapter(Protocol):
    platform: str

    async def run(self, moot: Moot) -> None:
        """Serve the platform until cancelled (the console returns at the end of its input)."""
        ...

    async def stop_receiving(self) -> None:
        """At shutdown: take no more updates from the platform, but stay connected so that
        the outbox can still send. Updates not taken wait at the platform for the next start."""
        ...


async def supervise(
    adapter: Adapter, moot: Moot, *, first_retry: float = FIRST_RETRY_SECONDS
) -> None:
    """Run an adapter; when it fails, log it and start it again with exponential backoff.

    One platform failing never stops the others: each adapter has its own supervisor.
    """
    delay = first_retry
    while True:
        try:
            await adapter.run(moot)
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s adapter stopped; reconnecting in %.0f s", adapter.platform, delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, LONGEST_RETRY_SECONDS)
