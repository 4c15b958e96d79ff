"""Conversions: orders credited to the last delivery that touched the customer in its window."""

import datetime as dt
from decimal import Decimal

import pytest

from campaigns import tasks
from campaigns.attribution import attribute_conversions
from campaigns.models import Delivery, DeliveryStatus, OrderAttribution
from segmentation.consent import ledger
from segmentation.customers import signals
from segmentation.customers.models import Customer, Order
from tests.campaigns.messages import IMPORT, campaign, customer, delivery, variant

pytestmark = pytest.mark.django_db

SENT = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
MICROSECOND = dt.timedelta(microseconds=1)


def _sent(to: Customer, at: dt.datetime = SENT, window: int = 7, **fields) -> Delivery:
    on = campaign(f"Campaign {Delivery.objects.count()}", conversion_window_days=window)
    return delivery(variant(on), to, sent_at=at, **fields)


def _order(by: Customer | None, at: dt.datetime, total: str = "10.00") -> Order:
    return Order.objects.create(customer=by, placed_at=at, total=Decimal(total))


def _credited(order: Order) -> Delivery | None:
    attribution = OrderAttribution.objects.filter(order=order).first()
    return attribution.delivery if attribution else None


@pytest.fixture
def ada() -> Customer:
    return customer("ada@example.com")


@pytest.mark.parametrize(
    "after, credited",
    [
        (dt.timedelta(0), True),  # placed at the moment of sending
        (dt.timedelta(days=7), True),  # the last moment of the window
        (dt.timedelta(days=7) + MICROSECOND, False),
        (-MICROSECOND, False),  # before the message
        (dt.timedelta(days=3, hours=5), True),
    ],
)
def test_the_window_includes_both_ends(ada, after, credited):
    sent = _sent(ada)
    order = _order(ada, SENT + after)

    assert attribute_conversions() == int(credited)
    assert _credited(order) == (sent if credited else None)


def test_the_campaigns_own_window_applies(ada):
    sent = _sent(ada, window=30)
    order = _order(ada, SENT + dt.timedelta(days=29))

    attribute_conversions()

    assert _credited(order) == sent


def test_the_last_touch_wins(ada):
    first = _sent(ada)
    second = _sent(ada, SENT + dt.timedelta(days=2))
    early = _order(ada, SENT + dt.timedelta(days=1))
    late = _order(ada, SENT + dt.timedelta(days=3))

    assert attribute_conversions() == 2
    assert (_credited(early), _credited(late)) == (first, second)


def test_a_later_message_whose_window_ended_does_not_win(ada):
    long_window = _sent(ada, window=30)
    _sent(ada, SENT + dt.timedelta(days=5), window=1)
    order = _order(ada, SENT + dt.timedelta(days=10))

    attribute_conversions()

    assert _credited(order) == long_window


@pytest.mark.parametrize(
    "status", [DeliveryStatus.HOLDOUT, DeliveryStatus.FAILED, DeliveryStatus.QUEUED]
)
def test_only_sent_messages_are_credited(ada, status):
    _sent(ada, status=status)
    _order(ada, SENT + dt.timedelta(days=1))

    assert attribute_conversions() == 0


def test_orders_in_the_window_add_up(ada):
    sent = _sent(ada)
    first = _order(ada, SENT + dt.timedelta(days=2), "30.00")
    _order(ada, SENT + dt.timedelta(days=1), "12.50")
    _order(ada, SENT + dt.timedelta(days=9), "99.00")  # outside

    assert attribute_conversions() == 2

    sent.refresh_from_db()
    assert sent.revenue == Decimal("42.50")
    assert sent.converted_at == SENT + dt.timedelta(days=1)
    assert sent.conversion_order != first


def test_a_second_run_changes_nothing(ada):
    sent = _sent(ada)
    _order(ada, SENT + dt.timedelta(days=1), "20.00")
    attribute_conversions()

    assert attribute_conversions() == 0

    sent.refresh_from_db()
    assert sent.revenue == Decimal("20.00")
    assert OrderAttribution.objects.count() == 1


def test_an_order_that_arrives_later_adds_to_the_revenue(ada):
    sent = _sent(ada)
    _order(ada, SENT + dt.timedelta(days=3), "20.00")
    attribute_conversions()
    _order(ada, SENT + dt.timedelta(days=1), "5.00")  # imported late, placed earlier

    assert attribute_conversions() == 1

    sent.refresh_from_db()
    assert sent.revenue == Decimal("25.00")
    assert sent.converted_at == SENT + dt.timedelta(days=1)


def test_other_peoples_orders_and_orders_without_a_customer_are_not_credited(ada):
    _sent(ada)
    _order(customer("bob@example.com"), SENT + dt.timedelta(days=1))
    _order(None, SENT + dt.timedelta(days=1))

    assert attribute_conversions() == 0


def test_since_limits_the_orders_looked_at(ada):
    _sent(ada)
    old = _order(ada, SENT + dt.timedelta(days=1))
    new = _order(ada, SENT + dt.timedelta(days=2))

    assert attribute_conversions(since=SENT + dt.timedelta(days=2)) == 1
    assert (_credited(old), _credited(new) is not None) == (None, True)


def test_an_erased_customer_keeps_the_revenue_already_credited(ada):
    sent = _sent(ada)
    _order(ada, SENT + dt.timedelta(days=1), "20.00")
    attribute_conversions()

    ledger.erase(ada, IMPORT)
    _order(None, SENT + dt.timedelta(days=2))

    assert attribute_conversions() == 0
    sent.refresh_from_db()
    assert (sent.customer, sent.revenue) == (None, Decimal("20.00"))


def test_the_task_looks_back_from_now(ada, eager_tasks, settings):
    settings.SEGMENTA_ATTRIBUTION_LOOKBACK_DAYS = 120
    _sent(ada, dt.datetime.now(dt.UTC) - dt.timedelta(days=2))
    _order(ada, dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    _sent(ada, SENT - dt.timedelta(days=400))
    _order(ada, SENT - dt.timedelta(days=399))

    assert tasks.attribute_conversions.delay().get() == 1
    assert tasks.attribute_conversions.delay((SENT - dt.timedelta(days=500)).isoformat()).get() == 1


def test_recorded_orders_are_credited_after_commit(ada, run_on_commit):
    sent = _sent(ada)
    with run_on_commit():
        order = _order(ada, SENT + dt.timedelta(days=1))
        signals.orders_recorded.send(sender=Order, since=order.placed_at)
        assert _credited(order) is None

    assert _credited(order) == sent
