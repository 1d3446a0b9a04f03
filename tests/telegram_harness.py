"""Runs the Telegram adapter, polling a fake Bot API on 127.0.0.1 over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta

from adapters.telegram.adapter import TelegramAdapter, TelegramOptions
from bot.core import Moot
from tests.fakes.telegram_api import FakeTelegram, Updates

TOKEN = "123456:" + "A" * 35


@asynccontextmanager
async def telegram_adapter(
    moot: Moot,
    admins: set[tuple[int, int]] | None = None,
    *,
    options: TelegramOptions | None = None,
    wait_for: str = "setMyCommands",
    api: FakeTelegram | None = None,
) -> AsyncIterator[tuple[FakeTelegram, TelegramAdapter]]:
    """The fake API (a new one, unless given: it is left running then) and a running adapter,
    once it has called `wait_for` (it is ready then)."""
    ours = api is None
    api = api or FakeTelegram(admins=admins or set())
    if ours:
        await api.start()
    calls_before = len(api.calls)
    base = options or TelegramOptions(token=TOKEN, poll_timeout=timedelta(seconds=1))
    adapter = TelegramAdapter(replace(base, base_url=api.base_url))
    task = asyncio.create_task(adapter.run(moot))
    try:
        for _ in range(250):
            if any(c.method == wait_for for c in api.calls[calls_before:]):
                break
            await asyncio.sleep(0.02)
        yield api, adapter
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if ours:
            await api.stop()


async def elm_court_with(
    api: FakeTelegram, updates: Updates, group: int, admin: int, member: int, name: str
) -> None:
    """The group's admin sets up Elm Court there, opens joining, and `name` joins."""
    api.push(updates.message(group, admin, "Admin", "/setup Elm Court"))
    await api.wait_for(group, "home of Elm Court")
    api.push(updates.message(group, admin, "Admin", "/joinpolicy open"))
    # Two people's messages a moment apart may be handled in either order: the member joins
    # once joining is open, as they would after reading that it is.
    await api.wait_for(group, "Joining Elm Court is now open")
    api.push(updates.message(group, member, name, "/join"))
    await api.wait_for(group, f"Welcome to Elm Court, {name}")
