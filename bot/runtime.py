"""What a feature may use of the running core: the `Runtime` its handlers, jobs and renderers get.

Features read and write through the single writer, read the clock, start background work, look
up a connected platform's outlet, and reach their own per-process state. They do not get the
store, the scheduler or the outbox themselves; those belong to the core (bot/core.py `Moot`,
the one class that provides this protocol).

Feature state. A feature that keeps something in memory for the life of the process (ballots
being filled in, a cache, locks) declares a `FeatureState` in its manifest (`Feature.state`):
a typed key that carries the settings the feature accepts, with their defaults, and the start
hook that builds the state from the runtime and those settings. The core calls every start
hook once when it is built, with the settings the application gave it for that feature
(`Moot(..., settings=[PollsSettings(...)])`, matched by type) or else the declared defaults.
The feature then reaches its state through the same key, `runtime.state(KEY)`, typed as what
its start hook returns; no feature can read or change another's state without importing its
key, and the application configures a feature only through its declared settings.

This module imports nothing of the core, so the core, the context, the feature manifest, the
scheduler and the outbox all depend on it rather than on each other.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from sqlmodel import Session

from bot.clock import Clock
from bot.commands import Command
from bot.metrics import Counts
from bot.outlet import Outlet
from storage.writer import Batched

T = TypeVar("T")
S = TypeVar("S")  # a feature's state
C = TypeVar("C")  # the settings a feature declares

# Inside a write: two people became one (source into target). Returns what the person should
# hear about it (which vote was kept, say).
PersonMerge = Callable[[Session, int, int, datetime], list[str]]
# Inside a read: what a feature holds about one person, for their own copy (JSON-able).
PersonExport = Callable[[Session, int], Mapping[str, Any]]
# Inside a write: remove or anonymise what a feature holds about a person who asked to be
# forgotten; the files to delete once the write has committed.
# Given the runtime, to reach the feature's own state (where its files are kept).
PersonForget = Callable[["Runtime", Session, int, datetime], list[Path]]


@dataclass(frozen=True)
class PersonHooks:
    """What every feature says about a person, for identity (merges) and privacy (the rest)."""

    merges: tuple[PersonMerge, ...]
    exports: tuple[tuple[str, PersonExport], ...]  # by feature name
    forgets: tuple[PersonForget, ...]


@dataclass(frozen=True, eq=False)
class FeatureState(Generic[S, C]):
    """A feature's per-process state: the key to it, the settings it is built from (`defaults`,
    a frozen dataclass the application may replace with its own instance), and `start`, which
    builds it once the core exists. Compared by identity: one key, one state per runtime."""

    name: str
    defaults: C
    start: Callable[[Runtime, C], S]


class Runtime(Protocol):
    """The narrow view of the core that features use."""

    @property
    def clock(self) -> Clock: ...

    async def read(self, query: Callable[[Session], T]) -> T: ...

    async def write(
        self, op: Callable[[Session], T], *, long: bool = False, batched: Batched | None = None
    ) -> T: ...

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` in the background; the core waits for it before stopping."""

    def outlet(self, platform: str) -> Outlet | None:
        """The connected adapter for `platform`, if any (for what only some platforms offer)."""

    async def compact(self) -> None:
        """Rewrite the database so that what was overwritten lingers nowhere (privacy)."""

    @property
    def commands(self) -> Sequence[Command]:
        """Every command, by name (for /help)."""

    @property
    def people(self) -> PersonHooks:
        """What each feature holds about a person, to merge, export or forget it."""

    @property
    def counts(self) -> Counts:
        """What the core counts for operators' metrics (bot/metrics.py)."""

    @property
    def keeps_seal_batches(self) -> bool:
        """Whether the store keeps, beyond `compact`'s reach, which secret ballots were sealed
        together and when (PostgreSQL's WAL and backups do: docs/secret-ballots.md; SQLite's
        file and log do not)."""

    @property
    def database_file(self) -> Path | None:
        """The SQLite file, for settings whose default lies beside it (None: there is none)."""

    def state(self, key: FeatureState[S, Any]) -> S:
        """The state the feature declared with `key`, as its start hook built it."""
