"""The coverage chart of a story page: one row per outlet, one dot per article at its publication time.

Only positions are computed here; ``templates/_chart.html`` draws them as inline SVG (no library,
no script), so every label is escaped like any other text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from newsweave.models import SourceRef

WIDTH = 640
LABEL_RIGHT = 168
PLOT_LEFT, PLOT_RIGHT = 184, 624
ROW_HEIGHT = 26
TOP = 14
AXIS_HEIGHT = 30
MAX_ROWS = 16
MAX_LABEL = 24


@dataclass(frozen=True, slots=True)
class Dot:
    x: float
    title: str


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    full_label: str
    y: float
    dots: tuple[Dot, ...]


@dataclass(frozen=True, slots=True)
class Tick:
    x: float
    label: str
    anchor: str


@dataclass(frozen=True, slots=True)
class CoverageChart:
    rows: tuple[Row, ...]
    ticks: tuple[Tick, ...]
    hidden_outlets: int
    width: int
    height: int
    axis_y: float
    plot_left: int = PLOT_LEFT
    plot_right: int = PLOT_RIGHT
    label_right: int = LABEL_RIGHT

    @property
    def description(self) -> str:
        outlets = len(self.rows) + self.hidden_outlets
        dots = sum(len(row.dots) for row in self.rows)
        return f"Articles per outlet over time: {dots} dated articles from {outlets} outlets."


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "…"


def _ticks(start: datetime, end: datetime, x: Callable[[datetime], float]) -> tuple[Tick, ...]:
    span = (end - start).total_seconds()
    fmt = "%-d %b %H:%M" if span < 2 * 86400 else "%-d %b %Y"
    if span == 0:
        return (Tick(x(start), start.strftime("%-d %b %Y, %H:%M UTC"), "middle"),)
    middle = start + (end - start) / 2
    return (Tick(x(start), start.strftime(fmt), "start"), Tick(x(middle), middle.strftime(fmt), "middle"),
            Tick(x(end), end.strftime(fmt), "end"))


def coverage_chart(sources: Iterable[SourceRef]) -> CoverageChart | None:
    """The chart of a brief's sources, or None when no source has a publication time."""
    by_outlet: dict[str, list[SourceRef]] = {}
    for source in sorted((s for s in sources if s.published), key=lambda s: s.published):
        by_outlet.setdefault(source.source or "Unknown outlet", []).append(source)
    if not by_outlet:
        return None
    times = [source.published.astimezone(UTC) for group in by_outlet.values() for source in group]
    start, end = min(times), max(times)
    span = (end - start).total_seconds()

    def x(when: datetime) -> float:
        if span == 0:
            return (PLOT_LEFT + PLOT_RIGHT) / 2
        return round(PLOT_LEFT + (when.astimezone(UTC) - start).total_seconds() / span * (PLOT_RIGHT - PLOT_LEFT), 1)

    shown = list(by_outlet.items())[:MAX_ROWS]
    rows = tuple(
        Row(_short(outlet), outlet, TOP + n * ROW_HEIGHT + ROW_HEIGHT / 2,
            tuple(Dot(x(s.published), f"{outlet}: {s.title} ({s.published.astimezone(UTC):%-d %b %Y %H:%M} UTC)")
                  for s in group))
        for n, (outlet, group) in enumerate(shown)
    )
    axis_y = TOP + len(rows) * ROW_HEIGHT + 4
    return CoverageChart(rows, _ticks(start, end, x), len(by_outlet) - len(shown), WIDTH,
                         int(axis_y + AXIS_HEIGHT), axis_y)
