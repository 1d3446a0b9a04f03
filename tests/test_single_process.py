"""One serving Moot per SQLite file, as an operator meets it: real `moot` processes."""

from __future__ import annotations

import os
import select
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.test_cli import moot


class Console:
    """A `moot chat` kept running: its standard input stays open until `finish`."""

    def __init__(self, cwd: Path, settings: dict[str, str] | None = None) -> None:
        env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
        env = {k: v for k, v in env.items() if k != "DATABASE_URL"} | {"WEB_PORT": "0"}
        env |= settings or {}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moot", "chat"],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.seen = b""

    def say(self, line: str, then: str, within: float = 30) -> None:
        """Type a line and wait for Moot's answer to contain `then`."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(line.encode() + b"\n")
        self.process.stdin.flush()
        deadline = time.monotonic() + within
        while then.encode() not in self.seen and time.monotonic() < deadline:
            ready, _, _ = select.select([self.process.stdout], [], [], 0.2)
            if ready:
                self.seen += os.read(self.process.stdout.fileno(), 4096)
        assert then.encode() in self.seen, self.seen[-500:]

    def close(self) -> None:
        """Kill it if a test left it running, and close its pipes."""
        self.process.kill()
        self.process.wait(timeout=30)
        for pipe in (self.process.stdin, self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()

    def finish(self) -> int:
        """End of input: Moot finishes what it has in hand and exits."""
        _, stderr = self.process.communicate(timeout=30)
        assert b"Traceback" not in stderr, stderr.decode()
        return self.process.returncode


@contextmanager
def running(cwd: Path) -> Iterator[Console]:
    console = Console(cwd)
    try:
        console.say("/setup Elm Court", then="home of Elm Court")
        yield console
    finally:
        console.close()


def contents(database: Path) -> tuple[list[str], list[str]]:
    """Every row of the database, as SQL, but the leases the running Moot renews every few
    seconds (bot/leases.py); and who holds those leases."""
    with sqlite3.connect(database) as db:
        rows = [line for line in db.iterdump() if not line.startswith('INSERT INTO "lease"')]
        holders = [holder for (holder,) in db.execute("SELECT holder FROM lease ORDER BY role")]
    return rows, holders


def communities(database: Path) -> list[str]:
    with sqlite3.connect(database) as db:
        return [name for (name,) in db.execute("SELECT name FROM community ORDER BY id")]


def test_a_second_moot_on_the_same_file_refuses_in_one_sentence_and_changes_nothing(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    with running(tmp_path) as first:
        first.say("/whoami", then="Elm Court (current)")
        before = contents(data / "moot.db")
        second = moot(["chat"], tmp_path, stdin="/setup Oak Row\n")
        assert second.returncode == 2
        assert second.stderr == (
            f"moot: Another Moot is already running on data/moot.db (process {first.process.pid});"
            " stop it first, or give this one its own DATABASE_URL.\n"
        )
        assert second.stdout == ""
        # the same file by another name, as `moot run` would serve Discord or Telegram
        other_name = moot(
            ["run"], tmp_path, env={"DATABASE_URL": f"sqlite:///{data}/../data/moot.db"}
        )
        assert other_name.returncode == 2
        assert "Another Moot is already running" in other_name.stderr
        assert contents(data / "moot.db") == before
        first.say("/whoami", then="Elm Court (current)")  # the first serves on, untouched
        assert first.finish() == 0
    assert communities(data / "moot.db") == ["Elm Court"]


def test_one_shot_commands_work_beside_a_running_moot(tmp_path: Path) -> None:
    with running(tmp_path) as first:
        backup = moot(["backup", "copy.db"], tmp_path)
        assert backup.returncode == 0, backup.stderr
        outbox = moot(["outbox"], tmp_path)
        assert outbox.returncode == 0, outbox.stderr
        status = moot(["status"], tmp_path)
        assert status.returncode == 0, status.stderr
        holder = f"/{first.process.pid}/"
        held = [line for line in status.stdout.splitlines() if holder in line]
        assert [line.split(":")[0] for line in held] == ["- outbox", "- scheduler"]
        first.say("/whoami", then="Elm Court (current)")
        assert first.finish() == 0
    assert communities(tmp_path / "copy.db") == ["Elm Court"]
    stopped = moot(["status"], tmp_path).stdout
    assert "- scheduler: free: " in stopped  # given up when it stopped


def test_after_kill_9_the_next_moot_starts_at_once(tmp_path: Path) -> None:
    with running(tmp_path) as first:
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=30)
        after = moot(["chat"], tmp_path, stdin="/whoami\n")
        assert after.returncode == 0, after.stderr
        assert "Elm Court (current)" in after.stdout
