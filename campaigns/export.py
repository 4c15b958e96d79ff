"""A campaign's results as a spreadsheet: one row per track x variant with every funnel count,
the rates and their 95% bounds, revenue, revenue per recipient, average order value, cost
share, ROI and the verdicts in words; and for a track with a holdout, a row for the holdout
and one for the track's sent group, with their orders in the window after launch (the lift).

Segment names, subjects and campaign names are people's text: every text cell goes through
safe_cell of segmentation.shared.spreadsheet (a leading = + - @, tab or CR gets an
apostrophe), in the CSV (csv_text) and in the XLSX (xlsx_response). Numbers stay numbers, so
a negative bound is still a number a spreadsheet can use.
"""

from collections.abc import Iterator

from django.http import HttpResponse

from campaigns import results
from campaigns.stats import Interval
from campaigns.verdicts import Rate, Report, TrackResult, VariantResult, roi
from segmentation.shared.spreadsheet import csv_text, xlsx_response

RATES = [("open", "Open rate"), ("click", "Click rate"), ("conversion", "Conversion rate"),
         ("unsubscribed", "Unsubscribe rate")]  # fmt: skip
# The funnel's counts; "queued" only matters while sending, not in a results file.
COUNTS = [name for name in results.FUNNEL if name != "queued"]
WINDOW = ["Ordered in window %", "Ordered in window low %", "Ordered in window high %",
          "Revenue in window per person", "Revenue in window per person low",
          "Revenue in window per person high"]  # fmt: skip


def header(report: Report) -> list[str]:
    rates = [f"{label} {part}" for _, label in RATES for part in ("%", "low %", "high %")]
    return [
        "Campaign", "Track", "Segment", "Variant", "Subject", "Held out",
        *(c.capitalize() for c in COUNTS), *report.extra_labels.values(), *rates,
        "Revenue", "Revenue per recipient", "Revenue per recipient low",
        "Revenue per recipient high", "Orders", "Average order value", "Cost share",
        "ROI (revenue - cost) / cost", *WINDOW, "Verdicts",
    ]  # fmt: skip


def rows(report: Report) -> Iterator[list]:
    """The header, then per track its variants, and with a holdout the two groups whose
    orders in the conversion window after launch give the lift (the same measure for both)."""
    yield header(report)
    for number, track in enumerate(report.tracks, start=1):
        for variant in track.variants:
            yield _variant_row(report, track, variant, number)
        if track.holdout:
            yield from _holdout_rows(report, track, number)


def _start(report: Report, track: TrackResult, number: int, label: str, subject: str) -> list:
    """Track numbers as on the page: 1, 2, ... in the order tracks win overlaps."""
    return [report.campaign.name, number, track.segment, label, subject]


def _variant_row(report: Report, track: TrackResult, variant: VariantResult, number: int) -> list:
    rates = variant.rates
    money = variant.revenue_per_recipient
    aov = variant.average_order_value
    # The track's cost share, shared again by messages sent.
    cost = track.cost * variant.sent / track.sent if track.sent else 0.0
    verdicts = [v.text for metric in report.metrics for v in track.verdicts.get(metric, [])
                if v.label == variant.label]  # fmt: skip
    return [
        *_start(report, track, number, variant.label, variant.subject),
        None,
        *(variant.counts.get(name, 0) for name in COUNTS),
        *(variant.extra.get(name, 0) for name in report.extra_labels),
        *(round(x, 3) for name, _ in RATES for x in _bounds(rates[name])),
        round(variant.revenue, 2),
        *(round(x, 4) for x in (money.estimate, money.low, money.high)),
        variant.orders,
        None if aov is None else round(aov, 2),
        round(cost, 2),
        _roi(variant.revenue, cost),
        *[None] * len(WINDOW),
        " ".join(verdicts),
    ]


def _holdout_rows(report: Report, track: TrackResult, number: int) -> Iterator[list]:
    blank = len(header(report)) - 6 - len(WINDOW) - 1
    lift = track.lift
    held = [*_start(report, track, number, "Holdout (not sent)", ""), track.holdout]
    held += [None] * blank
    if lift is None:
        yield [*held, *[None] * len(WINDOW), ""]
        return
    yield [*held, *_window(lift.holdout, lift.holdout_revenue), lift.text]
    sent = [*_start(report, track, number, "All sent (for the lift)", ""), None, *[None] * blank]
    yield [*sent, *_window(lift.sent, lift.sent_revenue), ""]


def _window(rate: Rate, revenue: Interval) -> list[float]:
    return [*(round(x, 3) for x in _bounds(rate)),
            *(round(x, 4) for x in (revenue.estimate, revenue.low, revenue.high))]  # fmt: skip


def _roi(revenue: float, cost: float) -> float | None:
    value = roi(revenue, cost)
    return None if value is None else round(value, 4)


def _bounds(rate: Rate) -> tuple[float, float, float]:
    return rate.percent, rate.low, rate.high


def response(report: Report, fmt: str) -> HttpResponse:
    stem = f"campaign-{report.campaign.pk}-results"
    table = list(rows(report))
    if fmt == "xlsx":
        return xlsx_response(f"{stem}.xlsx", table, "Results")
    response = HttpResponse(csv_text(table[0], table[1:]), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
    return response
