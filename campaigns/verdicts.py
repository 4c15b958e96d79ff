"""From a results snapshot (campaigns.results) to what the marketer reads: rates with their
95% intervals, A/B verdicts in plain words, holdout lift and return on investment.

Rates are per message sent. In each track, every variant is compared with the first one (A,
the control) on open, click and conversion rates (two-proportion z-test) and on revenue per
recipient (Welch's t-test, which the skew of revenue does not upset at campaign sizes). With
more than one comparison per metric the p-values are corrected with Holm's method, and the
page says so. Below SEGMENTA_AB_MIN_PER_VARIANT recipients nothing is called significant.
"""

import math
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from campaigns import results
from campaigns.models import Campaign, Channel, WinnerMetric
from campaigns.stats import (
    Comparison,
    Interval,
    Moments,
    holm,
    mean_interval,
    sample_size_means,
    sample_size_per_variant,
    two_proportions,
    welch,
    wilson,
)

RATE_METRICS = {  # metric -> (count, label, "B ... than A" better, worse)
    WinnerMetric.OPEN: ("opened", "Open rate", "gets more opens", "gets fewer opens"),
    WinnerMetric.CLICK: ("clicked", "Click rate", "gets more clicks", "gets fewer clicks"),
    WinnerMetric.CONVERSION: ("converted", "Conversion rate", "converts better", "converts worse"),
}
REVENUE = WinnerMetric.REVENUE
REVENUE_LABEL = "Revenue per recipient"
DETECT_POINTS = 0.01  # "... recipients needed to detect a 1-point lift"
DETECT_REVENUE_SHARE = 0.10  # "... to detect a 10% difference in revenue per recipient"


def metrics_for(channel: str) -> list[str]:
    """The metrics a channel can measure: text messages have no opens."""
    metrics = [WinnerMetric.CONVERSION, WinnerMetric.CLICK, REVENUE]
    if channel == Channel.EMAIL:
        metrics.insert(0, WinnerMetric.OPEN)
    return [str(m) for m in metrics]


@dataclass
class Rate:
    successes: int
    n: int
    interval: Interval

    @classmethod
    def of(cls, successes: int, n: int) -> "Rate":
        return cls(successes, n, wilson(successes, n))

    @property
    def percent(self) -> float:
        return 100 * self.interval.estimate

    @property
    def low(self) -> float:
        return 100 * self.interval.low

    @property
    def high(self) -> float:
        return 100 * self.interval.high


@dataclass
class VariantResult:
    id: int | None
    label: str
    subject: str
    counts: dict[str, int]
    revenue: float
    moments: Moments
    orders: int
    order_total: float
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def sent(self) -> int:
        return self.counts["sent"]

    def rate(self, metric: str) -> Rate:
        count = RATE_METRICS[metric][0] if metric in RATE_METRICS else metric
        return Rate.of(self.counts[count], self.sent)

    @property
    def rates(self) -> dict[str, Rate]:
        names = [*RATE_METRICS, "unsubscribed"]
        return {str(name): self.rate(name) for name in names}

    @property
    def revenue_per_recipient(self) -> Interval:
        return mean_interval(self.moments)

    @property
    def average_order_value(self) -> float | None:
        return self.order_total / self.orders if self.orders else None


@dataclass
class Verdict:
    metric: str
    label: str  # the variant compared with the control
    control: str
    kind: str  # better, worse, none, too_few
    comparison: Comparison
    text: str

    @property
    def significant(self) -> bool:
        return self.kind in ("better", "worse")


@dataclass
class Lift:
    sent: Rate
    holdout: Rate
    conversion: Comparison  # sent - holdout, in rate
    sent_revenue: Interval
    holdout_revenue: Interval
    revenue: Comparison  # sent - holdout, per recipient
    text: str

    @property
    def relative(self) -> float | None:
        base = self.holdout.interval.estimate
        return 100 * self.conversion.difference / base if base else None


@dataclass
class TrackResult:
    id: int
    position: int
    segment: str
    segment_id: int
    variants: list[VariantResult]
    holdout: int
    verdicts: dict[str, list[Verdict]]
    lift: Lift | None
    cost: float
    roi: float | None

    @property
    def revenue(self) -> float:
        return sum(v.revenue for v in self.variants)

    @property
    def sent(self) -> int:
        return sum(v.sent for v in self.variants)

    @property
    def correction(self) -> str:
        others = len([v for v in self.variants if v.sent]) - 1
        if others < 2:
            return ""
        control = self.variants[0].label
        return (
            f"Each variant is compared with {control}; the {others} comparisons per measure "
            "are corrected for multiple testing (Holm), so that the chance of any false "
            "winner stays at 5%."
        )


@dataclass
class Report:
    campaign: Campaign
    tracks: list[TrackResult]
    total: VariantResult
    metrics: list[str]
    timeline: list[dict[str, Any]]
    extra_labels: dict[str, str]
    lift: Lift | None

    @property
    def revenue(self) -> float:
        return sum(track.revenue for track in self.tracks)

    @property
    def cost(self) -> float:
        return float(self.campaign.cost)

    @property
    def roi(self) -> float | None:
        return roi(self.revenue, self.cost)


def roi(revenue: float, cost: float) -> float | None:
    """(attributed revenue - cost) / cost; None without a cost."""
    return (revenue - cost) / cost if cost > 0 else None


# --- building the report -----------------------------------------------------------------


def variant_result(
    raw: dict[str, Any], extra: dict[str, dict[str, int]] | None = None, track_id: int = 0
) -> VariantResult:
    """A variant of the snapshot (campaigns.results) with its counts and revenue moments."""
    extra = extra or {}
    counts = {key: raw.get(key, 0) for key in results.FUNNEL}
    return VariantResult(
        id=raw.get("id"),
        label=raw["label"],
        subject=raw.get("subject", ""),
        counts=counts,
        revenue=raw["revenue_sum"],
        moments=Moments(raw["sent"], raw["revenue_sum"], raw["revenue_squares"]),
        orders=raw["orders"],
        order_total=raw["order_total"],
        extra={
            name: values.get(f"{track_id}:{raw.get('id')}", 0) for name, values in extra.items()
        },
    )


def _sum(variants: list[VariantResult], label: str) -> VariantResult:
    counts = {key: sum(v.counts[key] for v in variants) for key in results.FUNNEL}
    extra: dict[str, int] = {}
    for variant in variants:
        for key, n in variant.extra.items():
            extra[key] = extra.get(key, 0) + n
    return VariantResult(
        id=None,
        label=label,
        subject="",
        counts=counts,
        revenue=sum(v.revenue for v in variants),
        moments=Moments(
            sum(v.moments.n for v in variants),
            sum(v.moments.total for v in variants),
            sum(v.moments.squares for v in variants),
        ),
        orders=sum(v.orders for v in variants),
        order_total=sum(v.order_total for v in variants),
        extra=extra,
    )


def build(campaign: Campaign, data: dict[str, Any]) -> Report:
    extra = data.get("extra", {})
    metrics = metrics_for(campaign.channel)
    tracks, all_variants, lifts = [], [], []
    total_sent = sum(v["sent"] for t in data["tracks"] for v in t["variants"]) or 0
    for raw in data["tracks"]:
        variants = [variant_result(v, extra, raw["id"]) for v in raw["variants"]]
        all_variants += variants
        sent = sum(v.sent for v in variants)
        cost = float(campaign.cost) * sent / total_sent if total_sent else 0.0
        lift = _lift(raw.get("lift"))
        if raw.get("lift"):
            lifts.append(raw["lift"])
        tracks.append(
            TrackResult(
                id=raw["id"],
                position=raw["position"],
                segment=raw["segment"],
                segment_id=raw["segment_id"],
                variants=variants,
                holdout=raw["holdout"],
                verdicts={metric: compare(variants, metric) for metric in metrics},
                lift=lift,
                cost=cost,
                roi=roi(sum(v.revenue for v in variants), cost),
            )
        )
    return Report(
        campaign=campaign,
        tracks=tracks,
        total=_sum(all_variants, "All"),
        metrics=metrics,
        timeline=data.get("timeline", []),
        extra_labels=results.extra_counts(),
        lift=_lift(_pooled_lift(lifts)) if lifts else None,
    )


# --- comparisons -------------------------------------------------------------------------


def _compare_one(control: VariantResult, other: VariantResult, metric: str) -> Comparison:
    if metric == REVENUE:
        return welch(control.moments, other.moments)
    count = RATE_METRICS[metric][0]
    return two_proportions(control.counts[count], control.sent, other.counts[count], other.sent)


def _needed(control: VariantResult, other: VariantResult, metric: str) -> tuple[int, str]:
    """More recipients per variant to detect the smallest lift worth knowing, and that lift
    in words."""
    have = min(control.sent, other.sent)
    if metric == REVENUE:
        pooled = Moments(
            control.moments.n + other.moments.n,
            control.moments.total + other.moments.total,
            control.moments.squares + other.moments.squares,
        )
        difference = DETECT_REVENUE_SHARE * control.moments.mean
        required = sample_size_means(math.sqrt(pooled.variance), difference)
        return max(0, required - have), "a 10% difference in revenue per recipient"
    baseline = control.rate(metric).interval.estimate
    return max(0, sample_size_per_variant(baseline, DETECT_POINTS) - have), "a 1-point lift"


def _amount(metric: str, value: float) -> str:
    if metric == REVENUE:
        return f"{value:+.2f} per recipient"
    return f"{100 * value:+.1f} points"


def _interval(metric: str, comparison: Comparison) -> str:
    scale, digits = (1, 2) if metric == REVENUE else (100, 1)
    if not math.isfinite(comparison.low):
        return "95% CI not yet known"
    return f"95% CI [{scale * comparison.low:.{digits}f}, {scale * comparison.high:.{digits}f}]"


def _words(metric: str) -> tuple[str, str]:
    if metric == REVENUE:
        return "earns more per recipient", "earns less per recipient"
    return RATE_METRICS[metric][2], RATE_METRICS[metric][3]


def _verdict(
    control: VariantResult,
    other: VariantResult,
    metric: str,
    comparison: Comparison,
    rejected: bool,
) -> Verdict:
    a, b = control.label, other.label
    minimum = settings.SEGMENTA_AB_MIN_PER_VARIANT
    figures = f"{_amount(metric, comparison.difference)}, {_interval(metric, comparison)}"
    if min(control.sent, other.sent) < minimum:
        needed, what = _needed(control, other, metric)
        more = max(needed, minimum - min(control.sent, other.sent))
        text = (
            f"Too few recipients yet to compare {b} with {a} ({figures}): about {more:,} more "
            f"per variant needed to detect {what}."
        )
        return Verdict(metric, b, a, "too_few", comparison, text)
    if rejected:
        better, worse = _words(metric)
        kind = "better" if comparison.difference > 0 else "worse"
        text = f"{b} {better if kind == 'better' else worse} than {a}: {figures}."
        return Verdict(metric, b, a, kind, comparison, text)
    if metric == REVENUE and not (control.moments.total or other.moments.total):
        text = f"No revenue from {a} or {b} yet: nothing to compare."
        return Verdict(metric, b, a, "none", comparison, text)
    needed, what = _needed(control, other, metric)
    if needed:
        text = (
            f"No significant difference yet between {b} and {a} ({figures}): about "
            f"{needed:,} more recipients per variant needed to detect {what}."
        )
    else:
        text = (
            f"No significant difference between {b} and {a} ({figures}); these numbers "
            f"would have shown {what}, so any difference is smaller."
        )
    return Verdict(metric, b, a, "none", comparison, text)


def compare(variants: list[VariantResult], metric: str) -> list[Verdict]:
    """Every variant that was sent against the first one (the control), Holm-corrected."""
    sent = [v for v in variants if v.sent]
    if len(sent) < 2:
        return []
    control, others = sent[0], sent[1:]
    comparisons = [_compare_one(control, other, metric) for other in others]
    rejected = holm([c.p_value for c in comparisons])
    return [
        _verdict(control, other, metric, comparison, flag)
        for other, comparison, flag in zip(others, comparisons, rejected, strict=True)
    ]


# --- holdout lift ------------------------------------------------------------------------


def _pooled_lift(lifts: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    pooled: dict[str, dict[str, float]] = {}
    for lift in lifts:
        for group, figures in lift.items():
            into = pooled.setdefault(group, {})
            for key, value in figures.items():
                into[key] = into.get(key, 0) + value
    return pooled


def _lift(raw: dict[str, dict[str, float]] | None) -> Lift | None:
    if not raw or "sent" not in raw or "holdout" not in raw:
        return None
    s, h = raw["sent"], raw["holdout"]
    sent_m = Moments(int(s["n"]), s["revenue_sum"], s["revenue_squares"])
    held_m = Moments(int(h["n"]), h["revenue_sum"], h["revenue_squares"])
    conversion = two_proportions(int(h["converted"]), int(h["n"]), int(s["converted"]), int(s["n"]))
    revenue = welch(held_m, sent_m)
    lift = Lift(
        sent=Rate.of(int(s["converted"]), int(s["n"])),
        holdout=Rate.of(int(h["converted"]), int(h["n"])),
        conversion=conversion,
        sent_revenue=mean_interval(sent_m),
        holdout_revenue=mean_interval(held_m),
        revenue=revenue,
        text="",
    )
    lift.text = _lift_text(lift)
    return lift


def _lift_text(lift: Lift) -> str:
    c = lift.conversion
    points = f"{100 * c.difference:+.1f} points, 95% CI [{100 * c.low:.1f}, {100 * c.high:.1f}]"
    if lift.holdout.n < settings.SEGMENTA_AB_MIN_PER_VARIANT:
        return f"The holdout is too small to measure lift yet ({points})."
    if not c.significant():
        return f"No significant lift over the holdout yet ({points})."
    relative = f", {lift.relative:+.0f}% over the holdout" if lift.relative is not None else ""
    direction = "raised" if c.difference > 0 else "lowered"
    return f"The campaign {direction} the conversion rate: {points}{relative}."


# --- test-then-winner --------------------------------------------------------------------


@dataclass
class Pick:
    leader: VariantResult | None
    significant: bool
    summary: str
    figures: dict[str, Any]


def _estimate(variant: VariantResult, metric: str) -> float:
    if metric == REVENUE:
        return variant.moments.mean
    return variant.rate(metric).interval.estimate


def _figures(variants: list[VariantResult], metric: str) -> dict[str, Any]:
    rows = {}
    for v in variants:
        interval = v.revenue_per_recipient if metric == REVENUE else v.rate(metric).interval
        rows[v.label] = {
            "sent": v.sent,
            "estimate": interval.estimate,
            "low": interval.low if math.isfinite(interval.low) else None,
            "high": interval.high if math.isfinite(interval.high) else None,
        }
    return {"metric": metric, "variants": rows}


def pick_winner(variants: list[VariantResult], metric: str) -> Pick:
    """The leader on the metric, and whether it beats every other variant significantly
    (Holm-corrected, each group at least SEGMENTA_AB_MIN_PER_VARIANT recipients)."""
    figures = _figures(variants, metric)
    label = RATE_METRICS[metric][1] if metric in RATE_METRICS else REVENUE_LABEL
    if len(variants) < 2:
        only = variants[0] if variants else None
        return Pick(only, False, "Only one variant: nothing to test.", figures)
    ranked = sorted(variants, key=lambda v: (-_estimate(v, metric), v.label))
    leader, others = ranked[0], ranked[1:]
    comparisons = [_compare_one(other, leader, metric) for other in others]
    rejected = holm([c.p_value for c in comparisons])
    figures["comparisons"] = {
        other.label: {
            "difference": c.difference,
            "low": c.low if math.isfinite(c.low) else None,
            "high": c.high if math.isfinite(c.high) else None,
            "p_value": c.p_value,
            "significant": flag and c.difference > 0,
        }
        for other, c, flag in zip(others, comparisons, rejected, strict=True)
    }
    minimum = settings.SEGMENTA_AB_MIN_PER_VARIANT
    smallest = min(v.sent for v in variants)
    if smallest < minimum:
        summary = (
            f"Too few recipients to decide on {label.lower()}: {smallest:,} in the smallest "
            f"variant, {minimum:,} needed."
        )
        return Pick(leader, False, summary, figures)
    significant = all(
        flag and c.difference > 0 for c, flag in zip(comparisons, rejected, strict=True)
    )
    best = f"{leader.label} leads on {label.lower()} ({_show(leader, metric)})"
    others_text = ", ".join(f"{o.label} {_show(o, metric)}" for o in others)
    if significant:
        summary = f"{best}, significantly ahead of {others_text}."
    else:
        summary = f"{best}, but not significantly ahead of {others_text}."
    return Pick(leader, significant, summary, figures)


def _show(variant: VariantResult, metric: str) -> str:
    if metric == REVENUE:
        return f"{variant.moments.mean:.2f} per recipient"
    return f"{variant.rate(metric).percent:.1f}%"
