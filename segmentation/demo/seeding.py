"""seed(): demo customers, interests and orders loaded in one transaction, set-based."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TypeVar

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Max

from segmentation.customers.metrics import recompute_customer_metrics
from segmentation.customers.models import Customer, CustomerInterest, Interest, Order
from segmentation.demo.generator import CUSTOMER_ID_PREFIX, DemoGenerator
from segmentation.demo.orders import ORDER_ID_PREFIX
from segmentation.demo.reference import INTERESTS
from segmentation.demo.rows import CUSTOMER_COLUMNS, INTEREST_COLUMNS, ORDER_COLUMNS, Timestamps
from segmentation.demo.writer import IndexRebuild, Writer, tables_empty
from segmentation.segments import facts

# A fresh load at least this big drops secondary indexes and foreign keys and builds them
# once afterwards: much faster than maintaining 20 indexes row by row.
REBUILD_INDEXES_FROM = 50_000
TABLES = [m._meta.db_table for m in (Customer, CustomerInterest, Order)]

T = TypeVar("T")


@dataclass
class SeedResult:
    customers: int = 0
    orders: int = 0
    memberships: int = 0
    metrics_changed: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    def timed(self, name: str, step: Callable[[], T]) -> T:
        """Run step and keep how long it took under name."""
        t0 = time.perf_counter()
        value = step()
        self.timings[name] = time.perf_counter() - t0
        return value


def default_anchor() -> datetime:
    """Midnight UTC today: the demo data is the same all day for the same seed."""
    today = datetime.now(UTC).date()
    return datetime(today.year, today.month, today.day, tzinfo=UTC)


def anchor_from_date(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def ensure_interests() -> list[int]:
    ids = []
    for interest in INTERESTS:
        row, _ = Interest.objects.get_or_create(
            slug=interest.slug, defaults={"name": interest.name}
        )
        ids.append(row.pk)
    return ids


def seed(
    *,
    customers: int,
    orders: int,
    seed: int = 42,
    anchor: datetime | None = None,
    chunk_size: int = 5000,
    progress: Callable[[str], None] | None = None,
    rebuild_indexes: bool | None = None,
) -> SeedResult:
    """Add `customers` demo customers with `orders` orders in one transaction, set-based.

    The caller decides whether adding to existing customers is fine (seed_demo --append).
    rebuild_indexes: None decides by size (empty tables, a big load).
    """
    result = SeedResult()
    t0 = time.perf_counter()
    if rebuild_indexes is None:
        rebuild_indexes = customers + orders >= REBUILD_INDEXES_FROM
    with transaction.atomic(), connection.cursor() as cursor:
        rebuild = _prepare(cursor, rebuild_indexes)
        generator = _generator(seed, customers, orders, anchor or default_anchor())
        _write(cursor, generator, chunk_size, result, progress)
        # Customer ids were given explicitly: move the id sequence past them.
        for sql in connection.ops.sequence_reset_sql(no_style(), [Customer]):
            cursor.execute(sql)
        result.timings["write"] = time.perf_counter() - t0
        if rebuild:
            result.timed("indexes", rebuild.recreate)
        result.metrics_changed = result.timed("metrics", recompute_customer_metrics)
        result.timed("facts", facts.catch_up)
    result.timed("analyze", _analyze)
    result.timings["total"] = time.perf_counter() - t0
    return result


def _prepare(cursor: CursorWrapper, rebuild_indexes: bool) -> IndexRebuild | None:
    """Lock the tables and set the transaction up; drop the indexes that will be rebuilt."""
    # Keep other writers from taking ids in the range we fill (readers carry on), or,
    # to rebuild indexes, have the tables to ourselves.
    mode = "ACCESS EXCLUSIVE" if rebuild_indexes else "SHARE ROW EXCLUSIVE"
    cursor.execute(f"LOCK TABLE {', '.join(TABLES)} IN {mode} MODE")
    # Check foreign keys per COPY statement instead of queueing millions until commit.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET LOCAL work_mem = '256MB'")
    cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
    facts.defer()  # written once at the end, by facts.catch_up()
    if not (rebuild_indexes and tables_empty(cursor, TABLES)):
        return None
    rebuild = IndexRebuild(cursor, TABLES)
    if not rebuild.possible():
        return None
    rebuild.drop()
    return rebuild


def _max_number(model: type[models.Model], prefix: str) -> int:
    """The highest demo number used so far (ids are zero-padded, so text order is number order)."""
    top = model.objects.filter(external_id__startswith=prefix).aggregate(m=Max("external_id"))["m"]
    return int(top.removeprefix(prefix)) if top else 0


def _generator(seed: int, customers: int, orders: int, anchor: datetime) -> DemoGenerator:
    """A generator that continues after the customers and demo numbers already there."""
    interest_ids = ensure_interests()
    last_id = Customer.objects.aggregate(m=Max("id"))["m"] or 0
    return DemoGenerator(
        seed=seed,
        customers=customers,
        orders=orders,
        anchor=anchor,
        first_customer_id=last_id + 1,
        first_number=_max_number(Customer, CUSTOMER_ID_PREFIX),
        first_order_number=_max_number(Order, ORDER_ID_PREFIX),
        interest_ids=interest_ids,
        timestamp=Timestamps(),
    )


def _write(
    cursor: CursorWrapper,
    generator: DemoGenerator,
    chunk_size: int,
    result: SeedResult,
    progress: Callable[[str], None] | None,
) -> None:
    columns = (
        [*CUSTOMER_COLUMNS, *generator.customer_extras.columns],
        [*INTEREST_COLUMNS, *generator.interest_extras.columns],
        [*ORDER_COLUMNS, *generator.order_extras.columns],
    )
    writer = Writer(cursor)
    try:
        for start in range(0, generator.n, chunk_size):
            rows = generator.chunk(start, min(generator.n, start + chunk_size))
            writer.write(list(zip(TABLES, columns, rows, strict=True)))
            result.customers += len(rows[0])
            result.memberships += len(rows[1])
            result.orders += len(rows[2])
            if progress:
                progress(f"{result.customers:,} customers, {result.orders:,} orders")
    finally:
        writer.close()


def _analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join([*TABLES, Interest._meta.db_table]))
