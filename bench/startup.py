"""Start-up benchmark. Prints, from one run on this machine, beside a bare `python -c pass`
measured in the same run:

- `moot --version` (target: at most 0.3 s);
- the console ready: from starting `moot chat` with `/help` piped in to Moot's answer, on a
  fresh database (target: at most 1.5 s);
- `moot run` with both platforms configured, Telegram against the fake Bot API
  (tests/fakes/telegram_api.py) and Discord against the fake REST API and gateway
  (tests/fakes/discord_api.py): from starting the process to the fake receiving its first
  `getUpdates` (target, issue 17: at most 1.0 s), on a database migrated by an earlier start (a
  first start on a fresh database, which also migrates it, is shown beside it); and the process's
  resident memory (RSS) once it has sat idle for a few seconds after start-up, Discord connected
  and its commands synced (target: at most 100 MiB). Each target with PASS or MISS.

Discord has no setting for where its API is, so the process is started through a few lines that
point discord.py's REST base and gateway at the fake before running `moot run` (discord.py is
imported a little earlier than Moot would import it; nothing else differs).

Run with `make bench` (or `python -m bench.startup`). `make bench`, like `make run`, first
compiles Moot's own modules to bytecode (only those that changed).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import Call, FakeTelegram
from tests.telegram_harness import TOKEN as TELEGRAM_TOKEN

RUNS = 5
# What `moot run` with both platforms imports from others before any of Moot's own code runs.
LIBRARIES = (
    "discord, discord.gateway, telegram, telegram.ext, telegram.request, httpx, aiohttp, "
    "sqlalchemy.orm, sqlalchemy.dialects.sqlite, sqlalchemy.dialects.postgresql, sqlmodel, "
    "apscheduler.schedulers.asyncio, pydantic_settings"
)
REPORT_RSS = (
    "import re; status = open('/proc/self/status').read(); "
    "print(int(re.search(r'VmRSS:\\s+(\\d+)', status).group(1)) / 1024)"
)
IDLE_SECONDS = 4.0  # after the first getUpdates: Discord's READY waits 2 s for servers first
DISCORD_TOKEN = "MTA" + "a" * 21 + ".Gabcde." + "b" * 27


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _timed(args: list[str], cwd: Path, stdin: str = "", until: str | None = None) -> float:
    """Seconds until the command exits, or until its output shows `until`."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
    env["DATABASE_URL"] = f"sqlite:///{cwd / 'moot.db'}"
    env["WEB_PORT"] = str(_free_port())  # the web pages start too, as with `make run`
    started = time.perf_counter()
    with subprocess.Popen(
        args,
        cwd=cwd,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as process:
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.write(stdin)
        process.stdin.close()
        if until is None:
            process.stdout.read()
            process.wait()
            return time.perf_counter() - started
        for line in process.stdout:
            if until in line:
                break
        elapsed = time.perf_counter() - started
        process.stdout.read()
        process.wait()
    return elapsed


def libraries_alone(cwd: Path) -> tuple[float, float]:
    """Seconds for a process that only imports LIBRARIES, and its RSS in MiB at the end."""
    script = f"import {LIBRARIES}; {REPORT_RSS}"
    seconds = median_of(RUNS, lambda: _timed([sys.executable, "-c", script], cwd))
    output = subprocess.run(
        [sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, check=True
    )
    return seconds, float(output.stdout)


def median_of(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


def rss_mib(pid: int) -> float:
    """The process's resident set size, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/{pid}/status")


async def serve_runs(folder: Path, runs: int) -> list[tuple[float, float, bool]]:
    """Start `moot run` `runs` times, one after another, with both platforms against the same
    fakes; for each: (seconds to the first getUpdates, MiB resident after sitting idle, whether
    Discord connected and synced its commands)."""
    telegram, discord = FakeTelegram(), FakeDiscord()
    await telegram.start()
    await discord.start()
    try:
        return [await serve_once(folder, telegram, discord) for _ in range(runs)]
    finally:
        # A long poll the last process left waiting would hold up a graceful stop.
        for fake in (telegram, discord):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(fake.stop(), 1)


async def serve_once(
    folder: Path, telegram: FakeTelegram, discord: FakeDiscord
) -> tuple[float, float, bool]:
    polled = asyncio.Event()

    def on_request(call: Call) -> None:
        if call.method == "getUpdates":
            polled.set()

    telegram.on_request = on_request
    identified, requests = discord.identified, len(discord.requests)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
    env |= {
        "DATABASE_URL": f"sqlite:///{folder / 'moot.db'}",
        "WEB_PORT": str(_free_port()),
        "TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_BASE_URL": telegram.base_url,
        "DISCORD_TOKEN": DISCORD_TOKEN,
        "DISCORD_API_BASE": discord.api_base,  # the fake's gateway is where its API says
    }
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "moot",
        "run",
        cwd=folder,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await asyncio.wait_for(polled.wait(), 30)
        first_poll = time.perf_counter() - started
        await asyncio.sleep(IDLE_SECONDS)
        resident = rss_mib(process.pid)
        synced = discord.identified > identified and any(
            r.path.endswith("/commands") for r in discord.requests[requests:]
        )
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)  # `moot run` stops cleanly on SIGTERM
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()
    return first_poll, resident, synced


def main() -> None:
    python = sys.executable
    with tempfile.TemporaryDirectory() as folder:
        here = Path(folder)
        bare = median_of(RUNS, lambda: _timed([python, "-c", "pass"], here))
        version = median_of(RUNS, lambda: _timed([python, "-m", "moot", "--version"], here))

        def console() -> float:
            (here / "moot.db").unlink(missing_ok=True)
            return _timed([python, "-m", "moot", "chat"], here, "/help\n", until="Moot")

        ready = median_of(RUNS, console)
        floor_seconds, floor_mib = libraries_alone(here)
        # The first start creates and migrates the database; the others find it ready.
        (fresh, _, _), *served = asyncio.run(serve_runs(here, 1 + RUNS))
    first_poll = statistics.median(s[0] for s in served)
    resident = statistics.median(s[1] for s in served)
    connected = sum(s[2] for s in served)

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "MISS"

    print(f"bare python start:        {bare * 1000:7.0f} ms (baseline)")
    print(
        f"moot --version:           {version * 1000:7.0f} ms  (x{version / bare:.1f} of baseline)  "
        f"target <= 300 ms  {verdict(version <= 0.3)}"
    )
    print(
        f"console ready (fresh db): {ready * 1000:7.0f} ms  (x{ready / bare:.1f} of baseline)  "
        f"target <= 1500 ms  {verdict(ready <= 1.5)}"
    )
    print(
        "moot run, Telegram and Discord configured (fake APIs), median of "
        f"{RUNS}; Discord connected and synced in {connected} of {RUNS}:"
    )
    print(
        f"TARGET start-up to the first getUpdates      {first_poll * 1000:7.0f} ms  "
        f"target <= 1000 ms  {verdict(first_poll <= 1.0)}  "
        f"(first start on a fresh database, migrating it: {fresh * 1000:.0f} ms)"
    )
    print(
        f"TARGET idle memory (RSS) after start-up      {resident:7.1f} MiB  "
        f"target <= 100 MiB  {verdict(resident <= 100)}  (after {IDLE_SECONDS:.0f} s idle)"
    )
    print(
        f"  their floor, the libraries alone imported:  {floor_seconds * 1000:7.0f} ms, "
        f"{floor_mib:.1f} MiB  (Moot's own share: {(first_poll - floor_seconds) * 1000:.0f} ms, "
        f"{resident - floor_mib:.1f} MiB)"
    )


if __name__ == "__main__":
    main()
