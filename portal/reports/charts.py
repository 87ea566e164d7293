"""Charts as plain geometry for SVG drawn by a template (templates/_macros/charts.html).

The same numbers serve the page and, later, the PDF. Nothing here writes markup: under the
Content-Security-Policy an SVG may carry presentation attributes (fill, stroke, x, y) but
no inline style or script, and the templates keep to that.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Tick:
    at: float  # the pixel position along its axis
    label: str


@dataclass(frozen=True)
class Frame:
    """The drawing's size and the plot area inside it (room left for labels)."""

    width: int
    height: int
    left: int
    top: int
    bottom: float  # y of the x axis
    right: float

    @classmethod
    def of(cls, width: int, height: int, *, left: int, top: int, bottom: int,
           right: int) -> Frame:
        """A frame given the margins around its plot area."""
        return cls(width, height, left, top, height - bottom, width - right)

    @property
    def plot_width(self) -> float:
        return self.right - self.left

    @property
    def plot_height(self) -> float:
        return self.bottom - self.top

    def y_of(self, value: float, top_value: float) -> float:
        """The y of a value on an axis from 0 (at the bottom) to top_value."""
        return round(self.top + self.plot_height * (1 - value / top_value), 1)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str  # what a reader's pointer shows: the label and the value with its unit


@dataclass(frozen=True)
class BarChart:
    frame: Frame
    bars: list[Bar]
    x_ticks: list[Tick]
    y_ticks: list[Tick]


def bar_chart(values: list[tuple[str, float]], unit: str, *, frame: Frame,
              label_every: int = 1) -> BarChart:
    """One bar per (label, value), left to right; every label_every-th label under the axis.

    The value axis starts at 0 and ends a little above the largest value, with a tick at 0,
    at the middle and at the top, so a reader sees the scale without a grid of numbers.
    """
    top_value = _round_up(max((value for _, value in values), default=0) * 1.1)
    slot = frame.plot_width / max(len(values), 1)
    bars, x_ticks = [], []
    for index, (label, value) in enumerate(values):
        x = round(frame.left + slot * index, 1)
        y = frame.y_of(max(value, 0), top_value)
        bars.append(Bar(round(x + slot * 0.1, 1), y, round(slot * 0.8, 1),
                        round(frame.bottom - y, 1), f"{label}: {value:g} {unit}"))
        if index % label_every == 0:
            x_ticks.append(Tick(round(x + slot / 2, 1), label))
    y_ticks = [Tick(frame.y_of(value, top_value), f"{value:g} {unit}")
               for value in (0, top_value / 2, top_value)]
    return BarChart(frame, bars, x_ticks, y_ticks)


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    title: str  # what a reader's pointer shows: the time and the value with its unit


@dataclass(frozen=True)
class LineChart:
    frame: Frame
    points: list[Point]
    x_ticks: list[Tick]
    y_ticks: list[Tick]

    @property
    def polyline(self) -> str:
        """The points as an SVG polyline's `points` attribute."""
        return " ".join(f"{point.x},{point.y}" for point in self.points)


def line_chart(values: list[tuple[datetime, float]], unit: str, *, frame: Frame,
               time_label: Callable[[datetime], str]) -> LineChart:
    """A line through (time, value) pairs, in time order, on a time axis from the first to
    the last time; ticks labelled by `time_label` (the caller knows the company's zone).

    The value axis is the bar chart's: from 0 to a round number above the largest value.
    """
    top_value = _round_up(max((value for _, value in values), default=0) * 1.1)
    first = values[0][0] if values else None
    span = (values[-1][0] - first).total_seconds() if first else 0

    def x_of(moment: datetime) -> float:
        share = (moment - first).total_seconds() / span if first and span else 0
        return round(frame.left + frame.plot_width * share, 1)

    points = [Point(x_of(moment), frame.y_of(max(value, 0), top_value),
                    f"{time_label(moment)}: {value:g} {unit}") for moment, value in values]
    x_ticks = [Tick(x_of(moment), time_label(moment))
               for moment in dict.fromkeys((values[0][0], values[-1][0]) if values else ())]
    y_ticks = [Tick(frame.y_of(value, top_value), f"{value:g} {unit}")
               for value in (0, top_value / 2, top_value)]
    return LineChart(frame, points, x_ticks, y_ticks)


def _round_up(value: float) -> float:
    """A round number at or above value (1, 2 or 5 times a power of ten); 1 for nothing."""
    if value <= 0:
        return 1
    scale = 10.0 ** math.floor(math.log10(value))
    return next(step * scale for step in (1, 2, 5, 10) if value <= step * scale)
