"""Charts that go with results: bars per option, and for ranked choice, the rounds.

Drawn on a worker thread (a chart takes long enough to stall every other user on the event
loop), with matplotlib's object API rather than pyplot's global state, and matplotlib imported
only when the first chart is drawn, so start-up does not pay for it.
"""

from __future__ import annotations

import asyncio
import io
import threading

from bot.polls.results import Results
from bot.polls.views import PollView
from storage.polls import PollKind

WIDTH, ROW_HEIGHT = 7.0, 0.45
_DRAWING = threading.Lock()  # matplotlib's font cache and text layout are shared between threads


async def results_chart(view: PollView, results: Results) -> bytes:
    """A PNG of the results: horizontal bars, or one bar group per option across the rounds."""
    return await asyncio.to_thread(_draw, view, results)


def _draw(view: PollView, results: Results) -> bytes:
    from matplotlib.figure import Figure  # the Agg canvas: no screen needed

    labels = [f"{o.number}. {o.label}"[:40] for o in view.options]
    height = max(2.0, ROW_HEIGHT * len(labels) + 1.2)
    with _DRAWING:
        figure = Figure(figsize=(WIDTH, height), dpi=100)
        axes = figure.subplots()
        positions = list(range(len(labels)))[::-1]
        if view.kind is PollKind.RANKED and results.rounds:
            bar = 0.8 / len(results.rounds)
            for number, round_ in enumerate(results.rounds):
                values = [round_.counts.get(o.number, 0) for o in view.options]
                axes.barh(
                    [
                        p + (len(results.rounds) - 1 - number) * bar - 0.4 + bar / 2
                        for p in positions
                    ],
                    values,
                    height=bar,
                    label=f"Round {number + 1}",
                )
            axes.legend(loc="lower right", fontsize=8)
            axes.set_xlabel("votes (continuing options)")
        else:
            values = [line.total for line in results.lines]
            colours = [
                "#2e7d32" if results.budget and line.number in results.budget.funded else "#1565c0"
                for line in results.lines
            ]
            axes.barh(positions, values, color=colours)
            for position, value in zip(positions, values, strict=True):
                axes.text(value, position, f" {value}", va="center", fontsize=9)
            axes.set_xlabel("points" if view.kind is PollKind.SCORE else "votes")
        axes.set_yticks(positions, labels, fontsize=9)
        axes.set_title(f"Poll #{view.number}: {view.poll.question}"[:70], fontsize=10)
        axes.spines[["top", "right"]].set_visible(False)
        figure.tight_layout()
        output = io.BytesIO()
        figure.savefig(output, format="png")
        return output.getvalue()
