import hashlib
import json
import re
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Sum

from segmentation.customers.models import Customer, CustomerInterest, Interest, Order
from segmentation.demo import seeding
from segmentation.demo.reference import COUNTRIES

pytestmark = pytest.mark.django_db

ANCHOR = date(2026, 11, 23)
POSTAL_CODES: dict[tuple[str, str, str], list[str]] = {}
for _country in COUNTRIES:
    for _city in _country.cities:
        # The pattern as a regular expression: '#' a digit, '?' a capital letter.
        regex = "".join(
            r"\d" if ch == "#" else "[A-Z]" if ch == "?" else re.escape(ch) for ch in _city.postal
        )
        POSTAL_CODES.setdefault((_country.code, _city.region, _city.name), []).append(regex)
CUSTOMER_FIELDS = [
    "email", "phone", "external_id", "first_name", "last_name", "locale", "birth_date",
    "gender", "income", "education", "occupation", "country", "region", "city", "postal_code",
    "device_type", "os", "attributes", "order_count", "total_spent", "avg_order_value",
    "first_order_at", "last_order_at", "created_at",
]  # fmt: skip


def seed_demo(customers=200, orders=800, seed=7, **options) -> str:
    out = StringIO()
    call_command(
        "seed_demo",
        customers=customers,
        orders=orders,
        seed=seed,
        anchor=ANCHOR,
        stdout=out,
        **options,
    )
    return out.getvalue()


def dump() -> list:
    """Everything the generator decides, in a database-independent form."""
    customers = Customer.objects.order_by("external_id").values_list(*CUSTOMER_FIELDS)
    orders = Order.objects.order_by("external_id").values_list(
        "external_id", "customer__external_id", "placed_at", "total", "currency", "items"
    )
    interests = CustomerInterest.objects.order_by(
        "customer__external_id", "interest__slug"
    ).values_list("customer__external_id", "interest__slug")
    return [list(customers), list(orders), list(interests)]


def fingerprint(data) -> str:
    return hashlib.sha256(json.dumps(data, default=str, sort_keys=True).encode()).hexdigest()


def test_it_creates_the_customers_orders_and_interests_asked_for():
    out = seed_demo(customers=300, orders=1200)

    assert Customer.objects.count() == 300
    assert Order.objects.count() == 1200
    assert Interest.objects.count() == 12
    assert "300 customers" in out and "1,200 orders" in out


def test_the_same_seed_gives_the_same_data():
    seed_demo(seed=7)
    first = dump()
    Order.objects.all().delete()
    Customer.objects.all().delete()

    seed_demo(seed=7)

    assert dump() == first


def test_the_data_matches_its_recorded_fingerprint():
    # A deliberate change to the generator updates this value.
    seed_demo(customers=20, orders=60, seed=42)
    assert fingerprint(dump()) == "88095780b4e793c02620a8c011b158c98b6fa65069b501ce5c9956e0bbf7d9c5"


def test_another_seed_gives_other_data():
    seed_demo(seed=7)
    first = dump()
    Order.objects.all().delete()
    Customer.objects.all().delete()

    seed_demo(seed=8)

    assert dump()[0] != first[0]


def test_customer_metrics_match_their_orders():
    seed_demo()
    from_orders = {
        row["customer_id"]: (row["n"], row["s"])
        for row in Order.objects.values("customer_id").annotate(n=Count("id"), s=Sum("total"))
    }
    for customer in Customer.objects.all():
        n, total = from_orders.get(customer.pk, (0, 0))
        assert (customer.order_count, customer.total_spent) == (n, total)


def test_order_histories_are_skewed_and_recency_differs():
    seed_demo(customers=1000, orders=5000)
    counts = sorted(Customer.objects.values_list("order_count", flat=True))
    anchor = datetime(2026, 11, 23, tzinfo=UTC)
    last_orders = [t for t in Customer.objects.values_list("last_order_at", flat=True) if t]

    assert sum(1 for n in counts if n <= 1) > 400  # many never or once
    assert counts[-1] >= 10 * 5  # heavy buyers: ten times the mean and more
    assert sum(1 for t in last_orders if anchor - t < timedelta(days=45)) > 100
    assert sum(1 for t in last_orders if anchor - t > timedelta(days=365)) > 60


def test_customers_look_real_and_consistent():
    seed_demo()
    anchor = datetime(2026, 11, 23, tzinfo=UTC)
    for customer in Customer.objects.all():
        customer.full_clean()  # E.164 phones, ISO country codes, choices, unique emails
        patterns = POSTAL_CODES[(customer.country, customer.region, customer.city)]
        assert any(re.fullmatch(p, customer.postal_code) for p in patterns), customer.postal_code
        assert customer.locale.endswith("-" + customer.country)
        if customer.os == "ios":
            assert customer.device_type in ("mobile", "tablet")
        if customer.os in ("windows", "macos", "linux"):
            assert customer.device_type == "desktop"
        birthday_passed = (ANCHOR.month, ANCHOR.day) >= (
            customer.birth_date.month,
            customer.birth_date.day,
        )
        assert 18 <= ANCHOR.year - customer.birth_date.year - (not birthday_passed) <= 85
        assert anchor - timedelta(days=3 * 365 + 1) <= customer.created_at <= anchor
        if customer.email:
            assert customer.email == customer.email.lower()
            assert re.fullmatch(r"[a-z]+\.[a-z]+\.\d+@example\.(com|org|net)", customer.email)
        assert isinstance(customer.attributes["loyalty_card"], bool)
        assert customer.external_id.startswith("CUS-")
    assert Customer.objects.values("country").distinct().count() >= 10


def test_orders_are_in_euro_with_items_that_add_up():
    seed_demo(customers=50, orders=200)
    for order in Order.objects.select_related("customer"):
        assert order.currency == "EUR"
        items_total = sum(round(item["price"] * 100) * item["qty"] for item in order.items)
        assert items_total == round(order.total * 100)
        assert {"sku", "qty", "price"} <= set(order.items[0])
        assert order.customer.created_at <= order.placed_at


def test_it_refuses_to_seed_over_existing_customers():
    Customer.objects.create(email="real@example.com")

    with pytest.raises(CommandError, match="--append"):
        seed_demo()

    assert Customer.objects.count() == 1


def test_append_adds_customers_with_new_emails_and_external_ids():
    seed_demo(customers=100, orders=300)
    before = dump()

    seed_demo(customers=100, orders=300, append=True)

    assert Customer.objects.count() == 200
    assert Order.objects.count() == 600
    numbers = Customer.objects.order_by("external_id").values_list("external_id", flat=True)
    assert list(numbers) == [f"CUS-{n:010d}" for n in range(1, 201)]
    assert Order.objects.order_by("-external_id").first().external_id == "ORD-0000000600"
    first_hundred = Customer.objects.order_by("external_id").values_list(*CUSTOMER_FIELDS)[:100]
    assert list(first_hundred) == before[0]


def test_new_customers_can_be_added_after_seeding():
    seed_demo(customers=30, orders=60)

    customer = Customer.objects.create(email="after@example.com")

    assert customer.pk > 30


def test_orders_without_customers_are_refused():
    with pytest.raises(CommandError, match="--customers"):
        seed_demo(customers=0, orders=10)


def test_a_big_load_puts_back_every_index_and_constraint():
    def schema():
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT pg_get_indexdef(indexrelid) FROM pg_index
                WHERE indrelid = ANY(%(t)s::regclass[])
                UNION ALL
                SELECT conname || ' ' || pg_get_constraintdef(oid) || condeferrable::text
                FROM pg_constraint WHERE conrelid = ANY(%(t)s::regclass[])
                """,
                {
                    "t": [
                        "segmentation_customer",
                        "segmentation_order",
                        "segmentation_customerinterest",
                    ]
                },
            )
            return sorted(row[0] for row in cursor.fetchall())

    before = schema()

    seeding.seed(customers=40, orders=100, rebuild_indexes=True)

    assert schema() == before
    taken = Customer.objects.exclude(email=None).first().email
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(email=taken)
