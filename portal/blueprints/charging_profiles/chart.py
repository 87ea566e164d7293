"""A step chart of a charging schedule (limit over time), drawn as inline SVG by the page."""

from __future__ import annotations

from dataclasses import dataclass

from portal.reports.charts import Frame, Tick
from portal.services.smart_charging import CompositeSchedule

FRAME = Frame.of(640, 220, left=56, top=12, bottom=28, right=16)


@dataclass(frozen=True)
class StepChart:
    frame: Frame
    points: str  # the polyline's "x,y x,y ..."
    x_ticks: list[Tick]
    y_ticks: list[Tick]


def step_chart(schedule: CompositeSchedule) -> StepChart | None:
    """The chart of the schedule's periods, each limit held until the next period starts."""
    if not schedule.periods:
        return None
    starts = [period.start_period for period in schedule.periods]
    end = schedule.duration or (starts[-1] * 1.25 if starts[-1] else 3600)
    end = max(end, starts[-1] + 1)
    top_limit = max(period.limit for period in schedule.periods) * 1.1 or 1

    def x(seconds: float) -> float:
        return round(FRAME.left + FRAME.plot_width * seconds / end, 1)

    def y(limit: float) -> float:
        return FRAME.y_of(limit, top_limit)

    points = []
    for period, until in zip(schedule.periods, [*starts[1:], end], strict=True):
        points += [f"{x(period.start_period)},{y(period.limit)}", f"{x(until)},{y(period.limit)}"]
    x_ticks = [Tick(x(seconds), _duration(seconds)) for seconds in [*starts, end]]
    y_ticks = [Tick(y(value), f"{value:g} {schedule.rate_unit}")
               for value in sorted({0, *(period.limit for period in schedule.periods)})]
    return StepChart(FRAME, " ".join(points), x_ticks, y_ticks)


def _duration(seconds: float) -> str:
    minutes = int(seconds) // 60
    return f"{minutes // 60}:{minutes % 60:02d}" if seconds else "0"
