"""A campaign's results at 1,000,000 deliveries: the snapshot's refresh and the page's p95.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/segmenta_resultsbench python -m bench.results

1. Migrates the database and seeds it with seed_demo (1M customers / 2M orders) when it has
   fewer customers than deliveries wanted; says how long that took.
2. Builds, once (later runs reuse it), the sent campaign "bench-results": two tracks (60% and
   40% of the audience) with 2 and 3 variants, a 10% holdout, one delivery row per customer
   written by one INSERT ... SELECT over the customers (per-variant open, click and conversion
   rates, skewed revenue on converters, a few failures, skips and opt-outs); then, set-based
   too, one order and one OrderAttribution per conversion, and orders in the conversion window
   for 0.7% of all recipients, sent and held out alike (what the holdout lift compares).
3. Times results.refresh(campaign), the snapshot the page reads, --refreshes times, and each
   of its queries once.
4. With the snapshot fresh, requests the results page and the floor, round robin, through
   Django's test client as a Marketer (as bench.pages: DEBUG off, HTTPS). The floor is a page
   that extends base.html with nothing in it, behind the same login and permission check, so
   ratio = floor p95 / page p95 prices what the results add to any signed-in page. The
   dashboard (which reads the same snapshot) is measured beside them.
The figures go to stderr; the last line on stdout is one JSON object.
"""

import argparse
import json
import os
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "0")
if os.environ["DEBUG"] == "0":
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")  # noqa: S105
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/12")

import django

django.setup()

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, include, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from bench.pages import log, marketer_client, percentile, server_version
from campaigns import results
from campaigns.models import Campaign, CampaignStatus, Delivery, Track, Variant
from segmentation.customers.models import Customer, Order
from segmentation.segments.models import Segment
from segmentation.segments.tree import empty
from segmentation.shared.access import role_required

NAME = "bench-results"
TARGET_P95_MS = 300
HOLDOUT = 0.10
LAUNCHED_DAYS_AGO = 10  # finished, its 7-day window over: the snapshot stays as it is
# (segment, share of the audience, [(label, weight, open, click, conversion, revenue scale)])
TRACKS = [
    (
        "bench-results: newsletter regulars",
        0.6,
        [("A", 50, 0.24, 0.030, 0.010, 1.00), ("B", 50, 0.27, 0.034, 0.012, 1.05)],
    ),
    (
        "bench-results: lapsed buyers",
        0.4,
        [
            ("A", 34, 0.20, 0.025, 0.008, 1.00),
            ("B", 33, 0.20, 0.026, 0.008, 0.95),
            ("C", 33, 0.22, 0.031, 0.011, 1.10),
        ],
    ),
]

# Per variant, the arrays the INSERT joins each drawn customer to: track and variant ids, the
# ranges of the two random draws that pick them, and the variant's rates.
ASSIGNMENT = ("track", "variant", "t_low", "t_high", "v_low", "v_high", "p_open", "p_click",
              "p_conv", "scale")  # fmt: skip

# --- the floor: a signed-in page with nothing on it -----------------------------------------

FLOOR_TEMPLATE = engines["django"].from_string(
    '{% extends "base.html" %}{% block title %}Floor{% endblock %}'
    "{% block content %}<h1>Floor</h1>{% endblock %}"
)


@require_GET
@role_required("campaigns.view_campaign")
def floor(request: HttpRequest) -> HttpResponse:
    return HttpResponse(FLOOR_TEMPLATE.render({"section": "campaigns"}, request))


# This module is the URLconf while measuring: the app's URLs plus the floor (use_floor_urls).
urlpatterns: list = []


def use_floor_urls() -> None:
    app_urls = include(settings.ROOT_URLCONF)
    urlpatterns[:] = [path("bench/floor/", floor, name="bench_floor"), path("", app_urls)]
    settings.ROOT_URLCONF = __name__


# --- data ------------------------------------------------------------------------------------


def prepare(deliveries: int, orders: int) -> dict:
    """Migrate, and seed customers enough for one delivery each."""
    call_command("migrate", verbosity=0)
    have = Customer.objects.order_by().count()
    started = time.perf_counter()
    if have < deliveries:
        log(f"Seeding {deliveries - have:,} customers and {orders:,} orders...")
        call_command(
            "seed_demo",
            customers=deliveries - have,
            orders=orders,
            seed=7,
            append=have > 0,
            stdout=sys.stderr,
        )
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) segmentation_customer, segmentation_order")
    return {"seed_seconds": round(time.perf_counter() - started, 1)}


_DELIVERIES_SQL = """
WITH drawn AS MATERIALIZED (
    SELECT id AS customer_id, random() AS u_track, random() AS u_variant, random() AS u_hold,
           random() AS u_status, random() AS u_open, random() AS u_conv, random() AS u_unsub,
           random() AS u_sent, random() AS u_later, random() AS u_revenue
    FROM segmentation_customer ORDER BY id LIMIT %(n)s
), assigned AS (
    SELECT d.*, v.track_id, v.variant_id, v.p_open, v.p_click, v.p_conv, v.scale,
           CASE WHEN d.u_hold < %(holdout)s THEN 'holdout'
                WHEN d.u_status < 0.006 THEN 'failed'
                WHEN d.u_status < 0.010 THEN 'skipped'
                ELSE 'sent' END AS status,
           %(launched)s + d.u_sent * interval '2 hours' AS at
    FROM drawn d
    JOIN unnest(%(track)s::bigint[], %(variant)s::bigint[], %(t_low)s::float8[],
                %(t_high)s::float8[], %(v_low)s::float8[], %(v_high)s::float8[],
                %(p_open)s::float8[], %(p_click)s::float8[], %(p_conv)s::float8[],
                %(scale)s::float8[])
         AS v(track_id, variant_id, t_low, t_high, v_low, v_high, p_open, p_click, p_conv, scale)
      ON d.u_track >= v.t_low AND d.u_track < v.t_high
     AND d.u_variant >= v.v_low AND d.u_variant < v.v_high
)
INSERT INTO campaigns_delivery (
    public_id, campaign_id, customer_id, track_id, variant_id, status, claimed_by, attempts,
    sent_at, provider_message_id, error, opened_at, opens, clicked_at, clicks,
    unsubscribed_at, converted_at, revenue)
SELECT gen_random_uuid(), %(campaign)s, customer_id, track_id,
       CASE WHEN status = 'holdout' THEN NULL ELSE variant_id END,
       status, '', CASE WHEN status = 'holdout' THEN 0 ELSE 1 END,
       CASE WHEN status = 'sent' THEN at END,
       CASE WHEN status = 'sent' THEN 'bench-' || customer_id ELSE '' END,
       CASE WHEN status = 'failed' THEN '550 5.1.1 mailbox unavailable' ELSE '' END,
       CASE WHEN status = 'sent' AND u_open < p_open
            THEN at + u_later * u_later * interval '48 hours' END,
       CASE WHEN status = 'sent' AND u_open < p_open THEN 1 + floor(3 * u_later)::int ELSE 0 END,
       CASE WHEN status = 'sent' AND u_open < p_click
            THEN at + u_later * u_later * interval '48 hours' + interval '2 minutes' END,
       CASE WHEN status = 'sent' AND u_open < p_click THEN 1 + floor(2 * u_later)::int ELSE 0 END,
       CASE WHEN status = 'sent' AND u_unsub < 0.002 THEN at + u_later * interval '72 hours' END,
       CASE WHEN status = 'sent' AND u_conv < p_conv THEN at + u_later * interval '6 days' END,
       CASE WHEN status = 'sent' AND u_conv < p_conv
            THEN round(((15 + 400 * power(u_revenue, 3)) * scale)::numeric, 2) ELSE 0 END
FROM assigned
"""

# One order per conversion, credited to its delivery; organic orders in the window for 0.7%
# of sent and held-out recipients alike (the lift compares both groups' orders).
_ORDERS_SQL = [
    """
    INSERT INTO segmentation_order (external_id, customer_id, placed_at, total, currency, items)
    SELECT 'bench-results-' || id, customer_id, converted_at, revenue, 'EUR', '[]'::jsonb
    FROM campaigns_delivery WHERE campaign_id = %(campaign)s AND converted_at IS NOT NULL
    """,
    """
    INSERT INTO segmentation_order (external_id, customer_id, placed_at, total, currency, items)
    SELECT 'bench-results-organic-' || id, customer_id,
           %(launched)s + random() * interval '7 days',
           round((15 + 300 * power(random(), 3))::numeric, 2), 'EUR', '[]'::jsonb
    FROM campaigns_delivery
    WHERE campaign_id = %(campaign)s AND status IN ('sent', 'holdout') AND random() < 0.007
    """,
    """
    INSERT INTO campaigns_orderattribution (order_id, delivery_id, attributed_at)
    SELECT o.id, d.id, d.converted_at + interval '15 minutes'
    FROM campaigns_delivery d
    JOIN segmentation_order o ON o.external_id = 'bench-results-' || d.id
    WHERE d.campaign_id = %(campaign)s AND d.converted_at IS NOT NULL
    """,
    """
    UPDATE campaigns_delivery d SET conversion_order_id = a.order_id
    FROM campaigns_orderattribution a
    WHERE a.delivery_id = d.id AND d.campaign_id = %(campaign)s
    """,
]


def _drop_partial(campaign: Campaign) -> None:
    """An interrupted build: delete its rows in SQL (the ORM's cascade would load 1M rows)."""
    with connection.cursor() as cursor:
        for sql in [
            "DELETE FROM campaigns_orderattribution WHERE delivery_id IN "
            "(SELECT id FROM campaigns_delivery WHERE campaign_id = %s)",
            "DELETE FROM campaigns_delivery WHERE campaign_id = %s",
        ]:
            cursor.execute(sql, [campaign.pk])
        cursor.execute(
            "DELETE FROM segmentation_order WHERE external_id LIKE %s", ["bench-results-%"]
        )
    campaign.delete()


def _make_campaign() -> tuple[Campaign, dict[str, list]]:
    launched = timezone.now() - timedelta(days=LAUNCHED_DAYS_AGO)
    campaign = Campaign.objects.create(
        name=NAME,
        status=CampaignStatus.SENT,
        sender_name="Shop",
        sender_email="news@shop.example.com",
        holdout_percent=int(HOLDOUT * 100),
        conversion_window_days=7,
        cost=Decimal("5000.00"),
        launched_at=launched,
        finished_at=launched + timedelta(hours=2),
    )
    arrays: dict[str, list] = {key: [] for key in ASSIGNMENT}
    t_low = 0.0
    for position, (segment_name, share, variants) in enumerate(TRACKS):
        segment, _ = Segment.objects.get_or_create(
            name=segment_name, defaults={"definition": empty()}
        )
        track = Track.objects.create(campaign=campaign, segment=segment, position=position)
        v_low = 0.0
        for label, weight, p_open, p_click, p_conv, scale in variants:
            variant = Variant.objects.create(
                track=track, label=label, weight=weight, subject=f"{segment_name}, {label}"
            )
            row = [track.pk, variant.pk, t_low, t_low + share, v_low, v_low + weight / 100]
            row += [p_open, p_click, p_conv, scale]
            for key, value in zip(arrays, row, strict=True):
                arrays[key].append(value)
            v_low += weight / 100
        arrays["v_high"][-1] = 1.0  # weights add up to 100; no row may fall past the last
        t_low += share
    arrays["t_high"] = [1.0 if high >= 0.999 else high for high in arrays["t_high"]]
    return campaign, arrays


def build_campaign(deliveries: int) -> tuple[Campaign, dict]:
    """The bench campaign, built once: a later run with the same size reuses it."""
    existing = Campaign.objects.filter(name=NAME).first()
    if existing and Delivery.objects.filter(campaign=existing).count() == deliveries:
        return existing, {"build_seconds": 0.0, "reused": True}
    if existing:
        _drop_partial(existing)
    started = time.perf_counter()
    with transaction.atomic():
        campaign, arrays = _make_campaign()
        params = {"campaign": campaign.pk, "launched": campaign.launched_at, "n": deliveries}
        with connection.cursor() as cursor:
            cursor.execute(_DELIVERIES_SQL, {**params, "holdout": HOLDOUT, **arrays})
            log(f"  {cursor.rowcount:,} deliveries in {time.perf_counter() - started:.1f} s")
            for sql in _ORDERS_SQL:
                cursor.execute(sql, params)
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM (ANALYZE) campaigns_delivery, campaigns_orderattribution, segmentation_order"
        )
    took = round(time.perf_counter() - started, 1)
    log(f"Built the campaign in {took} s")
    return campaign, {"build_seconds": took, "reused": False}


def sizes(campaign: Campaign) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE status = 'holdout'), "
            "COUNT(*) FILTER (WHERE converted_at IS NOT NULL) "
            "FROM campaigns_delivery WHERE campaign_id = %s",
            [campaign.pk],
        )
        deliveries, holdout, converted = cursor.fetchone()
    return {
        "deliveries": deliveries,
        "holdout": holdout,
        "conversions": converted,
        "customers": Customer.objects.order_by().count(),
        "orders": Order.objects.order_by().count(),
    }


# --- measuring -------------------------------------------------------------------------------


def timed(run) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def time_refresh(campaign: Campaign, runs: int) -> dict:
    """The whole refresh, then each of collect()'s queries once (where the time goes)."""
    every = [round(timed(lambda: results.refresh(campaign)), 1) for _ in range(runs)]
    funnel = results._funnel(campaign)
    parts = {
        name: round(timed(run), 1)
        for name, run in [
            ("funnel", lambda: results._funnel(campaign)),
            ("orders", lambda: results._orders(campaign)),
            ("lift", lambda: results._lift(campaign, funnel)),
            ("timeline", lambda: results._timeline(campaign)),
        ]
    }
    return {"refresh_ms": statistics.median(every), "refresh_runs_ms": every, "parts_ms": parts}


def page_urls(campaign: Campaign) -> tuple[dict[str, str], dict[str, str]]:
    """The pages to measure, and those that could not be (a route not there yet)."""
    wanted = {
        "results": ("campaign_results", [campaign.pk]),
        "floor": ("bench_floor", []),
        "dashboard": ("dashboard", []),
    }
    urls, missing = {}, {}
    for name, (route, args) in wanted.items():
        try:
            urls[name] = reverse(route, args=args)
        except NoReverseMatch as error:
            missing[name] = f"missing route: {error}"
    return urls, missing


def measure_pages(client: Client, urls: dict[str, str], requests: int, warmup: int) -> dict:
    problems = {}
    for name, url in urls.items():
        response = client.get(url, secure=True)
        if response.status_code != 200:
            problems[name] = f"HTTP {response.status_code} for {url}"
    live = {name: url for name, url in urls.items() if name not in problems}
    for _ in range(warmup):
        for url in live.values():
            client.get(url, secure=True)
    timings: dict[str, list[float]] = {name: [] for name in live}
    for _ in range(requests):
        for name, url in live.items():
            timings[name].append(timed(lambda url=url: client.get(url, secure=True)))
    figures = {
        name: {
            "p50_ms": round(statistics.median(values), 1),
            "p95_ms": round(percentile(values, 0.95), 1),
        }
        for name, values in timings.items()
    }
    for name, url in live.items():
        with CaptureQueriesContext(connection) as captured:
            client.get(url, secure=True)
        figures[name]["queries"] = len(captured.captured_queries)
    return {"pages": figures, "not_measured": problems}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=2_000_000, help="seeded with customers")
    parser.add_argument("--refreshes", type=int, default=3)
    parser.add_argument("--requests", type=int, default=50, help="measured requests per page")
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()

    load_before = os.getloadavg()
    setup = prepare(args.deliveries, args.orders)
    campaign, built = build_campaign(args.deliveries)
    data = sizes(campaign)
    log(f"Data: {data}")
    refresh = time_refresh(campaign, args.refreshes)
    log(f"Refresh: {refresh}")

    use_floor_urls()
    urls, missing = page_urls(campaign)
    measured = measure_pages(marketer_client(), urls, args.requests, args.warmup)
    measured["not_measured"] |= missing
    pages = measured["pages"]
    log(f"{'page':<12} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for name, figures in pages.items():
        log(f"{name:<12} {figures['p50_ms']:>8} {figures['p95_ms']:>8} {figures['queries']:>8}")
    for name, problem in measured["not_measured"].items():
        log(f"{name:<12} NOT MEASURED: {problem}")

    p95 = pages.get("results", {}).get("p95_ms")
    floor_p95 = pages.get("floor", {}).get("p95_ms")
    print(
        json.dumps(
            {
                "bench": "results",
                "deliveries": data["deliveries"],
                "p95_ms": p95,
                "p50_ms": pages.get("results", {}).get("p50_ms"),
                "refresh_ms": refresh["refresh_ms"],
                "floor_p95_ms": floor_p95,
                "ratio": round(floor_p95 / p95, 2) if p95 and floor_p95 else None,
                "target_p95_ms": TARGET_P95_MS,
                "dashboard_p95_ms": pages.get("dashboard", {}).get("p95_ms"),
                "queries": pages.get("results", {}).get("queries"),
                "refresh_runs_ms": refresh["refresh_runs_ms"],
                "refresh_parts_ms": refresh["parts_ms"],
                "not_measured": measured["not_measured"],
                **{k: v for k, v in data.items() if k != "deliveries"},
                **setup,
                **built,
                "load_average": {
                    "start": [round(x, 2) for x in load_before],
                    "end": [round(x, 2) for x in os.getloadavg()],
                },
                "database": server_version(),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
