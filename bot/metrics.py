"""What the core counts as it works, for operators (Prometheus, through adapters/web/metrics.py).

Plain counters in memory, since this process started, incremented on the event loop: they cost
an addition, need no library, and start again at zero with the process, as Prometheus expects
of a counter (its rate() copes with restarts). What the store already knows (the outbox's depth,
the scheduler's lag) is not counted here but read at scrape time.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Counts:
    # Commands Moot was asked to run, by name (unknown names are not counted, so the names are
    # those Moot declares, a bounded set).
    commands: Counter[str] = field(default_factory=Counter)
    # Commands that failed with an unexpected error (the actor was told something went wrong).
    command_errors: int = 0
    # Votes committed (each secret ballot too, when it is held for sealing).
    votes: int = 0

    def command(self, name: str) -> None:
        self.commands[name] += 1

    def command_failed(self) -> None:
        self.command_errors += 1

    def voted(self) -> None:
        self.votes += 1
