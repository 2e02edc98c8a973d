"""A PNG chart of an objective's key results over its period, with a description for screen readers.

One line per key result, one point per run that covered it, on one scale: the share of the way
from start to target (so teams, dollars and incidents fit one chart), with the target at 100 %.
matplotlib is imported here, when a chart is drawn, and only its Agg canvas is used (no pyplot,
no window system): importing it costs far more than the bot's start-up otherwise needs.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from insights.config import Objective
from insights.progress import percent, share
from insights.standing import Point, Standing
from messaging.limits import FILE_ALT_TEXT

WIDTH_INCHES, HEIGHT_INCHES, DPI = 8.0, 4.5, 100


@dataclass(frozen=True)
class Series:
    title: str
    points: list[tuple[date, float]]  # (day, percent of the way)


@dataclass(frozen=True)
class Chart:
    filename: str
    title: str
    png: bytes
    alt_text: str


def series_of(
    objective: Objective, standings: Sequence[Standing], history: dict[str, list[Point]], until: date
) -> list[Series]:
    """Each key result's points within the objective's period, up to `until`."""
    first, last = objective.span
    found = []
    for standing in standings:
        kr = standing.key_result
        points = [
            (point.opened.date(), float(pct))
            for point in history.get(kr.id, [])
            if first <= point.opened.date() <= min(last, until)
            and (pct := percent(share(kr.start, kr.target, point.value))) is not None
        ]
        if points:
            found.append(Series(kr.title, points))
    return found


def alt_text(objective: Objective, series: Sequence[Series]) -> str:
    """What the chart shows, in words, within Slack's limit for a file's alt text."""
    head = (
        f"Line chart of the key results of {objective.title} ({objective.period_label}), each as the share "
        "of the way from its start to its target, one point per check-in. "
    )
    lines = [
        f"{s.title}: " + ", ".join(f"{pct:.0f}% on {day.day} {day:%b}" for day, pct in s.points) + "."
        for s in series
    ]
    text = head + " ".join(lines)
    return text if len(text) <= FILE_ALT_TEXT else text[: FILE_ALT_TEXT - 1] + "…"


def draw(objective: Objective, series: Sequence[Series], filename: str) -> Chart:
    """The chart as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import DateFormatter, date2num
    from matplotlib.figure import Figure

    title = f"{objective.title} · {objective.period_label}"
    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.xaxis_date()
    for line in series:
        days = [float(date2num(day)) for day, _ in line.points]
        values = [value for _, value in line.points]
        axes.plot(days, values, marker="o", label=line.title)
    axes.axhline(100, color="grey", linestyle="--", linewidth=1, label="Target")
    first, last = objective.span
    axes.set_xlim(float(date2num(first)), float(date2num(last)))
    values = [v for s in series for _, v in s.points]
    # Room above the target line for the legend, and below zero for results gone backwards.
    axes.set_ylim(min(0.0, *values) - 5, max(110.0, *values) + 15)
    axes.xaxis.set_major_formatter(DateFormatter("%d %b"))
    axes.set_ylabel("% of the way from start to target")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left", fontsize="small")
    figure.autofmt_xdate()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return Chart(filename=filename, title=title, png=out.getvalue(), alt_text=alt_text(objective, series))
