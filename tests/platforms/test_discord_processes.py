"""Two real `moot run` processes serving Discord on one PostgreSQL database, pointed at the fake
Discord by DISCORD_API_BASE (docs/operating.md, "Several processes"): one of them holds the
gateway, and either answers the interactions Discord posts to its web server."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

from tests.discord_harness import TOKEN
from tests.fakes.discord_api import FakeDiscord, Interactions
from tests.test_processes import holders
from tests.web.serving import free_port

ADMIN = 101


async def _answering(api: FakeDiscord, url: str, within: float = 60) -> None:
    """Wait until the process at `url` answers Discord's PING (its web server is up)."""
    ping = {"id": "1", "application_id": "4242", "type": 1, "token": "t", "version": 1}
    deadline = time.monotonic() + within
    while True:
        try:
            if await api.post_interaction(url, ping) == (200, {"type": 1}):
                return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"nothing answers at {url}"
        await asyncio.sleep(0.2)


async def test_one_process_holds_the_gateway_and_either_answers_interactions(
    postgres_url: str, tmp_path: Path
) -> None:
    api = FakeDiscord()
    await api.start()
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
    env |= {
        "DATABASE_URL": postgres_url,
        "DISCORD_TOKEN": TOKEN,
        "DISCORD_API_BASE": api.api_base,
        "DISCORD_PUBLIC_KEY": api.public_key,
        "WEB_HOST": "127.0.0.1",
    }
    ports = [free_port(), free_port()]
    processes = []
    for number, port in enumerate(ports):
        (tmp_path / str(number)).mkdir()
        processes.append(
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "moot",
                "run",
                cwd=tmp_path / str(number),
                env=env | {"WEB_PORT": str(port)},
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        )
    urls = [f"http://127.0.0.1:{port}/discord/interactions" for port in ports]
    logs: list[str] = []
    try:
        for url in urls:
            await _answering(api, url)
        interactions = Interactions()
        setup = interactions.command(
            ADMIN, "Admin", "setup", {"community": "Elm Court"}, admin=True
        )
        status, _ = await api.post_interaction(urls[0], setup)
        assert status == 200
        await api.wait_for("home of Elm Court", within=10)
        opening = interactions.command(ADMIN, "Admin", "joinpolicy", {"policy": "open"}, admin=True)
        status, answer = await api.post_interaction(urls[1], opening)  # the other process
        assert status == 200
        assert "Joining Elm Court is now open" in str(answer)

        deadline = time.monotonic() + 30
        while api.connected != 1:
            assert time.monotonic() < deadline, "no process connected to the gateway"
            await asyncio.sleep(0.2)
        await asyncio.sleep(1)
        assert (api.identified, api.connected) == (1, 1)  # one session for the bot
        held = await asyncio.to_thread(holders, tmp_path, postgres_url)
        assert held["gateway:discord"][0] in {str(p.pid) for p in processes}
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
            logs.append(stderr.decode())
        await api.stop()
    for process, log in zip(processes, logs, strict=True):
        assert process.returncode == 0, log
        assert "Traceback" not in log, log
