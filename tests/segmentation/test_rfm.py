import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO
from itertools import product

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import OperationalError, connection, connections, transaction

from segmentation.customers import rfm, tasks
from segmentation.customers.metrics import recompute_customer_metrics
from segmentation.customers.models import Customer, Order, RfmTier

pytestmark = pytest.mark.django_db

DAY0 = datetime(2026, 1, 1, tzinfo=UTC)


def _customer(n: int, *, orders: int = 0, spent: str = "0", day: int | None = None) -> Customer:
    """A customer whose metrics are set directly (as customers.metrics would keep them)."""
    customer = Customer.objects.create(email=f"c{n}@example.com")
    if orders:
        at = DAY0 + timedelta(days=day)
        Customer.objects.filter(pk=customer.pk).update(
            order_count=orders,
            total_spent=Decimal(spent),
            avg_order_value=Decimal(spent) / orders,
            first_order_at=at - timedelta(days=30),
            last_order_at=at,
        )
    return customer


def _scores(customer: Customer) -> tuple:
    customer.refresh_from_db()
    return (
        customer.rfm_recency,
        customer.rfm_frequency,
        customer.rfm_monetary,
        customer.rfm_tier,
    )


# Ten customers with distinct values: quintiles of two each.
#   recency: last order on day i (most recent = i 9)  -> R = i // 2 + 1
#   frequency: 10 - i orders (most = i 0)              -> F = 5 - i // 2
#   monetary: the spends below; by rank
#     10 (i1) 20 (i4) | 30 (i0) 40 (i7) | 50 (i3) 60 (i6) | 70 (i9) 80 (i8) | 90 (i5) 100 (i2)
SPENT = ["30", "10", "100", "50", "20", "90", "60", "40", "80", "70"]
EXPECTED = [
    (1, 5, 2, RfmTier.AT_RISK),  # R1 F5 but M2: not "can't lose them"
    (1, 5, 1, RfmTier.AT_RISK),
    (2, 4, 5, RfmTier.AT_RISK),
    (2, 4, 3, RfmTier.AT_RISK),
    (3, 3, 1, RfmTier.POTENTIAL),
    (3, 3, 5, RfmTier.POTENTIAL),
    (4, 2, 3, RfmTier.POTENTIAL),
    (4, 2, 2, RfmTier.POTENTIAL),
    (5, 1, 4, RfmTier.NEW),
    (5, 1, 4, RfmTier.NEW),
]


@pytest.fixture
def ten():
    return [_customer(i, orders=10 - i, spent=SPENT[i], day=i) for i in range(10)]


def test_scores_are_quintiles_computed_by_hand(ten):
    changed = rfm.recompute_rfm()

    assert changed == 10
    assert [_scores(c) for c in ten] == [(r, f, m, tier.value) for r, f, m, tier in EXPECTED]


def test_a_second_run_changes_nothing(ten):
    rfm.recompute_rfm()

    assert rfm.recompute_rfm() == 0


def test_customers_without_orders_are_not_scored(ten):
    nobody = _customer(99)

    rfm.recompute_rfm()

    assert _scores(nobody) == (None, None, None, "")
    # and they do not count towards the quintiles of the others
    assert [_scores(c)[:3] for c in ten] == [expected[:3] for expected in EXPECTED]


def test_a_customer_whose_orders_are_gone_loses_the_scores(ten):
    rfm.recompute_rfm()
    Customer.objects.filter(pk=ten[0].pk).update(
        order_count=0, total_spent=0, avg_order_value=0, first_order_at=None, last_order_at=None
    )

    changed = rfm.recompute_rfm()

    assert _scores(ten[0]) == (None, None, None, "")
    assert changed >= 1


def test_only_rows_whose_values_change_are_written(ten):
    rfm.recompute_rfm()
    # The most recent customer buys again: still the most recent, nobody else moves.
    Customer.objects.filter(pk=ten[9].pk).update(last_order_at=DAY0 + timedelta(days=50))

    assert rfm.recompute_rfm() == 0


def test_ties_are_split_by_id():
    """Equal values on a quintile boundary land in adjacent scores, lower ids first."""
    same = [_customer(i, orders=1, spent="10", day=0) for i in range(10)]

    rfm.recompute_rfm()

    assert [_scores(c)[:3] for c in same] == [(n // 2 + 1,) * 3 for n in range(10)]


def test_uneven_counts_put_the_remainder_in_the_lowest_quintiles():
    customers = [_customer(i, orders=1 + i, spent=str(10 + i), day=i) for i in range(7)]

    rfm.recompute_rfm()

    assert [_scores(c)[0] for c in customers] == [1, 1, 2, 2, 3, 4, 5]


def test_scores_follow_real_orders():
    alice = Customer.objects.create(email="alice@example.com")
    bob = Customer.objects.create(email="bob@example.com")
    for day, total in ((1, "10.00"), (5, "20.00")):
        Order.objects.create(customer=alice, total=Decimal(total), placed_at=DAY0.replace(day=day))
    Order.objects.create(customer=bob, total=Decimal("99.00"), placed_at=DAY0.replace(day=3))
    recompute_customer_metrics()

    rfm.recompute_rfm()

    # Two customers fill quintiles 1 and 2 (NTILE puts the remainder first).
    assert _scores(alice)[:3] == (2, 2, 1)
    assert _scores(bob)[:3] == (1, 1, 2)


@pytest.mark.django_db(transaction=True)
def test_it_steps_back_from_rows_another_writer_holds(ten):
    """It gives up before the deadlock check could abort the other writer."""
    locked, release = threading.Event(), threading.Event()

    def writer():
        try:
            with transaction.atomic():
                Customer.objects.select_for_update().get(pk=ten[3].pk)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert locked.wait(10)
        started = time.monotonic()
        with pytest.raises(OperationalError):
            rfm.recompute_rfm()
        assert time.monotonic() - started < 1
    finally:
        release.set()
        thread.join()
    assert rfm.recompute_rfm() == 10  # nothing was half-written


# The tier map -----------------------------------------------------------------------------


def test_the_tier_map_is_total_every_combination_has_a_tier():
    tiers = {rfm.tier_for(r, f, m) for r, f, m in product(range(1, 6), repeat=3)}

    assert tiers == set(RfmTier)  # and every tier is reachable


def test_the_sql_case_gives_the_same_tier_as_python_for_all_125_combinations():
    combos = list(product(range(1, 6), repeat=3))
    rows = " UNION ALL ".join("SELECT %s AS r, %s AS f, %s AS m" for _ in combos)
    params = [score for combo in combos for score in combo]
    with connection.cursor() as cursor:
        sql = f"SELECT r, f, m, {rfm.tier_case_sql()} FROM ({rows}) AS s"  # noqa: S608
        cursor.execute(sql, params)
        from_sql = {(r, f, m): tier for r, f, m, tier in cursor.fetchall()}

    assert from_sql == {combo: rfm.tier_for(*combo).value for combo in combos}


@pytest.mark.parametrize(
    ("scores", "tier"),
    [
        ((5, 5, 5), RfmTier.CHAMPIONS),
        ((4, 4, 1), RfmTier.CHAMPIONS),
        ((3, 5, 2), RfmTier.LOYAL),
        ((4, 3, 3), RfmTier.POTENTIAL),
        ((5, 2, 1), RfmTier.POTENTIAL),
        ((3, 1, 1), RfmTier.POTENTIAL),
        ((5, 1, 5), RfmTier.NEW),
        ((4, 1, 1), RfmTier.NEW),
        ((1, 5, 5), RfmTier.CANT_LOSE),
        ((1, 4, 4), RfmTier.CANT_LOSE),
        ((1, 5, 3), RfmTier.AT_RISK),
        ((2, 5, 5), RfmTier.AT_RISK),
        ((2, 3, 1), RfmTier.AT_RISK),
        ((2, 2, 5), RfmTier.HIBERNATING),
        ((1, 2, 5), RfmTier.LOST),
        ((1, 1, 1), RfmTier.LOST),
    ],
)
def test_tiers_by_hand(scores, tier):
    assert rfm.tier_for(*scores) == tier


def test_each_tier_has_a_description_that_states_its_rule():
    assert set(rfm.TIER_DESCRIPTIONS) == {tier.value for tier in RfmTier}
    assert rfm.TIER_DESCRIPTIONS["champions"].endswith("(R 4-5, F 4-5)")
    assert rfm.TIER_DESCRIPTIONS["at_risk"].endswith("(R 1-2, F 3-5, not Can't lose them)")
    assert rfm.TIER_DESCRIPTIONS["cant_lose"].endswith("(R 1, F 4-5, M 4-5)")
    assert rfm.TIER_DESCRIPTIONS["potential"].endswith("(R 3-5, F 1-3, not New)")


# The task ---------------------------------------------------------------------------------


def test_the_celery_task_recomputes(ten, eager_tasks):
    tasks.recompute_rfm.delay()

    assert [_scores(c)[3] for c in ten] == [tier.value for *_, tier in EXPECTED]
    assert tasks.recompute_rfm.delay().get() == 0  # safe to run twice


def test_the_task_runs_on_a_schedule():
    schedule = settings.CELERY_BEAT_SCHEDULE["recompute-rfm"]

    assert schedule["task"] == tasks.recompute_rfm.name
    assert 0 < schedule["schedule"] <= 24 * 3600


# Starter segments -------------------------------------------------------------------------


def _condition(definition: dict, field: str) -> dict:
    return next(c for c in definition["children"] if c["field"] == field)


def test_starters_one_per_tier_then_the_basket_grid():
    starters = rfm.starter_definitions()

    names = [name for name, _, _ in starters]
    assert names == [f"RFM: {tier.label}" for tier in RfmTier] + [
        "Loyal, large basket",
        "Loyal, small basket",
        "Occasional, large basket",
        "Occasional, small basket",
    ]
    assert len(set(names)) == len(names)
    for _name, description, definition in starters:
        assert description
        assert definition["type"] == "group"
        assert (definition["op"], definition["negate"]) == ("and", False)
        assert all(child["type"] == "condition" for child in definition["children"])
    champions = starters[0][2]
    assert champions["children"] == [
        {"type": "condition", "field": "rfm_tier", "op": "in", "value": ["champions"]}
    ]


def test_the_grid_uses_the_loyalty_constant_and_the_default_threshold_without_orders():
    grid = {name: definition for name, _, definition in rfm.starter_definitions()[-4:]}

    loyal_large = grid["Loyal, large basket"]
    assert _condition(loyal_large, "order_count") == {
        "type": "condition", "field": "order_count", "op": "gte",
        "value": rfm.LOYAL_MIN_ORDERS,
    }  # fmt: skip
    assert _condition(loyal_large, "avg_order_value")["op"] == "gte"
    assert _condition(loyal_large, "avg_order_value")["value"] == 50
    occasional_small = grid["Occasional, small basket"]
    assert _condition(occasional_small, "order_count")["op"] == "between"
    assert _condition(occasional_small, "order_count")["value"] == [1, rfm.LOYAL_MIN_ORDERS - 1]
    assert _condition(occasional_small, "avg_order_value") == {
        "type": "condition", "field": "avg_order_value", "op": "lt", "value": 50,
    }  # fmt: skip


def test_the_basket_threshold_is_the_median_average_order_of_customers_with_orders():
    for n, (orders, spent) in enumerate([(1, "10"), (2, "41"), (1, "60"), (4, "400")]):
        _customer(n, orders=orders, spent=spent, day=n)  # averages 10, 20.50, 60, 100
    _customer(9)  # no orders: not counted

    assert rfm.basket_threshold() == 40  # (20.50 + 60) / 2 = 40.25
    grid = {name: definition for name, _, definition in rfm.starter_definitions()[-4:]}
    assert _condition(grid["Occasional, large basket"], "avg_order_value")["value"] == 40

    _customer(10, orders=1, spent="70.50", day=10)  # odd count: the middle one
    assert rfm.basket_threshold() == 60


def test_the_threshold_rounds_half_up():
    _customer(0, orders=2, spent="101", day=0)  # 50.50

    assert rfm.basket_threshold() == 51


# Demo data --------------------------------------------------------------------------------


def test_seeded_demo_data_has_tiers():
    call_command("seed_demo", customers=60, orders=200, stdout=StringIO())

    with_orders = Customer.objects.filter(order_count__gt=0)
    assert with_orders.exists()
    assert not with_orders.filter(rfm_tier="").exists()
    assert not Customer.objects.filter(order_count=0).exclude(rfm_tier="").exists()


def test_bootstrap_gives_existing_customers_their_tiers(ten):
    out = StringIO()
    call_command("bootstrap_demo", stdout=out)

    assert "RFM scores and tiers brought up to date (10 rows)" in out.getvalue()
    assert [_scores(c)[3] for c in ten] == [tier.value for *_, tier in EXPECTED]
