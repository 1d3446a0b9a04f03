"""A feature is one package under `bot/`: its commands, the kinds of scheduled job it runs, and
the live messages it renders when the outbox sends them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.commands import Command
from bot.events import Reply
from bot.pages import Page, Panel
from bot.runtime import FeatureState, PersonExport, PersonForget, PersonMerge, Runtime
from storage.outbox import OutboxEntry

JobHandler = Callable[[Runtime, Mapping[str, Any]], Awaitable[None]]
# Renders an outbox entry's `live` key ("poll-card:17" -> renderer "poll-card", key "17") at the
# moment it is sent; None when there is nothing to send any more.
LiveRenderer = Callable[[Runtime, str], Awaitable[Reply | None]]
# Inside a write: a message `about` this feature's kind ("repair-tenant:17") failed for good;
# say so where it helps (the triage chat, for a tenant who cannot be reached).
Undelivered = Callable[[Session, OutboxEntry, datetime], None]
# Inside a write: a chat on `platform` changed its id from the first to the second.
ChatMove = Callable[[Session, str, str, str], None]
# At start-up, before scheduled work is caught up: settle what an earlier process left unfinished.
CatchUp = Callable[[Runtime], Awaitable[None]]
# At a clean stop, once this process has given the scheduler's role up to other processes on
# the database: pass what only this process can read to whichever takes that role up, waiting
# for it for up to the seconds given (bot/core.py `Moot._hand_over`).
HandOver = Callable[[Runtime, float], Awaitable[None]]


@dataclass(frozen=True)
class Feature:
    name: str
    commands: tuple[Command, ...]
    jobs: Mapping[str, JobHandler] = field(default_factory=dict)
    merge_people: PersonMerge | None = None
    renderers: Mapping[str, LiveRenderer] = field(default_factory=dict)
    move_chat: ChatMove | None = None
    catch_up: CatchUp | None = None
    hand_over: HandOver | None = None
    # By the kind before the colon in an outbox entry's `about`.
    undelivered: Mapping[str, Undelivered] = field(default_factory=dict)
    export_person: PersonExport | None = None
    forget_person: PersonForget | None = None
    # What the feature keeps in memory, built at start-up from its settings (bot/runtime.py).
    state: FeatureState[Any, Any] | None = None
    # Its web pages and its part of a community's home page (bot/pages.py, adapters/web).
    pages: tuple[Page, ...] = ()
    panels: tuple[Panel, ...] = ()
