"""Telegram's webhook, served by Moot itself: an update is answered 200 only once it has been
handled, so that if this process dies first, Telegram posts it again (to whichever process the
load balancer picks, where the replay guard, bot/identity/arrival.py, makes sure it counts once).

python-telegram-bot's own webhook server answers 200 as soon as an update is queued, and an
update queued in a process that is then killed is lost for good: a vote, a report. It also
registers the webhook before its server listens; this one listens first.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from telegram import Bot, Update

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# A stopping process finishes the updates it has in hand for at most this long.
FINISH_WITHIN_SECONDS = 20.0


class WebhookServer:
    """POST `path` on `listen`:`port`: the update, handled by `process`, then 200."""

    def __init__(
        self,
        bot: Bot,
        process: Callable[[Update], Awaitable[None]],
        *,
        path: str,
        secret: str,
    ) -> None:
        self._bot, self._process, self._secret = bot, process, secret
        self._path = "/" + path.lstrip("/")
        self._runner: web.AppRunner | None = None

    async def start(self, listen: str, port: int) -> None:
        app = web.Application(client_max_size=1024**2)
        app.router.add_post(self._path, self._receive)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=FINISH_WITHIN_SECONDS)
        await self._runner.setup()
        await web.TCPSite(self._runner, listen, port).start()

    async def stop(self) -> None:
        """Stop taking updates, and finish those in hand."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), self._secret):
            return web.Response(status=403)
        try:
            update = Update.de_json(json.loads(await request.read()), self._bot)
        except (ValueError, TypeError, KeyError) as error:
            log.warning("Telegram webhook: an update that could not be read: %s", error)
            return web.Response(status=400)
        await self._process(update)
        return web.Response()
