"""Several real `moot` processes on one PostgreSQL database (docs/operating.md, "Several
processes"): each role has one holder, and when the holder is killed another process takes its
roles over within the lease's 15 seconds and one try."""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path

from tests.test_cli import moot
from tests.test_single_process import Console

HELD = re.compile(r"^- (?P<role>\S+): held by (?P<holder>\S+) \(epoch (?P<epoch>\d+)\)")
TAKE_OVER_WITHIN = 25.0  # a lease runs 15 s and the others try every 5 s; slack for a busy CI


def holders(cwd: Path, url: str) -> dict[str, tuple[str, int]]:
    """`moot status`, read: role -> (holder's process id, epoch)."""
    status = moot(["status"], cwd, env={"DATABASE_URL": url})
    assert status.returncode == 0, status.stderr
    found = {}
    for line in status.stdout.splitlines():
        if (match := HELD.match(line)) is not None:
            process = match["holder"].split("/")[1]
            found[match["role"]] = (process, int(match["epoch"]))
    return found


def test_a_killed_holders_roles_move_to_another_process(postgres_url: str, tmp_path: Path) -> None:
    settings = {"DATABASE_URL": postgres_url}
    for folder in ("first", "second"):
        (tmp_path / folder).mkdir()
    first = Console(tmp_path / "first", settings)
    second: Console | None = None
    try:
        first.say("/setup Elm Court", then="home of Elm Court")
        second = Console(tmp_path / "second", settings)
        second.say("/whoami", then="Elm Court (current)")
        one, two = str(first.process.pid), str(second.process.pid)
        assert holders(tmp_path, postgres_url) == {
            "outbox:console": (one, 1),
            "scheduler": (one, 1),
        }

        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=30)
        killed = time.monotonic()
        while holders(tmp_path, postgres_url) != {
            "outbox:console": (two, 2),
            "scheduler": (two, 2),
        }:
            assert time.monotonic() - killed < TAKE_OVER_WITHIN, holders(tmp_path, postgres_url)
            time.sleep(0.5)
        second.say("/whoami", then="Elm Court (current)")  # it serves on
        assert second.finish() == 0
    finally:
        for console in (first, second):
            if console is not None:
                console.close()
