"""Wiring: the store, the core and the adapters in one process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.base import Adapter, supervise
from bot.clock import Clock
from bot.core import Moot
from bot.features import ALL_FEATURES
from bot.polls.live import PollsSettings
from bot.polls.sealing import DEFAULT_BATCH
from bot.repairs.photos import RepairsSettings
from bot.web.settings import WebSettings
from moot.heap import freeze_what_lives_for_good
from moot.settings import SettingsError
from storage.migrate import upgrade
from storage.store import Store

if TYPE_CHECKING:
    from adapters.web.server import WebServer

log = logging.getLogger(__name__)

STOP_RECEIVING_SECONDS = 3.0
CONNECT_SECONDS = 10.0


async def build_moot(
    database_url: str,
    clock: Clock,
    *,
    secret_ballot_batch: int = DEFAULT_BATCH,
    photo_folder: Path | None = None,
    web_base_url: str = WebSettings.base_url,
) -> Moot:
    """Migrate the database and open the store; `serve` catches up on scheduled work once the
    platforms have had their chance to connect."""
    await asyncio.to_thread(upgrade, database_url)
    polls = PollsSettings(secret_ballot_batch=secret_ballot_batch)
    repairs = RepairsSettings(photo_folder=photo_folder)
    web = WebSettings(base_url=web_base_url)
    moot = Moot(Store(database_url), clock, ALL_FEATURES, settings=[polls, repairs, web])
    await moot.start(catch_up=False)
    return moot


async def serve(moot: Moot, adapters: Sequence[Adapter], web: WebServer | None = None) -> None:
    """Run every adapter, and the web pages if given, until an adapter finishes (the console
    at end of input) or cancel.

    Stopping goes in order: the adapters stop taking updates and the web pages stop taking
    requests (those under way finish); the core finishes the events in hand, stops the
    scheduler and sends what the outbox can while the platforms are still connected (a few
    seconds at most); only then do the adapters disconnect. Whatever was not sent stays in
    the outbox for the next start.
    """
    tasks = [
        asyncio.create_task(supervise(a, moot), name=f"adapter-{a.platform}") for a in adapters
    ]
    try:
        if web is not None:
            await _listen(web)
        await _connected(moot, {a.platform for a in adapters}, tasks)
        await moot.catch_up()
        freeze_what_lives_for_good()
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if web is not None:
            web.stopping()
        await _stop_receiving(adapters)
        if web is not None:
            await web.stop()
        await moot.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _listen(web: WebServer) -> None:
    try:
        await web.start()
    except OSError as error:
        raise SettingsError(
            f"Cannot serve the web pages on {web.host}:{web.port} ({error.strerror or error}); "
            "set WEB_PORT to a free port, or to 0 for no web pages."
        ) from error
    log.info("Web pages at %s", web.base_url)


async def _connected(moot: Moot, platforms: set[str], tasks: Sequence[asyncio.Task[None]]) -> None:
    """Start in order: give every platform up to `CONNECT_SECONDS` to connect before scheduled
    work catches up, so what fell due while Moot was down goes out promptly. A platform still
    down then does not hold up the others: its deliveries wait in the outbox."""
    deadline = asyncio.get_running_loop().time() + CONNECT_SECONDS
    while not platforms <= moot.outbox.connected and not any(t.done() for t in tasks):
        if asyncio.get_running_loop().time() > deadline:
            log.warning("starting without %s", ", ".join(sorted(platforms - moot.outbox.connected)))
            return
        await asyncio.sleep(0.05)


async def _stop_receiving(adapters: Sequence[Adapter]) -> None:
    async def one(adapter: Adapter) -> None:
        try:
            await asyncio.wait_for(adapter.stop_receiving(), STOP_RECEIVING_SECONDS)
        except Exception:
            log.warning("%s did not stop receiving cleanly", adapter.platform, exc_info=True)

    await asyncio.gather(*(one(a) for a in adapters))
