"""The addresses for whoever runs Moot rather than for residents (docs/operating.md).

/healthz  whether this process can serve: for load balancers and orchestrators, open to anyone,
          so it says nothing about anyone (a status, a reason, the platforms connected)
/metrics  Prometheus metrics (adapters/web/metrics.py), only with the metrics token

Neither writes, nor touches the rendered pages; both answer whatever the communities chose for
their own pages.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4
from sqlalchemy import text
from sqlmodel import Session

from adapters.web.metrics import authorised
from adapters.web.site import SITE
from bot.core import Moot

log = logging.getLogger(__name__)

# How long the store may take to answer the health check's read before the process is
# reported unavailable: a load balancer probes every few seconds and must not wait on us.
STORE_WITHIN_SECONDS = 1.0


class StoreProbe:
    """The health check's read of the store, one at a time: while one hangs (the server is
    unreachable), later probes wait on it rather than each holding a worker thread."""

    def __init__(self) -> None:
        self._read: asyncio.Task[None] | None = None

    async def answers(self, moot: Moot, within: float) -> None:
        """Returns when the store answered; TimeoutError past `within`, or the read's error."""
        if self._read is None or self._read.done():
            self._read = asyncio.ensure_future(moot.read(_answers))
            self._read.add_done_callback(_retrieved)
        async with asyncio.timeout(within):
            await asyncio.shield(self._read)


PROBE = web.AppKey("store_probe", StoreProbe)


async def healthz(request: web.Request) -> web.Response:
    site = request.app[SITE]
    moot = site.moot
    connected = sorted(moot.outbox.connected)
    if site.stopping.is_set() or moot.stopping:
        return _health(503, connected, "Moot is stopping")
    try:
        await request.app[PROBE].answers(moot, STORE_WITHIN_SECONDS)
    except TimeoutError:
        return _health(503, connected, "the store did not answer within a second")
    except Exception as error:
        log.debug("health check: the store cannot be read", exc_info=True)
        return _health(503, connected, f"the store cannot be read ({type(error).__name__})")
    return _health(200, connected, None)


def _answers(session: Session) -> None:
    session.connection().execute(text("SELECT 1")).one()


def _retrieved(read: asyncio.Task[None]) -> None:
    """A read that ended after every probe stopped waiting: its error was answered already."""
    if not read.cancelled():
        read.exception()


def _health(status: int, connected: list[str], reason: str | None) -> web.Response:
    body: dict[str, object] = {"status": "ok" if reason is None else "unavailable"}
    if reason is not None:
        body["reason"] = reason
    body["connected"] = connected
    return web.json_response(body, status=status)


async def metrics(request: web.Request) -> web.Response:
    site = request.app[SITE]
    if not authorised(request, site.metrics_token):
        raise web.HTTPNotFound()  # the same page as any address that is not there
    body = await site.metrics.exposition()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4})
