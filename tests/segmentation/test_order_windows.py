"""The order windows ("at least N orders / X spent in the last D days") against figures added up
by hand, on orders placed exactly at, just before and just after the window's start.

They read the order history that the metrics recompute keeps (a binary search per customer):
over the customers (a campaign's audience) and over the preview's facts table, which holds
the history in its row. Both must give the hand-made members.
"""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmentation.consent import ledger
from segmentation.consent.models import ConsentSource
from segmentation.customers.metrics import recompute_customer_metrics
from segmentation.customers.models import Customer, Order, OrderHistory
from segmentation.segments.catalogue import Context
from segmentation.segments.models import CustomerFacts
from segmentation.segments.tree import compile_definition, members

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
MICRO = dt.timedelta(microseconds=1)

# An order: (days ago, a microsecond before / at / after that moment, total).
orders_of = st.lists(
    st.tuples(st.integers(0, 12), st.sampled_from([-1, 0, 1]), st.sampled_from(["0", "5", "7.5"])),
    max_size=6,
)


def _window(field: str, op: str, value: dict) -> set[str]:
    definition = {
        "type": "group",
        "op": "and",
        "negate": False,
        "children": [{"type": "condition", "field": field, "op": op, "value": value}],
    }
    on_customers = set(members(definition, ctx=Context(NOW)).values_list("first_name", flat=True))
    q = compile_definition(definition, ctx=Context(NOW, facts=True))
    ids = CustomerFacts.objects.filter(q).values("customer_id")
    on_facts = set(Customer.objects.filter(pk__in=ids).values_list("first_name", flat=True))
    assert on_facts == on_customers, f"{field} {op} {value}: the facts table disagrees"
    return on_customers


def _placed(days: int, nudge: int) -> dt.datetime:
    return NOW - dt.timedelta(days=days) + nudge * MICRO


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    people=st.lists(orders_of, min_size=1, max_size=4),
    days=st.integers(1, 12),
    count=st.integers(1, 4),
    amount=st.sampled_from([5, 10, 12.5, 20]),
)
def test_windows_match_the_orders_added_up_by_hand(people, days, count, amount):
    Order.objects.all().delete()
    Customer.objects.all().delete()
    since = NOW - dt.timedelta(days=days)
    expect_orders, expect_spent, everyone = set(), set(), set()
    for i, orders in enumerate(people):
        name = f"c{i}"
        everyone.add(name)
        customer = Customer.objects.create(first_name=name)
        inside = []
        for days_ago, nudge, total in orders:
            placed = _placed(days_ago, nudge)
            Order.objects.create(customer=customer, placed_at=placed, total=Decimal(total))
            if placed >= since:
                inside.append(Decimal(total))
        if len(inside) >= count:
            expect_orders.add(name)
        if sum(inside) >= Decimal(str(amount)):
            expect_spent.add(name)
    recompute_customer_metrics()

    assert _window("orders_in_window", "at_least", {"count": count, "days": days}) == expect_orders
    assert _window("orders_in_window", "fewer_than", {"count": count, "days": days}) == (
        everyone - expect_orders
    )
    assert _window("spent_in_window", "at_least", {"amount": amount, "days": days}) == expect_spent
    assert _window("spent_in_window", "fewer_than", {"amount": amount, "days": days}) == (
        everyone - expect_spent
    )


def test_an_order_at_the_windows_first_microsecond_counts_and_one_before_does_not():
    ada = Customer.objects.create(first_name="ada")
    bob = Customer.objects.create(first_name="bob")
    Order.objects.create(customer=ada, placed_at=_placed(7, 0), total=Decimal("10"))
    Order.objects.create(customer=bob, placed_at=_placed(7, -1), total=Decimal("10"))
    recompute_customer_metrics()

    assert _window("orders_in_window", "at_least", {"count": 1, "days": 7}) == {"ada"}
    assert _window("spent_in_window", "at_least", {"amount": 10, "days": 7}) == {"ada"}


def _history(customer: Customer) -> tuple[list, list] | None:
    row = OrderHistory.objects.filter(customer=customer).first()
    return (row.placed, row.running) if row else None


def test_the_history_follows_orders_moved_deleted_and_erased():
    ada = Customer.objects.create(first_name="ada", email="ada@example.com")
    bob = Customer.objects.create(first_name="bob", email="bob@example.com")
    first = Order.objects.create(customer=ada, placed_at=_placed(3, 0), total=Decimal("30.00"))
    second = Order.objects.create(customer=ada, placed_at=_placed(1, 0), total=Decimal("12.50"))
    recompute_customer_metrics()

    assert _history(ada) == ([_placed(3, 0), _placed(1, 0)], [0, 30, Decimal("42.50")])
    assert _history(bob) is None

    Order.objects.filter(pk=first.pk).update(customer=bob)  # an import moving an order
    recompute_customer_metrics([ada.pk, bob.pk])
    assert _history(ada) == ([_placed(1, 0)], [0, Decimal("12.50")])
    assert _history(bob) == ([_placed(3, 0)], [0, 30])

    second.delete()
    recompute_customer_metrics([ada.pk])
    assert _history(ada) is None
    assert _window("orders_in_window", "at_least", {"count": 1, "days": 30}) == {"bob"}

    ledger.erase(bob, ledger.Context(source=ConsentSource.PREFERENCE_CENTER))
    assert not OrderHistory.objects.exists()
    assert Order.objects.get(pk=first.pk).customer_id is None
