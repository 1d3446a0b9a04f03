"""Button presses end to end on Telegram: Moot beside a minimal bot. Prints, from one run:

- 2,000 presses of a `vote` button on a published poll card, from 50 residents pressing at once
  (each presses again as soon as their last press is answered), sent as updates to a fake Bot API
  on 127.0.0.1 (tests/fakes/telegram_api.py) and answered over real HTTP:
  - by a minimal python-telegram-bot bot that only answers each callback query (no store), built
    as Moot's adapter builds its Application (concurrent updates, the same polling timeout);
  - by Moot: the real TelegramAdapter, the core and the store, on a fresh SQLite database;
  for each, presses a second (first update pushed to last callback answered) and the latency of a
  press (update pushed to its answerCallbackQuery reaching the fake), p50 and p99;
- the two target ratios (issue 17): Moot's presses a second ÷ the minimal bot's (target: at
  least 0.7) and Moot's p99 ÷ the minimal bot's (target: at most 2), each with PASS or MISS.

Both run against the same fake server in the same process, one after the other, each after
100 warm-up presses. The run stops by itself within about two minutes.

Run with `make bench` (or `python -m bench.telegram_e2e`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session, col, select
from telegram import Update
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, ContextTypes

from adapters.telegram.adapter import TelegramAdapter, TelegramOptions
from bench.telegram_burst import seed, until
from bench.write_path import p99
from bot.clock import SystemClock
from bot.core import Moot
from bot.dates import Reading
from bot.events import Place
from bot.features import ALL_FEATURES
from bot.polls import service as polls
from bot.polls.spec import PollSpec
from moot.heap import freeze_what_lives_for_good
from storage.migrate import upgrade
from storage.outbox import OutboxEntry
from storage.store import Store
from tests.fakes.telegram_api import Call, FakeTelegram, Updates
from tests.telegram_harness import TOKEN

PRESSES = 2_000
RESIDENTS = 50
WARM_UP = 100
OPTIONS = 5
GROUP = -100_800
FIRST_USER = 60_000
POLL_TIMEOUT = timedelta(seconds=1)  # as tests/telegram_harness.py runs the adapter
PRESS_WITHIN = 10.0  # a press not answered by then is counted as lost
RUN_WITHIN = 110.0  # the whole benchmark, start-ups included


class Presser:
    """Pushes button presses into the fake and times each until the fake receives its answer."""

    def __init__(self, api: FakeTelegram) -> None:
        self._api = api
        self._updates = Updates()
        self._waiting: dict[str, asyncio.Future[float]] = {}
        self.toasts: list[str] = []
        api.on_request = self._on_request

    def _on_request(self, call: Call) -> None:
        if call.method != "answerCallbackQuery":
            return
        answered = time.perf_counter()
        self.toasts.append(str(call.params.get("text", "")))
        waiting = self._waiting.pop(str(call.params.get("callback_query_id")), None)
        if waiting is not None and not waiting.done():
            waiting.set_result(answered)

    async def press(self, resident: int, data: str, on_message: int | None) -> tuple[float, float]:
        """(when pushed, when answered), or (when pushed, nan) if it was not answered in time."""
        user = FIRST_USER + resident
        update = self._updates.press(
            GROUP, user, f"Resident {resident}", data, on_message=on_message
        )
        answered = asyncio.get_running_loop().create_future()
        self._waiting[str(update["callback_query"]["id"])] = answered
        pushed = time.perf_counter()
        self._api.push(update)
        try:
            return pushed, await asyncio.wait_for(answered, PRESS_WITHIN)
        except TimeoutError:
            return pushed, float("nan")

    async def burst(self, count: int, on_message: int | None, seed: int) -> Burst:
        """`count` presses from RESIDENTS residents at once, each voting for a random option."""
        rng = random.Random(seed)
        timings: list[tuple[float, float]] = []

        async def resident(number: int) -> None:
            for _ in range(number - 1, count, RESIDENTS):  # this resident's share of `count`
                data = f"vote 1.1 {rng.randint(1, OPTIONS)}"
                timings.append(await self.press(number, data, on_message))

        self.toasts.clear()
        await asyncio.gather(*(resident(n) for n in range(1, RESIDENTS + 1)))
        return Burst(timings, list(self.toasts))


class Burst:
    def __init__(self, timings: list[tuple[float, float]], toasts: list[str]) -> None:
        answered = [(p, a) for p, a in timings if a == a]  # nan: not answered in time
        if not answered:
            raise SystemExit(f"no press was answered within {PRESS_WITHIN:.0f} s")
        self.lost = len(timings) - len(answered)
        self.latencies = [(a - p) * 1000 for p, a in answered]
        first = min(p for p, _ in timings)
        last = max(a for _, a in answered)
        self.rate = len(answered) / (last - first)
        self.toasts = toasts

    def line(self, name: str) -> str:
        lost = f"; {self.lost} NOT ANSWERED within {PRESS_WITHIN:.0f} s" if self.lost else ""
        return (
            f"{name:<46} {self.rate:>7,.0f} presses/s, p50 "
            f"{statistics.median(self.latencies):.1f} ms, p99 {p99(self.latencies):.1f} ms{lost}"
        )


# --- the minimal bot --------------------------------------------------------------------------


@asynccontextmanager
async def minimal_bot(api: FakeTelegram) -> AsyncIterator[None]:
    """A python-telegram-bot bot that answers every callback query and does nothing else."""

    async def answer(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer()

    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(api.base_url)
        .concurrent_updates(True)  # as Moot's adapter runs
        .build()
    )
    app.add_handler(CallbackQueryHandler(answer))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=POLL_TIMEOUT)
        try:
            yield
        finally:
            await app.updater.stop()
            await app.stop()


# --- Moot -------------------------------------------------------------------------------------


def publish_poll(session: Session, now: datetime) -> None:
    """Poll #1, open for a day, with OPTIONS options, and its card posted in the group."""
    place = Place("telegram", str(GROUP), "Bench", is_private=False)
    options: list[tuple[str, int | None]] = [(f"Option {n}", None) for n in range(1, OPTIONS + 1)]
    spec = PollSpec("Bench?", options, closes=Reading(now + timedelta(days=1)))
    poll_id = polls.create_draft(session, 1, 1, place, spec, now)
    polls.publish(session, poll_id, 1, now)
    polls.add_post(session, poll_id, "telegram", str(GROUP), 1, now)


def card_message(session: Session) -> int | None:
    """The Telegram message id of the poll's card, once the outbox has posted it."""
    found = session.exec(
        select(OutboxEntry.message_id).where(
            OutboxEntry.chat_id == str(GROUP),
            col(OutboxEntry.live).startswith("poll-card:"),
            col(OutboxEntry.message_id).is_not(None),
        )
    ).first()
    return int(found) if found is not None else None


@asynccontextmanager
async def moot_bot(api: FakeTelegram, url: str) -> AsyncIterator[int]:
    """Moot serving the group through the real TelegramAdapter; yields the card's message id."""
    moot = Moot(Store(url), SystemClock(), ALL_FEATURES)
    await moot.start()
    options = TelegramOptions(token=TOKEN, base_url=api.base_url, poll_timeout=POLL_TIMEOUT)
    task = asyncio.create_task(TelegramAdapter(options).run(moot))
    try:
        await until(lambda: any(c.method == "setMyCommands" for c in api.calls), 10)
        await moot.write(lambda s: publish_poll(s, SystemClock().now()))
        card: int | None = None
        for _ in range(500):
            card = await moot.store.read(card_message)
            if card is not None:
                break
            await asyncio.sleep(0.02)
        assert card is not None, "the poll card was never posted"
        freeze_what_lives_for_good()  # as `moot run` does once started
        yield card
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await moot.stop()


# --- the run ----------------------------------------------------------------------------------


async def compare(url: str, presses: int) -> tuple[Burst, Burst]:
    api = FakeTelegram()
    await api.start()
    try:
        presser = Presser(api)
        async with minimal_bot(api):
            await presser.burst(WARM_UP, None, seed=1)
            minimal = await presser.burst(presses, None, seed=2)
        # A long poll the stopped bot left waiting in the fake ends within POLL_TIMEOUT: let it,
        # or it would take Moot's first update to a closed connection.
        await asyncio.sleep(POLL_TIMEOUT.total_seconds() + 0.5)
        async with moot_bot(api, url) as card:
            await presser.burst(WARM_UP, card, seed=1)
            moot = await presser.burst(presses, card, seed=2)
    finally:
        await api.stop()
    return minimal, moot


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--presses", type=int, default=PRESSES)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "e2e.db"
        upgrade(f"sqlite:///{path}")
        seed(path, RESIDENTS, group=GROUP, first_user=FIRST_USER)
        minimal, moot = asyncio.run(
            asyncio.wait_for(compare(f"sqlite:///{path}", args.presses), RUN_WITHIN)
        )

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "MISS"

    counted = sum(t.startswith("Your vote in poll #1") for t in moot.toasts)
    print(
        f"{args.presses:,} vote presses on Telegram from {RESIDENTS} residents at once "
        "(fake Bot API, real HTTP)"
    )
    print(minimal.line("  minimal python-telegram-bot bot (answers only)"))
    print(
        moot.line("  Moot (TelegramAdapter, core, store)")
        + f"; {counted:,} answered with the vote taken"
    )
    rate_ratio = moot.rate / minimal.rate
    p99_ratio = p99(moot.latencies) / p99(minimal.latencies)
    whole = not minimal.lost and not moot.lost
    print(
        f"TARGET Moot / minimal bot, presses/s            x{rate_ratio:.2f}  target >= x0.70  "
        f"{verdict(whole and rate_ratio >= 0.7)}"
    )
    print(
        f"TARGET Moot p99 / minimal bot p99               x{p99_ratio:.2f}  target <= x2.00  "
        f"{verdict(whole and p99_ratio <= 2)}"
    )


if __name__ == "__main__":
    main()
