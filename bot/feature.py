"""A feature is one package under `bot/`: its commands and the kinds of scheduled job it runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot.commands import Command

if TYPE_CHECKING:
    from bot.core import Moot

JobHandler = Callable[["Moot", Mapping[str, Any]], Awaitable[None]]
# Inside the write that links two accounts: move this feature's rows from one person to another.
PersonMerge = Callable[[Session, int, int], None]


@dataclass(frozen=True)
class Feature:
    name: str
    commands: tuple[Command, ...]
    jobs: Mapping[str, JobHandler] = field(default_factory=dict)
    merge_people: PersonMerge | None = None
