"""Drawing a results chart as a PNG, in the chart process (see bot.polls.chart).

This module imports nothing of Moot's, so the process that draws starts quickly; matplotlib's
object API (not pyplot's global state) with the Agg canvas needs no screen.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

WIDTH, ROW_HEIGHT = 7.0, 0.45


@dataclass(frozen=True)
class Bars:
    label: str  # in the legend; empty for a single series
    values: tuple[int, ...]  # one per option, in option order
    colours: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chart:
    title: str
    labels: tuple[str, ...]  # the options, top to bottom
    series: tuple[Bars, ...]
    xlabel: str
    show_values: bool


def draw(chart: Chart) -> bytes:
    from matplotlib.figure import Figure

    height = max(2.0, ROW_HEIGHT * len(chart.labels) + 1.2)
    figure = Figure(figsize=(WIDTH, height), dpi=100)
    axes = figure.subplots()
    positions = list(range(len(chart.labels)))[::-1]
    width = 0.8 / len(chart.series)
    for number, bars in enumerate(chart.series):
        offset = (len(chart.series) - 1 - number) * width - 0.4 + width / 2
        axes.barh(
            [p + offset for p in positions] if len(chart.series) > 1 else positions,
            bars.values,
            height=width,
            label=bars.label or None,
            color=list(bars.colours) or None,
        )
        if chart.show_values:
            for position, value in zip(positions, bars.values, strict=True):
                axes.text(value, position, f" {value}", va="center", fontsize=9)
    if len(chart.series) > 1:
        axes.legend(loc="lower right", fontsize=8)
    axes.set_xlabel(chart.xlabel)
    axes.set_yticks(positions, chart.labels, fontsize=9)
    axes.set_title(chart.title, fontsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    output = io.BytesIO()
    figure.savefig(output, format="png")
    return output.getvalue()
