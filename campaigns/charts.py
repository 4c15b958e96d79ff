"""Geometry of the results page's charts, drawn as SVG by templates/campaigns/_chart_*.html.

No JavaScript and no chart library: this module turns figures into positions, lengths and
tick labels (in the units of each chart's viewBox), so that the templates only place what it
gives them. Each chart also carries the rows of the table printed beside it, which is its
accessible equivalent and what people without images or with screen readers read.

- funnel(): per variant, bars for sent -> opened -> clicked -> converted, as shares of the
  largest number sent in the track.
- comparison(): per rate (click, conversion), every variant's estimate with its 95% Wilson
  interval as whiskers, on a common axis from 0.
- timeline(): conversions per day and variant, a line each, over every day from the first
  conversion to the last (days without any count as 0).
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from campaigns.verdicts import Rate, VariantResult

WIDTH = 640
LABEL_WIDTH = 112  # left column: stage and variant labels
VALUE_WIDTH = 170  # right column: the figures in words
SERIES = 6  # series styles in results.css (colour and dash), reused beyond six variants
STAGES = [
    ("sent", "Sent"),
    ("opened", "Opened"),
    ("clicked", "Clicked"),
    ("converted", "Converted"),
]


def _r(value: float) -> float:
    return round(value, 1)


def _percent(value: float) -> str:
    return f"{value:.1f}%"


def rate_text(rate: Rate) -> str:
    """ "12.3% (11.1–13.6)": the rate with its 95% interval; a dash before anything was sent."""
    if not rate.n:
        return "–"
    return f"{rate.percent:.1f}% ({rate.low:.1f}–{rate.high:.1f})"


# --- axes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tick:
    at: float  # x of a tick on a horizontal axis, y on a vertical one
    text: str
    text_at: float  # where its label goes, on the same axis


def _step(top: float, ticks: int = 4, whole: bool = False) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) that covers `top` in about `ticks`."""
    raw = max(top, 1e-9) / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if raw <= m * magnitude * (1 + 1e-9))
    return max(1.0, step) if whole else step


def _scale(top: float, whole: bool = False) -> tuple[float, list[float]]:
    """The axis maximum and its tick values, from 0."""
    step = _step(top, whole=whole)
    count = max(1, math.ceil(top / step - 1e-9))
    return step * count, [step * i for i in range(count + 1)]


def _number(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:g}"


# --- funnel -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelBar:
    stage: str
    label: str
    count: int
    y: float
    width: float
    text: str
    text_y: float
    value_x: float


@dataclass(frozen=True)
class FunnelGroup:
    label: str
    y: float  # baseline of the group's heading
    bars: list[FunnelBar]


@dataclass(frozen=True)
class FunnelChart:
    width: int
    height: int
    label_x: float
    bar_x: float
    bar_height: float
    groups: list[FunnelGroup]
    stages: list[tuple[str, str]]
    empty: bool


def funnel(variants: list[VariantResult], with_opens: bool = True) -> FunnelChart:
    """Bars as shares of the most messages any variant sent, so variants compare by length."""
    stages = [s for s in STAGES if with_opens or s[0] != "opened"]
    top = max((v.sent for v in variants), default=0)
    left, room = float(LABEL_WIDTH), WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bar_height, row, heading, gap = 16.0, 22.0, 22.0, 10.0
    y, groups = 4.0, []
    for variant in variants:
        bars = []
        heading_y = y + 15
        y += heading
        for stage, label in stages:
            count = variant.counts.get(stage, 0)
            share = count / variant.sent if variant.sent else 0.0
            text = f"{count:,}" if stage == "sent" else f"{count:,} ({_percent(100 * share)})"
            width = _r(room * count / top) if top else 0.0
            bars.append(
                FunnelBar(stage, label, count, _r(y), width, text, _r(y + 12), left + width + 6)
            )
            y += row
        groups.append(FunnelGroup(f"Variant {variant.label}", _r(heading_y), bars))
        y += gap
    return FunnelChart(
        WIDTH, math.ceil(y), left - 8, left, bar_height, groups, stages, empty=top == 0
    )


# --- variants compared, with error bars ---------------------------------------------------------


@dataclass(frozen=True)
class Whisker:
    label: str
    index: int  # series style
    y: float  # centre line of the row
    x: float  # the estimate
    low: float
    high: float
    text: str
    bar_width: float  # a pale bar from 0 to the estimate

    @property
    def text_y(self) -> float:
        return _r(self.y + 4)

    @property
    def bar_y(self) -> float:
        return _r(self.y - 6)

    @property
    def cap_top(self) -> float:
        return _r(self.y - 6)

    @property
    def cap_bottom(self) -> float:
        return _r(self.y + 6)


@dataclass(frozen=True)
class Panel:
    title: str
    title_y: float
    top: float  # where the gridlines start
    axis_y: float
    rows: list[Whisker]
    ticks: list[Tick]


@dataclass(frozen=True)
class ComparisonChart:
    width: int
    height: int
    plot_left: float
    plot_right: float
    panels: list[Panel]
    titles: list[str]  # the table's columns
    table: list[tuple[str, list[str]]]  # (variant, rate with interval per panel)
    empty: bool

    @property
    def label_x(self) -> float:
        return self.plot_left - 8

    @property
    def value_x(self) -> float:
        return self.plot_right + 10


def comparison(variants: list[VariantResult], metrics: list[tuple[str, str]]) -> ComparisonChart:
    """metrics: (rate name in VariantResult.rates, title), e.g. ("click", "Click rate"). A
    panel per rate, its axis from 0 to a round number above the highest upper bound."""
    sent = [v for v in variants if v.sent]
    left, right = float(LABEL_WIDTH), float(WIDTH - VALUE_WIDTH)
    panels, y = [], 0.0
    for name, title in metrics:
        rates = [v.rates[name] for v in sent]
        top, values = _scale(max((r.high for r in rates), default=0.0) or 1.0)

        def x_of(percent: float, top: float = top) -> float:
            return _r(left + (right - left) * percent / top)

        title_y, y = y + 16, y + 24
        rows = []
        for i, (variant, rate) in enumerate(zip(sent, rates, strict=True)):
            x, low, high = x_of(rate.percent), x_of(rate.low), x_of(rate.high)
            rows.append(
                Whisker(
                    variant.label,
                    i % SERIES,
                    _r(y + 11),
                    x,
                    low,
                    high,
                    rate_text(rate),
                    _r(x - left),
                )
            )
            y += 24
        axis_y = _r(y + 2)
        ticks = [Tick(x_of(v), f"{_number(v)}%", _r(axis_y + 15)) for v in values]
        panels.append(Panel(title, _r(title_y), _r(title_y + 6), axis_y, rows, ticks))
        y += 30
    table = [(v.label, [rate_text(v.rates[name]) for name, _ in metrics]) for v in variants]
    titles = [title for _, title in metrics]
    return ComparisonChart(WIDTH, math.ceil(y), left, right, panels, titles, table, not sent)


# --- conversions over time ---------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: int
    day: date


@dataclass(frozen=True)
class Line:
    label: str
    index: int  # series style
    points: list[Point]
    legend_x: float

    @property
    def path(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)

    @property
    def legend_end(self) -> float:
        return self.legend_x + 22

    @property
    def legend_text_x(self) -> float:
        return self.legend_x + 27


@dataclass(frozen=True)
class TimelineChart:
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    lines: list[Line]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    labels: list[str]  # variant labels: the table's columns
    # the table: (day, conversions per variant, revenue of the day), days with conversions
    table: list[tuple[date, list[int], float]]

    @property
    def empty(self) -> bool:
        return not self.table

    @property
    def legend_y(self) -> float:
        return 14.0

    @property
    def legend_text_y(self) -> float:
        return 18.0

    @property
    def y_label_x(self) -> float:
        return self.plot_left - 6


def timeline(
    entries: list[dict[str, Any]], variants: list[tuple[int | None, str]]
) -> TimelineChart:
    """entries: report.timeline rows of one track ({day, variant, conversions, revenue});
    variants: (id, label) in the order to show them."""
    left, right, top, bottom, height = 48.0, WIDTH - 24.0, 34.0, 200.0, 230
    labels = [label for _, label in variants]
    counts: dict[tuple[date, int | None], int] = {}
    revenue: dict[date, float] = {}
    for entry in entries:
        day = date.fromisoformat(entry["day"])
        key = (day, entry["variant"])
        counts[key] = counts.get(key, 0) + entry["conversions"]
        revenue[day] = revenue.get(day, 0.0) + entry["revenue"]
    if not revenue:
        return TimelineChart(WIDTH, height, left, right, top, bottom, [], [], [], labels, [])
    first, last = min(revenue), max(revenue)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    high, values = _scale(max(counts.values()), whole=True)

    def x_of(i: int) -> float:
        if len(days) == 1:
            return _r((left + right) / 2)
        return _r(left + (right - left) * i / (len(days) - 1))

    def y_of(value: float) -> float:
        return _r(bottom - (bottom - top) * value / high)

    lines = []
    for n, (vid, label) in enumerate(variants):
        points = []
        for i, day in enumerate(days):
            value = counts.get((day, vid), 0)
            points.append(Point(x_of(i), y_of(value), value, day))
        lines.append(Line(label, n % SERIES, points, left + 70.0 * n))
    every = math.ceil(len(days) / 6)
    x_ticks = [
        Tick(x_of(i), f"{day.day} {day:%b}", bottom + 16)
        for i, day in enumerate(days)
        if i % every == 0
    ]
    y_ticks = [Tick(y_of(v), _number(v), _r(y_of(v) + 4)) for v in values]
    # The table lists the days with conversions; the chart shows the quiet days between as 0.
    table = [
        (day, [counts.get((day, vid), 0) for vid, _ in variants], revenue[day])
        for day in sorted(revenue)
    ]
    return TimelineChart(
        WIDTH, height, left, right, top, bottom, lines, x_ticks, y_ticks, labels, table
    )
