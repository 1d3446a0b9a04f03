"""Several real `moot run` processes on one PostgreSQL database, as an operator deploys them
(docs/operating.md, "Running several processes"): Telegram in webhook mode against the fake Bot
API (tests/fakes/telegram_api.py), behind a small round-robin proxy that skips a process that is
down, as a load balancer's health check would."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bench.stores import connected
from tests.discord_harness import TOKEN as DISCORD_TOKEN
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.loopback import serve
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_harness import TOKEN

WEBHOOK_SECRET = "cluster-test-secret"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
FORWARDED = (SECRET_HEADER, "X-Signature-Ed25519", "X-Signature-Timestamp", "Content-Type")
# A lease runs 12 s and the others try every 3 s: a role moves within 15 s of its holder's
# death (bot/leases.py); the rest is slack for a busy two-core CI machine.
TAKE_OVER_WITHIN = 20.0
READY_WITHIN = 60.0  # seconds for a process to start serving, on a busy two-core machine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Process:
    """One `moot run`, with its own folder, log and ports."""

    name: str
    folder: Path
    webhook_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    popen: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        return self.folder / "moot.log"

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid


class Cluster:
    """N processes with one configuration; `deliver` posts an update as Telegram would."""

    def __init__(
        self,
        url: str,
        telegram: FakeTelegram,
        folder: Path,
        size: int,
        discord: FakeDiscord | None = None,
    ) -> None:
        self.url, self.telegram, self.discord = url, telegram, discord
        self.processes = [Process(f"moot-{i + 1}", folder / f"moot-{i + 1}") for i in range(size)]
        self._turn = count()
        self._proxy: web.AppRunner | None = None
        self.proxy_port = 0
        self._http: aiohttp.ClientSession | None = None

    # --- life cycle -------------------------------------------------------------------------

    def environment(self, process: Process) -> dict[str, str]:
        inherited = {
            k: v for k, v in os.environ.items() if not k.endswith("_TOKEN") and k != "DATABASE_URL"
        }
        return (
            inherited
            | {
                "DATABASE_URL": self.url,
                "TELEGRAM_TOKEN": TOKEN,
                "TELEGRAM_BASE_URL": self.telegram.base_url,
                "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{self.proxy_port}/telegram",
                "TELEGRAM_WEBHOOK_PORT": str(process.webhook_port),
                "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
                "SECRET_KEY": "cluster-test-key-shared-by-every-process",
                "WEB_PORT": str(process.web_port),
                "LOG_LEVEL": "WARNING",
            }
            | self._discord_settings()
        )

    def _discord_settings(self) -> dict[str, str]:
        """Discord too, when the cluster has its fake: interactions come to the web server."""
        if self.discord is None:
            return {}
        return {
            "DISCORD_TOKEN": DISCORD_TOKEN,
            "DISCORD_API_BASE": self.discord.api_base,
            "DISCORD_PUBLIC_KEY": self.discord.public_key,
        }

    async def start(self, process: Process) -> None:
        """Start `process` and return once its web server and its webhook both answer."""
        process.folder.mkdir(parents=True, exist_ok=True)
        with process.log.open("ab") as log:
            process.popen = subprocess.Popen(  # noqa: ASYNC220 (it returns at once)
                [sys.executable, "-m", "moot", "run"],
                cwd=process.folder,
                env=self.environment(process),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        started = time.monotonic()
        while not await self._ready(process):
            assert process.running, f"{process.name} exited:\n{process.output()[-3000:]}"
            assert time.monotonic() - started < READY_WITHIN, process.output()[-3000:]
            await asyncio.sleep(0.2)

    async def _ready(self, process: Process) -> bool:
        try:
            async with self.http.get(f"http://127.0.0.1:{process.web_port}/healthz") as health:
                body = await health.json()
            wanted = {"telegram"} | ({"discord"} if self.discord is not None else set())
            if health.status != 200 or not wanted <= set(body["connected"]):
                return False
            # The webhook listens once the adapter has started receiving: an empty POST
            # without the secret is refused there (403), which is all this asks.
            async with self.http.post(f"http://127.0.0.1:{process.webhook_port}/telegram") as hook:
                return hook.status == 403
        except (aiohttp.ClientError, OSError, ValueError):
            return False

    def kill(self, process: Process) -> None:
        """kill -9: no clean-up of any kind."""
        assert process.popen is not None
        process.popen.send_signal(signal.SIGKILL)
        process.popen.wait(timeout=30)

    async def stop(self, process: Process, within: float = 60) -> int:
        """A clean stop (SIGTERM, as systemd and docker send): its exit status."""
        assert process.popen is not None
        process.popen.send_signal(signal.SIGTERM)
        started = time.monotonic()
        while process.popen.poll() is None:
            assert time.monotonic() - started < within, f"{process.name} did not stop"
            await asyncio.sleep(0.1)
        return process.popen.returncode

    @property
    def http(self) -> aiohttp.ClientSession:
        assert self._http is not None
        return self._http

    # --- Telegram's side --------------------------------------------------------------------

    async def deliver(self, update: dict[str, Any], to: Process | None = None) -> int:
        """Post `update` as Telegram does: through the proxy, or to one process directly.
        Telegram posts an update again until it is answered 2xx; so does this, a few times."""
        url = (
            f"http://127.0.0.1:{self.proxy_port}/telegram"
            if to is None
            else f"http://127.0.0.1:{to.webhook_port}/telegram"
        )
        status = 0
        for _ in range(5):
            try:
                async with self.http.post(
                    url, json=update, headers={SECRET_HEADER: WEBHOOK_SECRET}
                ) as answer:
                    status = answer.status
            except aiohttp.ClientError:
                status = 0
            if 200 <= status < 300:
                return status
            await asyncio.sleep(0.5)
        return status

    async def interact(
        self, payload: dict[str, Any], to: Process | None = None
    ) -> tuple[int, dict[str, Any]]:
        """Post a Discord interaction as Discord does (signed, through the proxy or to one
        process's web server); the status and the answer in the HTTP response."""
        assert self.discord is not None
        port = self.proxy_port if to is None else to.web_port
        return await self.discord.post_interaction(
            f"http://127.0.0.1:{port}/discord/interactions", payload
        )

    async def _forward(self, request: web.Request) -> web.Response:
        """Round robin over the processes, skipping one that does not answer: Telegram's posts
        to their webhook ports, Discord's to their web servers."""
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k in FORWARDED}
        for _ in self.processes:
            process = self.processes[next(self._turn) % len(self.processes)]
            port = process.webhook_port if request.path == "/telegram" else process.web_port
            try:
                async with self.http.post(
                    f"http://127.0.0.1:{port}{request.path}", data=body, headers=headers
                ) as answer:
                    return web.Response(
                        status=answer.status,
                        body=await answer.read(),
                        content_type=answer.content_type,
                    )
            except aiohttp.ClientError:
                continue
        return web.Response(status=502)

    async def _start_proxy(self) -> None:
        app = web.Application()
        app.router.add_post("/telegram", self._forward)
        app.router.add_post("/discord/interactions", self._forward)
        self._proxy, self.proxy_port = await serve(app)

    # --- as a whole -------------------------------------------------------------------------

    async def open(self) -> None:
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        await self._start_proxy()
        for process in self.processes:
            await self.start(process)

    async def close(self) -> None:
        for process in self.processes:
            if process.running:
                assert process.popen is not None
                process.popen.kill()
                process.popen.wait(timeout=30)
        if self._proxy is not None:
            await self._proxy.cleanup()
        if self._http is not None:
            await self._http.close()

    def holders(self) -> dict[str, Process]:
        """Each role whose lease is live, to the process of this cluster holding it."""
        by_pid = {p.pid: p for p in self.processes if p.popen is not None}
        return {role: by_pid[pid] for role, pid in holders(self.url).items() if pid in by_pid}

    async def taken_over(
        self, role: str, dead: Process, within: float = TAKE_OVER_WITHIN
    ) -> Process:
        """Once another process holds `role`, it; fails if that takes longer than `within`."""
        started = time.monotonic()
        while (holder := self.holders().get(role)) in (None, dead):
            assert time.monotonic() - started < within, f"nobody took {role} over"
            await asyncio.sleep(0.2)
        assert holder is not None
        return holder

    def tracebacks(self) -> list[str]:
        """Every process's log, where it shows a traceback, and the fake Telegram's own errors
        (a request it failed on shows in a process's log too)."""
        logs = [p.output()[-4000:] for p in self.processes if "Traceback" in p.output()]
        return [*self.telegram.failures, *logs]


def holders(url: str) -> dict[str, int]:
    """Role -> the process id of its holder, for the roles whose lease has not run out (the lease
    table, as `moot status` reads it; a holder is named host/pid/random)."""
    with connected(url) as db:
        rows = db.execute("SELECT role, holder FROM lease WHERE expires_at > ?", (time.time(),))
        return {role: int(holder.split("/")[1]) for role, holder in rows}


@asynccontextmanager
async def cluster(
    url: str,
    folder: Path,
    size: int = 3,
    admins: set[tuple[int, int]] | None = None,
    *,
    discord: bool = False,
) -> AsyncIterator[Cluster]:
    """A fake Telegram (and with `discord`, a fake Discord) and `size` processes serving them
    from one database; torn down after."""
    telegram = FakeTelegram(admins=admins or set())
    fake_discord = FakeDiscord() if discord else None
    await telegram.start()
    if fake_discord is not None:
        await fake_discord.start()
    running = Cluster(url, telegram, folder, size, fake_discord)
    try:
        await running.open()
        yield running
    finally:
        await running.close()
        await telegram.stop()
        if fake_discord is not None:
            await fake_discord.stop()
