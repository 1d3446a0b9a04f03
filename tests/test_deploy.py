"""The deployment files operators are pointed to (docs/operating.md, "Running several
processes"): the Dockerfile builds from files that are there and runs a command Moot has, and
the systemd unit runs that command and waits long enough for a clean stop."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from bot.core import FLUSH_SECONDS
from bot.leases import HANDOVER_SECONDS, RELEASE_WITHIN_SECONDS
from moot.app import STOP_RECEIVING_SECONDS
from tests.test_cli import moot

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()
UNIT = (ROOT / "docs" / "deploy" / "moot@.service").read_text()


def instruction(name: str) -> list[str]:
    """Every `name` instruction of the Dockerfile, its lines joined."""
    joined = DOCKERFILE.replace("\\\n", " ")
    return [line.split(None, 1)[1] for line in joined.splitlines() if line.startswith(name + " ")]


def setting(name: str) -> str:
    (value,) = re.findall(rf"^{name}=(.*)$", UNIT, re.MULTILINE)
    return str(value)


def test_the_dockerfile_copies_only_files_there_and_not_ignored() -> None:
    ignored = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    copied = [source for copy in instruction("COPY") for source in copy.split()[:-1]]
    assert "requirements/runtime.lock" in copied  # the locked, hash-checked requirements
    for source in copied:
        assert (ROOT / source).exists(), f"the Dockerfile copies {source}, which is not there"
        assert source.split("/")[0] not in ignored, f".dockerignore leaves {source} out"


def test_the_container_and_the_unit_run_a_command_moot_has(tmp_path: Path) -> None:
    (command,) = instruction("CMD")
    assert json.loads(command)[:3] == ["python", "-m", "moot"]
    from_unit = shlex.split(setting("ExecStart"))
    assert from_unit[0].endswith("/moot")
    for args in (json.loads(command)[3:], from_unit[1:]):
        shown = moot([*args, "--help"], tmp_path)
        assert shown.returncode == 0, shown.stderr
        assert shown.stdout.startswith(f"usage: moot {' '.join(args)}")


def test_the_unit_waits_for_a_clean_stop_with_a_handover() -> None:
    """A clean stop: the adapters stop taking updates, the outbox is flushed, the scheduler's
    holder waits for another to take over and hands its secret ballots over, the leases are
    given up (each within a bound); systemd must not kill it before."""
    longest = STOP_RECEIVING_SECONDS + FLUSH_SECONDS + HANDOVER_SECONDS + 4 * RELEASE_WITHIN_SECONDS
    assert setting("KillSignal") == "SIGTERM"
    assert float(setting("TimeoutStopSec")) > longest
    assert setting("Restart") == "on-failure"
