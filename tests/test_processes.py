"""Several real `moot` processes on one PostgreSQL database (docs/operating.md, "Several
processes"): each role has one holder, and when the holder is killed another process takes its
roles over within the lease's 15 seconds and one try; when the sealer stops cleanly, the next
seals the secret ballots it held."""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path

from tests.test_cli import moot
from tests.test_single_process import Console

HELD = re.compile(r"^- (?P<role>\S+): held by (?P<holder>\S+) \(epoch (?P<epoch>\d+)\)")
TAKE_OVER_WITHIN = 20.0  # a lease runs 12 s and the others try every 3 s; slack for a busy CI


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


def test_a_clean_stop_of_the_sealer_hands_its_secret_ballots_to_the_next(
    postgres_url: str, tmp_path: Path
) -> None:
    """A step of a rolling restart: the process that seals stops cleanly while another runs;
    the ballots it held are sealed by the other and count, and nobody is asked to cast again."""
    settings = {"DATABASE_URL": postgres_url}
    for folder in ("first", "second"):
        (tmp_path / folder).mkdir()
    said: list[bytes] = []

    def answer(console: Console, line: str, then: str) -> None:
        console.seen = b""
        console.say(line, then)
        said.append(console.seen)

    first = Console(tmp_path / "first", settings)
    second: Console | None = None
    try:
        answer(first, "/setup Elm Court", "home of Elm Court")
        answer(first, "/joinpolicy open", "open")
        answer(first, "/poll Chair? | Oak | Elm | secret | ballot", "Draft poll #1")
        answer(first, "/publish 1", "Poll #1 is open")
        second = Console(tmp_path / "second", settings)
        for name, on in (("Ann", first), ("Bea", second), ("Cal", second)):
            answer(on, f":as {name}", f"You are now {name}")
            answer(on, "/join", "Elm Court")
            answer(on, ":dm /vote 1 1", "Cast it?")
            answer(on, ":dm /cast 1.1 1", "is cast")
        assert first.finish() == 0  # three ballots held for its key, fewer than a batch
        assert holders(tmp_path, postgres_url)["scheduler"][0] == str(second.process.pid)
        answer(second, ":as Host", "You are now Host")
        answer(second, "/close 1", "Poll #1 is closed")
        answer(second, "/results 1", "Turnout: 3 of 4")
        assert "Oak — 3 votes".encode() in said[-1]
        assert not any(b"was lost" in output for output in said)
        assert second.finish() == 0
    finally:
        for console in (first, second):
            if console is not None:
                console.close()
