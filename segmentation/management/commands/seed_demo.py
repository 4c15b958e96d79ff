"""Load realistic demo customers, interests and orders, set-based (COPY)."""

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from segmentation.customers.models import Customer
from segmentation.customers.rfm import recompute_rfm
from segmentation.demo import seeding


class Command(BaseCommand):
    help = (
        "Generate deterministic demo data: the same --seed (and --anchor day) gives the same "
        "customers and orders."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=2000)
        parser.add_argument("--orders", type=int, default=8000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--append",
            action="store_true",
            help="Add to existing customers (new emails and external ids stay unique).",
        )
        parser.add_argument(
            "--anchor",
            type=date.fromisoformat,
            help="Day (YYYY-MM-DD) the history ends at; default today (UTC).",
        )
        parser.add_argument("--chunk-size", type=int, default=5000)

    def handle(self, *args, **options) -> None:
        customers, orders = options["customers"], options["orders"]
        if customers < 0 or orders < 0 or options["chunk_size"] < 1:
            raise CommandError("--customers, --orders and --chunk-size must not be negative.")
        if orders and not customers:
            raise CommandError("Orders need customers: give --customers too.")
        existing = Customer.objects.exists()
        if existing and not options["append"]:
            raise CommandError(
                "The database already has customers. Pass --append to add demo customers "
                "to them, or use an empty database."
            )
        anchor = seeding.anchor_from_date(options["anchor"]) if options["anchor"] else None
        self.stdout.write(
            f"Seeding {customers:,} customers and {orders:,} orders (seed {options['seed']}) "
            f"into {connection.settings_dict['NAME']}{' (appending)' if existing else ''}..."
        )
        progress = None
        if options["verbosity"] >= 2:
            progress = self.stdout.write
        result = seeding.seed(
            customers=customers,
            orders=orders,
            seed=options["seed"],
            anchor=anchor,
            chunk_size=options["chunk_size"],
            progress=progress,
        )
        t = result.timings
        write = max(t["write"], 1e-9)
        self.stdout.write(
            f"  wrote {result.customers:,} customers, {result.memberships:,} interests and "
            f"{result.orders:,} orders in {t['write']:.1f} s "
            f"({result.customers / write:,.0f} customers/s, {result.orders / write:,.0f} orders/s)"
        )
        if "indexes" in t:
            self.stdout.write(f"  indexes and foreign keys rebuilt in {t['indexes']:.1f} s")
        self.stdout.write(
            f"  metrics recomputed in {t['metrics']:.1f} s "
            f"({result.metrics_changed:,} rows needed a change)"
        )
        self.stdout.write(f"  analyzed in {t['analyze']:.1f} s")
        # After ANALYZE: the recompute's plan wants the new rows' statistics.
        t0 = time.perf_counter()
        tiered = recompute_rfm()
        rfm_seconds = time.perf_counter() - t0
        self.stdout.write(
            f"  RFM scores and tiers recomputed in {rfm_seconds:.1f} s "
            f"({tiered:,} rows needed a change)"
        )
        self.stdout.write(self.style.SUCCESS(f"Done in {t['total'] + rfm_seconds:.1f} s."))
