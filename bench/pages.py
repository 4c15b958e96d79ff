"""Marketing and admin pages at 1M customers / 5M orders: p50 and p95 through Django's client.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/segmenta_bench python -m bench.pages

1. Migrates the database and, if it has fewer customers than --customers, seeds it with
   seed_demo (appending the difference) and VACUUM ANALYZEs it; says how long that took.
2. Signs in a Marketer (marketing pages) and a superuser (admin pages) with force_login.
3. Requests each page once to check it exists (a missing route or an error is reported, not
   fatal), warms up, then measures --requests requests per page, round robin, and counts the
   queries of one request per page (with the slowest query, to know where to look).
The table goes to stderr; the last line on stdout is one JSON object.
DEBUG is off unless set (as in production); the client talks HTTPS, as behind the proxy.
"""

import argparse
import json
import math
import os
import random
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "0")
if os.environ["DEBUG"] == "0":
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")  # noqa: S105

import django

django.setup()

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from segmentation.customers.models import Customer, Order

TARGET_P95_MS = 150


def log(message: str = "") -> None:
    print(message, file=sys.stderr, flush=True)


def count(model) -> int:
    return model.objects.order_by().count()


def prepare(customers: int, orders: int) -> dict:
    """Migrate and seed up to the wanted size; returns the sizes and the time it took."""
    call_command("migrate", verbosity=0)
    have_customers, have_orders = count(Customer), count(Order)
    seed_seconds = vacuum_seconds = 0.0
    if have_customers < customers:
        log(f"Seeding: {have_customers:,} customers / {have_orders:,} orders present")
        started = time.perf_counter()
        call_command(
            "seed_demo",
            customers=customers - have_customers,
            orders=max(0, orders - have_orders),
            seed=42,
            append=have_customers > 0,
            stdout=sys.stderr,
        )
        seed_seconds = time.perf_counter() - started
        # Measure the steady state, not autovacuum catching up with a fresh load.
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "VACUUM (ANALYZE) segmentation_customer, segmentation_order, "
                "segmentation_customerinterest"
            )
        vacuum_seconds = time.perf_counter() - started
        have_customers, have_orders = count(Customer), count(Order)
    return {
        "customers": have_customers,
        "orders": have_orders,
        "seed_seconds": round(seed_seconds, 1),
        "vacuum_seconds": round(vacuum_seconds, 1),
    }


def marketer_client() -> Client:
    """Signed in as a Marketer, through the test client (its host allowed, as in production
    behind the proxy)."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    marketer, _ = User.objects.get_or_create(username="bench-marketer")
    marketer.groups.add(Group.objects.get(name="Marketer"))
    client = Client(raise_request_exception=False)
    client.force_login(marketer)
    return client


def clients() -> tuple[Client, Client]:
    admin, _ = User.objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    admin_client = Client(raise_request_exception=False)
    admin_client.force_login(admin)
    return marketer_client(), admin_client


def sample(rng: random.Random) -> dict:
    """Real values to ask for: customer ids (the heaviest buyer first) and a name prefix."""
    bounds = Customer.objects.order_by("pk").values_list("pk", flat=True)
    low, high = bounds.first(), bounds.last()
    heaviest = Customer.objects.order_by("-order_count").values_list("pk", flat=True).first()
    ids = [heaviest]
    while len(ids) < 20:
        found = Customer.objects.filter(pk__gte=rng.randint(low, high)).order_by("pk").first()
        if found:
            ids.append(found.pk)
    middle = Customer.objects.filter(pk__gte=(low + high) // 2).exclude(last_name="")
    last_name = middle.order_by("pk").values_list("last_name", flat=True).first()
    return {"ids": ids, "prefix": last_name[:3].lower()}


def pages(values: dict) -> list[tuple[str, str, list[str]]]:
    """(name, client, paths): detail pages rotate through several customers."""
    prefix, ids = values["prefix"], values["ids"]

    def url(name: str, *args, query: str = "") -> str:
        return reverse(name, args=args) + (f"?{query}" if query else "")

    wanted = [
        ("dashboard", "marketing", lambda: [url("dashboard")]),
        ("customers", "marketing", lambda: [url("customer_list")]),
        ("customers_search", "marketing", lambda: [url("customer_list", query=f"q={prefix}")]),
        ("customers_country", "marketing", lambda: [url("customer_list", query="country=DE")]),
        (
            "customers_country_gender",
            "marketing",
            lambda: [url("customer_list", query="country=DE&gender=female")],
        ),
        # A rare value (2% of customers): the capped count has no index to stop early with.
        (
            "customers_gender_rare",
            "marketing",
            lambda: [url("customer_list", query="gender=nonbinary")],
        ),
        ("customer_detail", "marketing", lambda: [url("customer_detail", i) for i in ids]),
        ("admin_customers", "admin", lambda: [url("admin:segmentation_customer_changelist")]),
        (
            "admin_customers_search",
            "admin",
            lambda: [url("admin:segmentation_customer_changelist", query=f"q={prefix}")],
        ),
        (
            "admin_customers_country",
            "admin",
            lambda: [url("admin:segmentation_customer_changelist", query="country=DE")],
        ),
        (
            "admin_customer_change",
            "admin",
            lambda: [url("admin:segmentation_customer_change", i) for i in ids],
        ),
        ("admin_orders", "admin", lambda: [url("admin:segmentation_order_changelist")]),
    ]
    found = []
    for name, client, paths in wanted:
        try:
            found.append((name, client, paths()))
        except NoReverseMatch as error:
            found.append((name, client, [f"missing route: {error}"]))
    return found


def server_version() -> str:
    """The database server the figures come from, for the JSON line."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return "PostgreSQL " + cursor.fetchone()[0].split()[0]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=5_000_000)
    parser.add_argument("--requests", type=int, default=50, help="measured requests per page")
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()

    sizes = prepare(args.customers, args.orders)
    log(f"Database: {sizes['customers']:,} customers, {sizes['orders']:,} orders")
    marketing, admin = clients()
    by_client = {"marketing": marketing, "admin": admin}
    values = sample(random.Random(42))

    problems: dict[str, str] = {}
    live = []
    for name, client_name, paths in pages(values):
        if paths[0].startswith("missing route"):
            problems[name] = paths[0]
            continue
        response = by_client[client_name].get(paths[0], secure=True)
        if response.status_code != 200:
            problems[name] = f"HTTP {response.status_code} for {paths[0]}"
            continue
        live.append((name, by_client[client_name], paths))

    for _ in range(args.warmup):
        for _name, client, paths in live:
            for path in paths[:3]:
                client.get(path, secure=True)

    timings: dict[str, list[float]] = {name: [] for name, _, _ in live}
    for i in range(args.requests):
        for name, client, paths in live:
            path = paths[i % len(paths)]
            started = time.perf_counter()
            response = client.get(path, secure=True)
            timings[name].append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                problems[name] = f"HTTP {response.status_code} for {path} during the run"

    queries: dict[str, dict] = {}
    for name, client, paths in live:
        with CaptureQueriesContext(connection) as captured:
            client.get(paths[0], secure=True)
        slowest = max(captured.captured_queries, key=lambda q: float(q["time"]), default=None)
        queries[name] = {
            "queries": len(captured.captured_queries),
            "slowest_ms": round(float(slowest["time"]) * 1000, 1) if slowest else 0.0,
            "slowest_sql": slowest["sql"] if slowest else "",
        }

    results = {
        name: {
            "p50_ms": round(statistics.median(values), 1),
            "p95_ms": round(percentile(values, 0.95), 1),
        }
        for name, values in timings.items()
    }
    log()
    log(f"{'page':<26} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'slowest query ms':>17}")
    for name, figures in results.items():
        q = queries[name]
        log(
            f"{name:<26} {figures['p50_ms']:>8.1f} {figures['p95_ms']:>8.1f} "
            f"{q['queries']:>8} {q['slowest_ms']:>17.1f}"
        )
    for name, problem in problems.items():
        log(f"{name:<26} NOT MEASURED: {problem}")
    log()
    for name, q in queries.items():
        if results[name]["p95_ms"] > TARGET_P95_MS:
            log(f"{name} is over target; its slowest query ({q['slowest_ms']} ms):")
            log("  " + q["slowest_sql"][:2000])

    max_p95 = max((r["p95_ms"] for r in results.values()), default=0.0)
    slowest_page = max(results, key=lambda n: results[n]["p95_ms"], default=None)
    print(
        json.dumps(
            {
                "bench": "pages",
                **sizes,
                "requests": args.requests,
                "search": values["prefix"],
                "pages": results,
                "not_measured": problems,
                "slowest_page": slowest_page,
                "max_p95_ms": max_p95,
                "target_p95_ms": TARGET_P95_MS,
                "ratio": round(TARGET_P95_MS / max_p95, 2) if max_p95 else None,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
