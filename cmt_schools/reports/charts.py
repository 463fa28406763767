"""Small weekly trend charts, laid out here and drawn by a clean SVG template.

Only geometry is computed in Python; `templates/reports/_charts.html` turns it into an
inline SVG with a title, a description and a table of the same numbers, so the chart reads
the same on screen, in the PDF and to a screen reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .exports import week_label
from .services import GroupSummary, TrendPoint

SCALE_LOW, SCALE_HIGH = 1, 5
SCALE_WORDS = {1: "calm", 5: "wound up"}


@dataclass(frozen=True)
class ChartPoint:
    week: date
    x: float
    y: float | None  # None: not shown for this week
    mean: float | None
    n: int | None
    status: str


@dataclass(frozen=True)
class TrendChart:
    chart_id: str
    title: str
    description: str
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    gridlines: tuple[tuple[float, str], ...]  # (y, label)
    points: tuple[ChartPoint, ...]
    segments: tuple[str, ...]  # polyline "x,y x,y" strings for runs of shown weeks
    x_labels: tuple[tuple[float, str], ...]

    @property
    def shown_points(self) -> tuple[ChartPoint, ...]:
        return tuple(point for point in self.points if point.y is not None)


def trend_chart(
    group: GroupSummary, weeks: list[date], chart_id: str, *, width: int = 380, height: int = 170
) -> TrendChart:
    left, right, top, bottom = 84, 12, 12, 30
    plot_w, plot_h = width - left - right, height - top - bottom

    def y_of(value: float) -> float:
        return round(top + (SCALE_HIGH - value) / (SCALE_HIGH - SCALE_LOW) * plot_h, 1)

    def x_of(index: int) -> float:
        if len(weeks) == 1:
            return round(left + plot_w / 2, 1)
        return round(left + index * plot_w / (len(weeks) - 1), 1)

    by_week: dict[date, TrendPoint] = {point.week: point for point in group.trend}
    points = [
        _chart_point(week, x_of(index), by_week.get(week), y_of) for index, week in enumerate(weeks)
    ]
    gridlines = tuple(
        (y_of(value), f"{value} {SCALE_WORDS[value]}" if value in SCALE_WORDS else str(value))
        for value in range(SCALE_LOW, SCALE_HIGH + 1)
    )
    step = max(1, (len(weeks) + 4) // 5)  # at most about five labels along the bottom
    x_labels = tuple((points[i].x, week_label(weeks[i])) for i in range(0, len(weeks), step))
    return TrendChart(
        chart_id=chart_id,
        title=f"Right now, week by week: {group.label}",
        description=_description(points),
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        gridlines=gridlines,
        points=tuple(points),
        segments=_segments(points),
        x_labels=x_labels,
    )


def _chart_point(week: date, x: float, point: TrendPoint | None, y_of) -> ChartPoint:
    figure = point.figure if point else None
    if figure is None or not figure.shown or figure.mean is None:
        return ChartPoint(week, x, None, None, None, figure.status if figure else "none")
    return ChartPoint(week, x, y_of(figure.mean), round(figure.mean, 1), figure.n, figure.status)


def _segments(points: list[ChartPoint]) -> tuple[str, ...]:
    """Polylines "x,y x,y" for each run of shown weeks (a week not shown breaks the line)."""
    segments, run = [], []
    for point in points:
        if point.y is None:
            if len(run) > 1:
                segments.append(" ".join(run))
            run = []
        else:
            run.append(f"{point.x},{point.y}")
    if len(run) > 1:
        segments.append(" ".join(run))
    return tuple(segments)


def _description(points: list[ChartPoint]) -> str:
    """The chart in words, for screen readers and the PDF."""
    if not any(point.y is not None for point in points):
        return "No week had enough answers to show."
    parts = [
        f"week of {week_label(p.week)}: {p.mean if p.y is not None else 'not shown'}"
        for p in points
    ]
    return (
        "Average answer to the right-now check each week, from 1 (calm) to 5 (wound up). "
        + "; ".join(parts)
        + "."
    )
