"""A real round trip: this process enqueues on the configured broker, a worker process runs it."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.conf import settings

from segmentation.customers.models import Customer, Order
from segmentation.customers.tasks import recompute_metrics
from tests.support.processes import celery_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _customer_with_orders() -> Customer:
    customer = Customer.objects.create(email="worker@example.com")
    for day, total in ((1, "12.00"), (5, "30.00")):
        Order.objects.create(
            customer=customer, total=Decimal(total), placed_at=datetime(2026, 3, day, tzinfo=UTC)
        )
    return customer


def _order_count(customer: Customer) -> int:
    return Customer.objects.values_list("order_count", flat=True).get(pk=customer.pk)


def test_a_worker_process_runs_a_task_enqueued_here(tmp_path):
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    customer = _customer_with_orders()

    with celery_worker(tmp_path / "worker.log"):
        recompute_metrics.delay([customer.pk])
        try:
            wait_for(lambda: _order_count(customer) == 2, timeout=60, what="the worker")
        except AssertionError:
            print((tmp_path / "worker.log").read_text())
            raise

    customer.refresh_from_db()
    assert customer.total_spent == Decimal("42.00")
