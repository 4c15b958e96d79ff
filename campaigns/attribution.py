"""Conversions: orders credited to the campaign message that last touched the customer.

Rule (last touch): an order of customer C placed at time P goes to C's SENT delivery with the
latest sent_at such that sent_at <= P <= sent_at + the campaign's conversion window (days,
both ends included). Every order is credited at most once (OrderAttribution: one row per
order), whenever it arrives (imported late or from the events API). All orders credited to a
delivery add up: revenue is the sum of their totals (revenue per recipient), converted_at is
the time of the first, conversion_order that order.

Set-based: one INSERT ... SELECT picks the orders and their delivery, one UPDATE recomputes the
deliveries that got new orders from the attribution rows (so a second run changes nothing).
"""

from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import (
    DecimalField,
    DurationField,
    F,
    Func,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from campaigns.models import Delivery, DeliveryStatus, OrderAttribution
from segmentation.customers.models import Order


class Days(Func):
    """A number of days as an interval, for date arithmetic in the query."""

    template = "make_interval(days => %(expressions)s)"
    output_field = DurationField()


def last_touch() -> QuerySet:
    """The delivery an order (OuterRef) is credited to, as a one-row subquery of its pk."""
    return (
        Delivery.objects.filter(
            customer=OuterRef("customer"),
            status=DeliveryStatus.SENT,
            sent_at__lte=OuterRef("placed_at"),
        )
        .alias(window_end=F("sent_at") + Days("campaign__conversion_window_days"))
        .filter(window_end__gte=OuterRef("placed_at"))
        .order_by("-sent_at", "-pk")
        .values("pk")[:1]
    )


def _unattributed(since: datetime | None) -> QuerySet:
    orders = Order.objects.filter(customer__isnull=False, attribution__isnull=True)
    if since is not None:
        orders = orders.filter(placed_at__gte=since)
    # Named columns, so that the INSERT can select them by name.
    named = orders.annotate(order_ref=F("pk"), touch=Subquery(last_touch()))
    return named.order_by().values("order_ref", "touch")


def attribute_conversions(since: datetime | None = None) -> int:
    """Credit the orders placed since then (all when None) that are not credited yet.
    Returns how many were credited now."""
    started = timezone.now()
    select, params = _unattributed(since).query.sql_with_params()
    table = OrderAttribution._meta.db_table
    # The WHERE is outside, so the subquery runs once per order.
    insert = (
        f"INSERT INTO {table} (order_id, delivery_id, attributed_at) "  # noqa: S608
        f"SELECT q.order_ref, q.touch, %s FROM ({select}) q WHERE q.touch IS NOT NULL "
        "ON CONFLICT (order_id) DO NOTHING"
    )
    when = connection.ops.adapt_datetimefield_value(started)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(insert, [when, *params])
            credited = cursor.rowcount
        if credited:
            _recompute(OrderAttribution.objects.filter(attributed_at__gte=started))
    return credited


def _recompute(attributions: QuerySet) -> int:
    """Revenue, first conversion time and order of the deliveries these attributions name."""
    credited = OrderAttribution.objects.filter(delivery=OuterRef("pk"))
    first = credited.order_by("order__placed_at", "order_id")
    total = credited.values("delivery").annotate(total=Sum("order__total")).values("total")
    money = DecimalField(max_digits=12, decimal_places=2)
    return Delivery.objects.filter(pk__in=attributions.values("delivery")).update(
        revenue=Coalesce(
            Subquery(total, output_field=money), Value(Decimal("0")), output_field=money
        ),
        converted_at=Subquery(first.values("order__placed_at")[:1]),
        conversion_order=Subquery(first.values("order")[:1]),
    )
