"""Telegram long polling with several processes on one database: Telegram gives a bot's updates
to one poller at a time (a second gets 409 Conflict), so only the holder of the bot's role polls,
and another takes over when it stops (bot.leases.hold_while). Two cores on one database, each
with its own view of the fake Bot API, stand in for two processes."""

from __future__ import annotations

import asyncio
import contextlib
import time

from bot.clock import ManualClock
from tests.fakes.telegram_api import Call, FakeTelegram
from tests.telegram_harness import telegram_adapter
from tests.test_leases import RENEW, process, until


def polls(api: FakeTelegram) -> list[float]:
    """When each getUpdates reached `api`."""
    seen: list[float] = []

    def heard(call: Call) -> None:
        if call.method == "getUpdates":
            seen.append(time.monotonic())

    api.on_request = heard
    return seen


async def test_one_process_polls_and_another_takes_over_when_it_stops(
    database_url: str, clock: ManualClock
) -> None:
    async with process(database_url, clock) as first, process(database_url, clock) as second:
        polling = contextlib.AsyncExitStack()
        first_api, _ = await polling.enter_async_context(telegram_adapter(first))
        first_polls = polls(first_api)
        async with telegram_adapter(second) as (second_api, _):
            second_polls = polls(second_api)
            await until(lambda: len(first_polls) >= 2, 5)
            await asyncio.sleep(3 * RENEW)  # the second keeps trying for the role meanwhile
            assert second_polls == []
            await polling.aclose()  # the first stops serving Telegram, giving the role up
            await until(lambda: len(second_polls) >= 1, 3 * RENEW + 2)
