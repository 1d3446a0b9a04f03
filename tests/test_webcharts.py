"""The web pages' bar charts: bars in proportion, the largest (or a given top) filling the
width, a target marked on the same scale, long labels shortened for the chart alone."""

from __future__ import annotations

from bot.webcharts import LABEL_WIDTH, LONGEST_LABEL, ROW, VALUE_WIDTH, WIDTH, Row, bars

SPAN = WIDTH - LABEL_WIDTH - VALUE_WIDTH


def test_bars_are_in_proportion_and_stack_one_row_each() -> None:
    chart = bars(
        "Votes", [Row("Blue", 2, "2", winner=True), Row("Green", 1, "1"), Row("Red", 0, "0")]
    )
    blue, green, red = chart.bars
    assert blue.width == SPAN
    assert green.width == SPAN / 2
    assert red.width == 0
    assert blue.css == "bar bar-winner"
    assert green.css == "bar"
    assert green.y - blue.y == ROW
    assert red.y - green.y == ROW
    assert chart.height >= 3 * ROW
    assert chart.target_x is None
    assert green.value_x > LABEL_WIDTH + green.width  # the figure after its bar


def test_a_share_chart_is_scaled_to_its_whole_and_marks_its_target() -> None:
    chart = bars("Within target", [Row("Jan", 0.5, "50%")], most=1.0, target=0.75)
    assert chart.bars[0].width == SPAN / 2
    assert chart.target_x == LABEL_WIDTH + 0.75 * SPAN


def test_nothing_to_draw_draws_no_bars_and_long_labels_are_shortened() -> None:
    empty = bars("Nothing yet", [Row("Jan", 0, "—"), Row("Feb", 0, "—")])
    assert all(b.width == 0 for b in empty.bars)
    long = bars("Votes", [Row("A very long option label that goes on and on", 1, "1")])
    assert len(long.bars[0].label) == LONGEST_LABEL
    assert long.bars[0].label.endswith("…")
