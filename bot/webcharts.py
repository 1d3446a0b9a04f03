"""Bar charts for the web pages, as plain geometry that a template draws as inline SVG.

Every chart is a column of horizontal bars, one per row (an option, a month), each with its
label on the left and its figure at the bar's end, so that long labels and twelve months read
the same on a phone. Colours come from class names that /static/moot.css styles (no inline
style: the pages' Content-Security-Policy forbids it):

- `chart`: the <svg>; `axis`: the line bars start from; `bar`: a bar; `bar-winner`: the bar of
  what won or passed; `bar-target`: a line marking a target or threshold; `bar-label`: a row's
  label; `bar-value`: the figure beside a bar.

A template always puts a <table> of the same figures beside the chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 600
LABEL_WIDTH = 200
VALUE_WIDTH = 90
ROW = 28
BAR = 18
PAD = 6
LONGEST_LABEL = 28  # characters shown in the chart; the table beside it has the whole label


@dataclass(frozen=True)
class Row:
    """One bar's data: its label, its value, how the figure is written, and whether it is the
    one that won (drawn as `bar-winner`)."""

    label: str
    value: float
    shown: str
    winner: bool = False


@dataclass(frozen=True)
class Bar:
    label: str  # shortened to fit
    shown: str
    css: str  # "bar" or "bar bar-winner"
    x: float
    y: float
    width: float
    height: float
    text_y: float  # the baseline of the label and the figure
    value_x: float  # where the figure starts


@dataclass(frozen=True)
class Chart:
    description: str  # the svg's aria-label
    width: int
    height: int
    axis_x: float
    bars: tuple[Bar, ...]
    label_x: float
    target_x: float | None  # the marked line, if any


def bars(
    description: str,
    rows: Sequence[Row],
    *,
    most: float | None = None,
    target: float | None = None,
) -> Chart:
    """A chart of `rows`, scaled so that `most` (or the largest value) fills the width; a
    `target` on the same scale is marked with a line."""
    top = max([most or 0.0, *(row.value for row in rows), target or 0.0])
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    scale = span / top if top > 0 else 0.0
    drawn = []
    for index, row in enumerate(rows):
        y = PAD + index * ROW
        length = max(0.0, row.value) * scale
        drawn.append(
            Bar(
                label=_short(row.label),
                shown=row.shown,
                css="bar bar-winner" if row.winner else "bar",
                x=LABEL_WIDTH,
                y=y,
                width=round(length, 1),
                height=BAR,
                text_y=y + BAR - 4,
                value_x=round(LABEL_WIDTH + length + PAD, 1),
            )
        )
    return Chart(
        description=description,
        width=WIDTH,
        height=PAD * 2 + ROW * len(rows),
        axis_x=LABEL_WIDTH,
        bars=tuple(drawn),
        label_x=LABEL_WIDTH - PAD,
        target_x=None if target is None else round(LABEL_WIDTH + target * scale, 1),
    )


def _short(label: str) -> str:
    return label if len(label) <= LONGEST_LABEL else label[: LONGEST_LABEL - 1].rstrip() + "…"
