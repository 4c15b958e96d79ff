from datetime import UTC, datetime
from decimal import Decimal

import pytest

from segmentation.customers.metrics import recompute_customer_metrics
from segmentation.customers.models import Customer, Order

pytestmark = pytest.mark.django_db


def _order(customer, total, day):
    return Order.objects.create(
        customer=customer, total=Decimal(total), placed_at=datetime(2026, 1, day, tzinfo=UTC)
    )


def test_it_derives_metrics_from_orders():
    alice = Customer.objects.create(email="alice@example.com")
    _order(alice, "10.00", 3)
    _order(alice, "25.50", 1)
    _order(alice, "4.50", 9)

    recompute_customer_metrics()

    alice.refresh_from_db()
    assert alice.order_count == 3
    assert alice.total_spent == Decimal("40.00")
    assert alice.avg_order_value == Decimal("13.33")
    assert alice.first_order_at == datetime(2026, 1, 1, tzinfo=UTC)
    assert alice.last_order_at == datetime(2026, 1, 9, tzinfo=UTC)


def test_it_resets_customers_whose_orders_are_gone():
    bob = Customer.objects.create(email="bob@example.com")
    order = _order(bob, "99.00", 2)
    recompute_customer_metrics()
    order.delete()

    recompute_customer_metrics()

    bob.refresh_from_db()
    assert (bob.order_count, bob.total_spent, bob.last_order_at) == (0, Decimal("0"), None)


def test_it_touches_only_the_customers_asked_for():
    alice = Customer.objects.create(email="alice@example.com")
    bob = Customer.objects.create(email="bob@example.com")
    _order(alice, "10.00", 1)
    _order(bob, "20.00", 1)

    changed = recompute_customer_metrics([alice.pk])

    alice.refresh_from_db()
    bob.refresh_from_db()
    assert changed == 1
    assert alice.order_count == 1
    assert bob.order_count == 0


def test_a_second_run_changes_nothing():
    alice = Customer.objects.create(email="alice@example.com")
    _order(alice, "10.00", 1)
    recompute_customer_metrics()

    assert recompute_customer_metrics() == 0
