"""Campaign results: the raw counts per track (segment) x variant, kept as a snapshot.

collect() reads a campaign's delivery rows in a few grouped queries: the funnel per track and
variant, the attributed orders (for the average order value), conversions per day, and, with
a holdout, orders of the sent and the held-out customers in the same window (for the lift).
The result is plain JSON, stored in CampaignResult: the results page renders from it, so a
page view costs two small reads whatever the campaign's size, and a task (campaigns.tasks:
beat, or a view finding it stale) computes the next one. campaigns.verdicts turns it into
rates, intervals and verdicts.

Other apps add counts to the funnel (feedback adds survey responses) with provide_count()
from their AppConfig.ready, so that campaigns does not import them.
"""

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, FloatField, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from campaigns.models import (
    Campaign,
    CampaignResult,
    CampaignStatus,
    Delivery,
    DeliveryStatus,
    OrderAttribution,
    Track,
)
from segmentation.customers.models import Order

# fn(campaign) -> {(track_id, variant_id or None): count}
CountProvider = Callable[[Campaign], dict[tuple[int, int | None], int]]
_count_providers: dict[str, tuple[str, CountProvider]] = {}

SENT = DeliveryStatus.SENT
FUNNEL = (
    "frozen",
    "queued",
    "sent",
    "failed",
    "skipped",
    "cancelled",
    "waiting",
    "opened",
    "clicked",
    "converted",
    "unsubscribed",
)


def provide_count(name: str, label: str, provider: CountProvider) -> None:
    """Let another app add a count per track and variant to the results."""
    _count_providers[name] = (label, provider)


def extra_counts() -> dict[str, str]:
    """The added counts' names and labels."""
    return {name: label for name, (label, _) in _count_providers.items()}


# --- collecting ----------------------------------------------------------------------------


def _squares(name: str, filter: Q):
    return Sum(F(name) * F(name), filter=filter, output_field=FloatField())


def _funnel(campaign: Campaign, track: Track | None = None) -> dict[tuple[int, int | None], dict]:
    """One grouped pass over the campaign's rows (or one track's). Rows waiting for an A/B
    winner carry a provisional variant: they count as waiting only. Holdout rows have no
    variant."""
    status = DeliveryStatus
    sent = Q(status=SENT)
    rows = Delivery.objects.filter(campaign=campaign)
    if track is not None:
        rows = rows.filter(track=track)
    rows = (
        rows.order_by()
        .values("track_id", "variant_id")
        .annotate(
            frozen=Count("id", filter=~Q(status__in=[status.WAITING, status.HOLDOUT])),
            queued=Count("id", filter=Q(status__in=[status.QUEUED, status.CLAIMED])),
            sent=Count("id", filter=sent),
            failed=Count("id", filter=Q(status=status.FAILED)),
            skipped=Count("id", filter=Q(status=status.SKIPPED)),
            cancelled=Count("id", filter=Q(status=status.CANCELLED)),
            waiting=Count("id", filter=Q(status=status.WAITING)),
            holdout=Count("id", filter=Q(status=status.HOLDOUT)),
            opened=Count("id", filter=sent & Q(opened_at__isnull=False)),
            clicked=Count("id", filter=sent & Q(clicked_at__isnull=False)),
            converted=Count("id", filter=sent & Q(converted_at__isnull=False)),
            unsubscribed=Count("id", filter=sent & Q(unsubscribed_at__isnull=False)),
            revenue_sum=Sum("revenue", filter=sent, output_field=FloatField()),
            revenue_squares=_squares("revenue", sent),
        )
    )
    return {(row.pop("track_id"), row.pop("variant_id")): row for row in rows}


def _orders(campaign: Campaign) -> dict[tuple[int, int | None], tuple[int, float]]:
    """Attributed orders and their total per track and variant (average order value)."""
    rows = (
        # Every credited delivery has converted_at: the converters' index finds them.
        OrderAttribution.objects.filter(
            delivery__campaign=campaign, delivery__converted_at__isnull=False
        )
        .order_by()
        .values_list("delivery__track_id", "delivery__variant_id")
        .annotate(n=Count("id"), total=Sum("order__total", output_field=FloatField()))
    )
    return {(track, variant): (n, total or 0.0) for track, variant, n, total in rows}


def _timeline(campaign: Campaign) -> list[dict[str, Any]]:
    """Conversions (first order of a recipient) and their revenue per day, track and variant."""
    rows = (
        Delivery.objects.filter(campaign=campaign, status=SENT, converted_at__isnull=False)
        .annotate(day=TruncDate("converted_at"))
        .order_by()
        .values("day", "track_id", "variant_id")
        .annotate(conversions=Count("id"), revenue_sum=Sum("revenue", output_field=FloatField()))
        .order_by("day", "track_id", "variant_id")
    )
    return [
        {
            "day": row["day"].isoformat(),
            "track": row["track_id"],
            "variant": row["variant_id"],
            "conversions": row["conversions"],
            "revenue": row["revenue_sum"] or 0.0,
        }
        for row in rows
    ]


def lift_window(campaign: Campaign) -> tuple[datetime, datetime] | None:
    if not campaign.launched_at:
        return None
    return campaign.launched_at, campaign.launched_at + timedelta(
        days=campaign.conversion_window_days
    )


# Only customers who ordered in the window join (an inner join: the planner can start from
# the window's orders); how many were sent or held out comes from the funnel.
_LIFT_SQL = """
SELECT d.track_id, d.status, COUNT(*), SUM(o.s), SUM(o.s * o.s)
FROM {deliveries} d
JOIN (
    SELECT customer_id, SUM(total) AS s FROM {orders}
    WHERE placed_at >= %s AND placed_at <= %s AND customer_id IS NOT NULL
    GROUP BY customer_id
) o ON o.customer_id = d.customer_id
WHERE d.campaign_id = %s AND d.status IN (%s, %s)
GROUP BY d.track_id, d.status
"""


def _group_sizes(funnel: dict) -> dict[tuple[int, str], int]:
    sizes: dict[tuple[int, str], int] = {}
    for (track_id, _), counts in funnel.items():
        for group, key in (("sent", "sent"), ("holdout", "holdout")):
            sizes[track_id, group] = sizes.get((track_id, group), 0) + counts[key]
    return sizes


def _lift(campaign: Campaign, funnel: dict) -> dict[int, dict[str, dict[str, float]]]:
    """Sent against held-out customers, the same measure for both: did they order in the
    window after launch, and how much. (Attribution credits only messages, so it cannot
    speak for the holdout; this compares like with like.)"""
    window = lift_window(campaign)
    if not campaign.holdout_percent or window is None:
        return {}
    tables = {"deliveries": Delivery._meta.db_table, "orders": Order._meta.db_table}
    sql = _LIFT_SQL.format(**tables)  # noqa: S608 (names from the models, values as parameters)
    start, end = (connection.ops.adapt_datetimefield_value(t) for t in window)
    params = [start, end, campaign.pk, SENT.value, DeliveryStatus.HOLDOUT.value]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        buyers = {(track, status): rest for track, status, *rest in cursor.fetchall()}
    lift: dict[int, dict[str, dict[str, float]]] = {}
    for (track_id, group), n in _group_sizes(funnel).items():
        status = SENT.value if group == "sent" else DeliveryStatus.HOLDOUT.value
        converted, total, squares = buyers.get((track_id, status), (0, 0, 0))
        lift.setdefault(track_id, {})[group] = {
            "n": n,
            "converted": int(converted or 0),
            "revenue_sum": float(total or 0),
            "revenue_squares": float(squares or 0),
        }
    return lift


def _extra(campaign: Campaign) -> dict[str, dict[str, int]]:
    """Counts from other apps, keyed "track:variant" (JSON keys are strings)."""
    return {
        name: {f"{track}:{variant}": n for (track, variant), n in provider(campaign).items()}
        for name, (_, provider) in _count_providers.items()
    }


def _variants(track: Track, funnel: dict, orders: dict) -> list[dict[str, Any]]:
    variants = []
    for variant in track.variants.all():
        counts = dict.fromkeys(FUNNEL, 0) | funnel.get((track.pk, variant.pk), {})
        n_orders, order_total = orders.get((track.pk, variant.pk), (0, 0.0))
        variants.append(
            {
                "id": variant.pk,
                "label": variant.label,
                "weight": variant.weight,
                "subject": variant.subject,
                **{key: counts[key] for key in FUNNEL},
                "revenue_sum": counts.get("revenue_sum") or 0.0,
                "revenue_squares": counts.get("revenue_squares") or 0.0,
                "orders": n_orders,
                "order_total": order_total,
            }
        )
    return variants


def track_variants(track: Track) -> list[dict[str, Any]]:
    """One track's variants with their counts, read now (the A/B decision needs fresh ones)."""
    return _variants(track, _funnel(track.campaign, track), {})


def collect(campaign: Campaign) -> dict[str, Any]:
    """Everything the results page shows, as JSON-ready data."""
    funnel = _funnel(campaign)
    orders = _orders(campaign)
    lift = _lift(campaign, funnel)
    tracks = []
    for track in campaign.tracks.select_related("segment").prefetch_related("variants"):
        variants = _variants(track, funnel, orders)
        held = funnel.get((track.pk, None), {})
        tracks.append(
            {
                "id": track.pk,
                "position": track.position,
                "segment": track.segment.name,
                "segment_id": track.segment_id,
                "variants": variants,
                "holdout": held.get("holdout", 0),
                "lift": lift.get(track.pk),
            }
        )
    return {"tracks": tracks, "timeline": _timeline(campaign), "extra": _extra(campaign)}


# --- the snapshot --------------------------------------------------------------------------


def refresh(campaign: Campaign, now: datetime | None = None) -> CampaignResult:
    """Compute and store the campaign's results now."""
    started = time.monotonic()
    data = collect(campaign)
    took = int((time.monotonic() - started) * 1000)
    result, _ = CampaignResult.objects.update_or_create(
        campaign=campaign,
        defaults={"computed_at": now or timezone.now(), "took_ms": took, "data": data},
    )
    # A refresh asked for from now on computes again (the guard of campaigns.tasks'
    # request_refresh is for the requests that arrive while one is queued or running).
    cache.delete(refresh_key(campaign))
    return result


def refresh_key(campaign: Campaign) -> str:
    """The cache key that marks a refresh as queued or running (one at a time per campaign)."""
    return f"results-refresh:{campaign.pk}"


def stale(result: CampaignResult | None, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    age = timedelta(seconds=settings.SEGMENTA_RESULTS_MAX_AGE)
    return result is None or result.computed_at < now - age


def still_changing(campaign: Campaign, now: datetime | None = None) -> bool:
    """Sending, or within its conversion window (plus a day for late order imports)."""
    now = now or timezone.now()
    if campaign.status in (CampaignStatus.SENDING, CampaignStatus.PAUSED):
        return True
    if not campaign.launched_at:
        return False
    end = campaign.finished_at or campaign.launched_at
    return now <= end + timedelta(days=campaign.conversion_window_days + 1)


def small(campaign: Campaign) -> bool:
    """Few enough deliveries to compute the snapshot during a request."""
    limit = settings.SEGMENTA_RESULTS_INLINE_LIMIT
    return Delivery.objects.filter(campaign=campaign)[: limit + 1].count() <= limit


def changing(now: datetime | None = None) -> list[Campaign]:
    """Every launched campaign whose figures may still change."""
    now = now or timezone.now()
    recent = now - timedelta(days=90 + 1)  # the longest conversion window, plus a day
    launched = Campaign.objects.filter(launched_at__gte=recent).only(
        "pk", "status", "launched_at", "finished_at", "conversion_window_days"
    )
    return [campaign for campaign in launched if still_changing(campaign, now)]
