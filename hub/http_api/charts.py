"""Issuance and retirement over time as an inline SVG bar chart, laid out here
and drawn by a template: it needs no JavaScript and no image request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hub.services.disclosure import TotalsEntry

WIDTH = 760
HEIGHT = 260
_LEFT = 56
_RIGHT = 12
_TOP = 16
_BOTTOM = 40
_GRID_LINES = 4
_MAX_BAR = 40.0


@dataclass(frozen=True, slots=True)
class Bar:
    series: str  # "issued" or "retired": the CSS class
    x: float
    y: float
    width: float
    height: float
    value: int
    month: str


@dataclass(frozen=True, slots=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True, slots=True)
class MonthLabel:
    x: float
    text: str


@dataclass(frozen=True, slots=True)
class BarChart:
    width: int
    height: int
    left: int
    right_edge: int
    baseline: float
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    months: tuple[MonthLabel, ...]

    @property
    def empty(self) -> bool:
        return not self.bars


def _nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value``."""
    if value <= 0:
        return 1
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def monthly_chart(months: Sequence[TotalsEntry]) -> BarChart:
    """Two bars a month (issued, retired), months in key order."""
    plot_width = WIDTH - _LEFT - _RIGHT
    plot_height = HEIGHT - _TOP - _BOTTOM
    baseline = float(_TOP + plot_height)
    top = _nice_ceiling(max((max(m.issued_units, m.retired_units) for m in months), default=0))
    ticks = tuple(
        Tick(baseline - plot_height * i / _GRID_LINES, f"{top * i // _GRID_LINES:,}")
        for i in range(_GRID_LINES + 1)
    )
    if not months:
        return BarChart(WIDTH, HEIGHT, _LEFT, WIDTH - _RIGHT, baseline, (), ticks, ())
    slot = plot_width / len(months)
    bar_width = min(_MAX_BAR, max(1.0, slot * 0.38))
    bars: list[Bar] = []
    labels: list[MonthLabel] = []
    # Label every month while they fit, else every n-th.
    every = max(1, round(len(months) / 12))
    for index, month in enumerate(months):
        start = _LEFT + slot * index + (slot - 2 * bar_width) / 2
        for offset, series, value in (
            (0.0, "issued", month.issued_units),
            (bar_width, "retired", month.retired_units),
        ):
            height = plot_height * value / top
            bars.append(
                Bar(series, start + offset, baseline - height, bar_width, height, value, month.key)
            )
        if index % every == 0:
            labels.append(MonthLabel(_LEFT + slot * (index + 0.5), month.key))
    return BarChart(
        WIDTH, HEIGHT, _LEFT, WIDTH - _RIGHT, baseline, tuple(bars), ticks, tuple(labels)
    )


GROUP_WIDTH = 760
_GROUP_LABEL = 200  # room for a region's or methodology's name at the left
_GROUP_ROW = 30
_GROUP_BAR = 11
_GROUP_VALUE = 90  # room for the figure at the right of the longest bar


@dataclass(frozen=True, slots=True)
class GroupRow:
    key: str  # the group's code (partner, methodology), kept for tests and the API
    label: str  # what a reader sees: the region's name in the page's language
    y: float
    issued_width: float
    retired_width: float
    issued: int
    retired: int


@dataclass(frozen=True, slots=True)
class GroupChart:
    """Issued and retired units per group as horizontal bars, one row a group."""

    width: int
    height: int
    left: int
    bar: int
    rows: tuple[GroupRow, ...]

    @property
    def empty(self) -> bool:
        return not self.rows


def group_chart(groups: Sequence[TotalsEntry], label: dict[str, str]) -> GroupChart:
    """Rows in the order given; ``label`` names a key (its code when absent)."""
    top = _nice_ceiling(max((max(g.issued_units, g.retired_units) for g in groups), default=0))
    span = GROUP_WIDTH - _GROUP_LABEL - _GROUP_VALUE
    rows = tuple(
        GroupRow(
            g.key,
            label.get(g.key, g.key),
            _TOP + _GROUP_ROW * index,
            span * g.issued_units / top,
            span * g.retired_units / top,
            g.issued_units,
            g.retired_units,
        )
        for index, g in enumerate(groups)
    )
    height = _TOP * 2 + _GROUP_ROW * max(1, len(rows))
    return GroupChart(GROUP_WIDTH, height, _GROUP_LABEL, _GROUP_BAR, rows)
