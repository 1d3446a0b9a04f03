"""Start-up benchmark. Prints, from one run on this machine, beside a bare `python -c pass`
measured in the same run:

- `moot --version` (target: at most 0.3 s);
- the console ready: from starting `moot chat` with `/help` piped in to Moot's answer, on a
  fresh database (target: at most 1.5 s).

Run with `make bench` (or `python -m bench.startup`). `make bench`, like `make run`, first
compiles Moot's own modules to bytecode (only those that changed).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

RUNS = 5


def _timed(args: list[str], cwd: Path, stdin: str = "", until: str | None = None) -> float:
    """Seconds until the command exits, or until its output shows `until`."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
    env["DATABASE_URL"] = f"sqlite:///{cwd / 'moot.db'}"
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


def median_of(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


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
    print(f"bare python start:        {bare * 1000:7.0f} ms (baseline)")
    print(
        f"moot --version:           {version * 1000:7.0f} ms  (x{version / bare:.1f} of baseline; target 300 ms)"
    )
    print(
        f"console ready (fresh db): {ready * 1000:7.0f} ms  (x{ready / bare:.1f} of baseline; target 1500 ms)"
    )


if __name__ == "__main__":
    main()
