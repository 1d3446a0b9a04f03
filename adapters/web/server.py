"""WebServer: the web face, listening beside the chat adapters in the same process.

It runs on the bot's own event loop (aiohttp.web, which discord.py already brings): handlers
only parse, hand the page's read to a worker thread (`moot.read`) and send what it rendered.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from adapters.web.app import application
from adapters.web.site import SITE
from bot.core import Moot

# At shutdown, how long requests under way may take to finish.
STOP_SECONDS = 3.0


class WebServer:
    def __init__(
        self,
        moot: Moot,
        host: str,
        port: int,
        base_url: str,
        *,
        metrics_token: str | None = None,
        secret_key: str | None = None,
        discord_interactions: Handler | None = None,
    ) -> None:
        self.host = host
        self.port = port  # 0: any free port; the bound one once started
        self.base_url = base_url.rstrip("/")
        self.app = application(
            moot,
            secure=self.base_url.startswith("https://"),
            metrics_token=metrics_token,
            secret_key=secret_key,
            discord_interactions=discord_interactions,
        )
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Returns once listening (OSError when the address is taken)."""
        # No access log: sign-in and feed addresses carry secrets.
        runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=STOP_SECONDS)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = runner.addresses[0][1]

    def stopping(self) -> None:
        """Moot has begun to stop: /healthz answers 503 from now on, so that a load balancer
        sends new visitors elsewhere while the pages are still served."""
        self.app[SITE].stopping.set()

    async def stop(self) -> None:
        """Stop listening and let requests under way finish (a few seconds at most)."""
        self.stopping()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
