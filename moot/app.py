"""Wiring: the store, the core and the adapters in one process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from adapters.base import Adapter, supervise
from bot.clock import Clock
from bot.core import Moot
from bot.features import ALL_FEATURES
from storage.migrate import upgrade
from storage.store import Store

log = logging.getLogger(__name__)


async def build_moot(database_url: str, clock: Clock) -> Moot:
    """Migrate the database, then start the core (which re-arms every scheduled job)."""
    await asyncio.to_thread(upgrade, database_url)
    moot = Moot(Store(database_url), clock, ALL_FEATURES)
    await moot.start()
    return moot


async def serve(moot: Moot, adapters: Sequence[Adapter]) -> None:
    """Run every adapter until one of them finishes (the console at end of input) or cancel."""
    tasks = [
        asyncio.create_task(supervise(a, moot), name=f"adapter-{a.platform}") for a in adapters
    ]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await moot.stop()
