"""Charts that go with results: bars per option, and for ranked choice, the rounds.

A chart names options by number and carries no text people typed; the results text beside it
has the names.

What to draw is worked out here, on the event loop, as a small plain `Chart`; the drawing happens
in a separate process (`bot.polls.drawing`). Drawing in a thread was not enough: importing
matplotlib and rendering with Agg hold the interpreter's lock for tens of milliseconds, which
stalls every other user on the event loop (bench/stalls.py). The process is started with the
first chart and reused after; if it dies, the next chart starts another.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from bot.polls.drawing import Bars, Chart, draw
from bot.polls.results import Results
from bot.polls.views import PollView
from storage.polls import PollKind

FUNDED, BAR = "#2e7d32", "#1565c0"
_painter: ProcessPoolExecutor | None = None


def chart_of(view: PollView, results: Results) -> Chart:
    """Horizontal bars per option, or for ranked choice one bar per round for each option."""
    # Options by number only: the text beside the chart names them. A chart font cannot show
    # every script (emoji, CJK, Arabic), and matplotlib reads $…$ as mathematics.
    labels = tuple(f"Option {o.number}" for o in view.options)
    title = f"Poll #{view.number}"
    if view.kind is PollKind.RANKED and results.rounds:
        series = tuple(
            Bars(
                f"Round {number + 1}",
                tuple(round_.counts.get(o.number, 0) for o in view.options),
            )
            for number, round_ in enumerate(results.rounds)
        )
        return Chart(title, labels, series, "votes (continuing options)", show_values=False)
    funded = results.budget.funded if results.budget else ()
    bars = Bars(
        "",
        tuple(line.total for line in results.lines),
        tuple(FUNDED if line.number in funded else BAR for line in results.lines),
    )
    xlabel = "points" if view.kind is PollKind.SCORE else "votes"
    return Chart(title, labels, (bars,), xlabel, show_values=True)


async def results_chart(view: PollView, results: Results) -> bytes:
    """A PNG of the results, drawn in the chart process."""
    global _painter
    chart = chart_of(view, results)
    for attempt in (1, 2):
        if _painter is None:
            _painter = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        try:
            return await asyncio.get_running_loop().run_in_executor(_painter, draw, chart)
        except BrokenProcessPool:
            _painter = None  # the process died: start another, once
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
