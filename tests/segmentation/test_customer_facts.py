"""CustomerFacts, the preview's narrow copy, stays exactly what the customers' data says, and
a definition compiled for it selects the very customers the same definition selects on
Customer."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings

from segmentation.consent import ledger
from segmentation.customers.metrics import recompute_customer_metrics
from segmentation.customers.models import (
    AttributeDefinition,
    ConsentStatus,
    Customer,
    Interest,
    Order,
)
from segmentation.customers.rfm import recompute_rfm
from segmentation.demo.seeding import seed
from segmentation.events.models import Cart, CartStatus
from segmentation.segments import facts
from segmentation.segments.catalogue import Context
from segmentation.segments.models import CustomerFacts, Segment
from segmentation.segments.tree import check, compile_definition
from tests.segmentation.import_helpers import import_text
from tests.segmentation.test_rules_fuzz import plausible_trees

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def _facts(customer: Customer) -> CustomerFacts:
    return CustomerFacts.objects.get(pk=customer.pk)


def test_every_write_path_keeps_the_facts_exact(tmp_path):
    books = Interest.objects.create(slug="books", name="Books")
    hiking = Interest.objects.create(slug="hiking", name="Hiking")
    ada = Customer.objects.create(
        email="ada@example.com", country="DE", birth_date=dt.date(1990, 5, 1)
    )
    bob = Customer.objects.create(phone="+491511234567", country="AT")
    assert facts.drift() == [] and _facts(ada).country == "DE"

    ada.country, ada.attributes = "FR", {"tier": "gold"}
    ada.save()
    Customer.objects.filter(pk=bob.pk).update(rfm_tier="loyal", income=50_000)
    assert facts.drift() == [] and _facts(ada).attributes == {"tier": "gold"}

    ada.interests.add(books, hiking)
    bob.interests.add(books)
    ada.interests.remove(hiking)
    assert _facts(ada).interest_ids == [books.pk] and facts.drift() == []
    books.delete()  # the links go by cascade
    assert _facts(ada).interest_ids == [] and _facts(bob).interest_ids == []

    cart = Cart.objects.create(cart_id="c1", customer=bob, updated_at=NOW - dt.timedelta(hours=5))
    Cart.objects.create(cart_id="c2", customer=bob, updated_at=NOW - dt.timedelta(hours=9))
    assert _facts(bob).open_cart_since == NOW - dt.timedelta(hours=9)
    Cart.objects.filter(cart_id="c2").update(status=CartStatus.ORDERED)
    assert _facts(bob).open_cart_since == NOW - dt.timedelta(hours=5)
    cart.delete()
    assert _facts(bob).open_cart_since is None and facts.drift() == []

    Order.objects.create(customer=ada, total=Decimal("20.50"), placed_at=NOW - dt.timedelta(days=3))
    Order.objects.create(customer=ada, total=Decimal("9.50"), placed_at=NOW - dt.timedelta(days=1))
    recompute_customer_metrics([ada.pk])
    row = _facts(ada)
    assert (row.order_count, row.total_spent, row.spent) == (2, Decimal("30.00"), 30.0)
    assert row.running == [0, Decimal("20.50"), Decimal("30.00")] and len(row.placed) == 2
    recompute_rfm()
    assert facts.drift() == []
    Order.objects.filter(customer=ada).delete()
    recompute_customer_metrics([ada.pk])
    assert (_facts(ada).placed, _facts(ada).running) == ([], [0]) and facts.drift() == []

    context = ledger.Context(source="admin", actor="test")
    ledger.record(ada, "email", "granted", context)
    assert _facts(ada).reachable_email and not _facts(bob).reachable_email
    Customer.objects.filter(pk=ada.pk).update(email=None)  # no address, not reachable
    assert not _facts(ada).reachable_email and facts.drift() == []

    import_text(tmp_path, "email,country\nnew@example.com,ES\nbob2@example.com,IT\n")
    assert CustomerFacts.objects.filter(country__in=["ES", "IT"]).count() == 2
    assert facts.drift() == []

    ledger.erase(bob, context)
    assert not CustomerFacts.objects.filter(pk=bob.pk).exists() and facts.drift() == []


def test_truncating_the_customers_or_what_rows_fold_in_leaves_no_stale_facts():
    """TRUNCATE fires no delete trigger (Django's flush, a script emptying tables)."""
    books = Interest.objects.create(pk=5, slug="books", name="Books")  # an id with a bit
    ada = Customer.objects.create(email="ada@example.com", country="DE")
    ada.interests.add(books)
    assert _facts(ada).interest_ids == [5] and _facts(ada).interest_bits == 1 << 5
    with connection.cursor() as cursor:
        # The test's own transaction still holds the deferred foreign-key checks of the
        # inserts above, which TRUNCATE refuses to run past.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE segmentation_customerinterest")
    assert _facts(ada).interest_ids == [] and _facts(ada).interest_bits == 0
    assert facts.drift() == []
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE segmentation_customer CASCADE")
    assert not CustomerFacts.objects.exists()


def test_drift_finds_rows_written_behind_the_triggers_back_and_repair_mends_them():
    ada = Customer.objects.create(email="ada@example.com", country="DE")
    with connection.cursor() as cursor:
        # A restore or a replica's apply runs without triggers.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("UPDATE segmentation_customer SET country = 'FR' WHERE id = %s", [ada.pk])
        cursor.execute("SET session_replication_role = DEFAULT")
    assert facts.drift() == [ada.pk]
    with pytest.raises(CommandError, match="--repair"):
        call_command("facts", stdout=io.StringIO())
    assert facts.repair() == 1
    assert facts.drift() == [] and _facts(ada).country == "FR"
    assert facts.repair() == 0  # rows already right are not rewritten
    out = io.StringIO()
    call_command("facts", stdout=out)
    assert "Rows that differ from the data: none." in out.getvalue()
    assert "Pages marked all-visible: " in out.getvalue()


# --- the same members on Customer and on CustomerFacts ------------------------------------


@pytest.fixture
def varied(db):
    """Customers that differ in every way a rule can tell apart."""
    # Ids fixed: below 63 the facts row has them as bits too (the ids a sequence hands out
    # depend on the tests that ran before), and one past them, read from the array only.
    interests = [
        Interest.objects.create(pk=pk, slug=slug, name=slug.title())
        for pk, slug in ((1, "books"), (2, "travel"))
    ]
    interests.append(Interest.objects.create(pk=100, slug="music", name="Music"))
    AttributeDefinition.objects.create(key="score", label="Score", type="number")
    AttributeDefinition.objects.create(key="plan", label="Plan", type="text")
    countries = ["DE", "AT", "FR", ""]
    for i in range(24):
        customer = Customer.objects.create(
            email=f"c{i}@example.com" if i % 5 else None,
            phone=f"+4915112345{i:02d}" if i % 3 == 0 else "",
            country=countries[i % 4],
            city=["Berlin", "Wien", ""][i % 3],
            gender=["female", "male", ""][i % 3],
            birth_date=dt.date(1950 + 2 * i, 1 + i % 12, 1 + i % 28) if i % 4 else None,
            income=None if i % 6 == 0 else 10_000 * i,
            device_type=["mobile", "desktop", ""][i % 3],
            attributes={"score": i % 7, "plan": ["gold", "basic"][i % 2]} if i % 2 else {},
            email_consent=[ConsentStatus.GRANTED, ConsentStatus.WITHDRAWN][i % 2],
            sms_consent=[ConsentStatus.GRANTED, ConsentStatus.NONE][i % 2],
        )
        if i % 3:
            customer.interests.add(*interests[: 1 + i % 2])
        if i % 4 == 1:
            customer.interests.add(interests[2])
        for k in range(i % 4):
            Order.objects.create(
                customer=customer,
                total=Decimal(7 * i + 13 * k),
                placed_at=NOW - dt.timedelta(days=3 * i + 17 * k, hours=i),
            )
        if i % 5 == 1:
            Cart.objects.create(
                cart_id=f"cart{i}", customer=customer, updated_at=NOW - dt.timedelta(hours=i)
            )
    recompute_customer_metrics()
    recompute_rfm()
    Segment.objects.create(
        name="Germans", definition={"type": "group", "op": "and", "negate": False, "children": [
            {"type": "condition", "field": "country", "op": "in", "value": ["DE"]}]}
    )  # fmt: skip


def _members(definition, use_facts: bool) -> set[int]:
    q = compile_definition(definition, ctx=Context(NOW, facts=use_facts))
    model = CustomerFacts if use_facts else Customer
    return set(model.objects.filter(q).values_list("pk", flat=True))


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(tree=plausible_trees)
def test_a_definition_selects_the_same_customers_on_both_tables(varied, tree):
    if check(tree):
        return  # refused trees are the fuzz test's business
    assert _members(tree, use_facts=True) == _members(tree, use_facts=False)


@pytest.mark.parametrize(
    "condition",
    [
        {"field": "interests", "op": "all_of", "value": ["books", "travel"]},
        {"field": "interests", "op": "any_of", "value": ["books", "travel"]},
        {"field": "interests", "op": "none_of", "value": ["travel"]},
        {"field": "interests", "op": "any_of", "value": ["travel", "music"]},
        {"field": "interests", "op": "all_of", "value": ["books", "music"]},
        {"field": "interests", "op": "none_of", "value": ["music"]},
        {"field": "reachable_sms", "op": "is_false"},
        {"field": "open_cart", "op": "has_not", "value": {"hours": 3}},
        {"field": "orders_in_window", "op": "fewer_than", "value": {"count": 2, "days": 40}},
        {"field": "spent_in_window", "op": "at_least", "value": {"amount": 30, "days": 60}},
        {"field": "segment", "op": "not_in", "value": ["Germans"]},
        {"field": "attr.score", "op": "gte", "value": 3},
        {"field": "attr.plan", "op": "ne", "value": "gold"},
    ],
)
def test_the_conditions_that_read_other_tables_agree(varied, condition):
    if condition["field"] == "segment":
        condition["value"] = [str(Segment.objects.get(name="Germans").pk)]
    definition = {"type": "group", "op": "and", "negate": False,
                  "children": [{"type": "condition", **condition}]}  # fmt: skip
    on_facts = _members(definition, use_facts=True)
    assert on_facts == _members(definition, use_facts=False)
    assert 0 < len(on_facts) < Customer.objects.count()  # the case tells customers apart


@pytest.mark.django_db(transaction=True)
def test_upkeep_compacts_the_table_after_a_mass_update_and_leaves_a_compact_one_alone():
    # Earlier tests' rolled-back rows still take room in the file until it is rewritten.
    facts.compact()
    Customer.objects.bulk_create(
        Customer(email=f"p{i}@example.com", country="DE", occupation="x" * 40) for i in range(3000)
    )
    # Written once: compact, but its new pages are not yet marked all-visible.
    assert facts.visible() < facts.VISIBLE_BELOW
    assert facts.maintain() == "vacuumed"
    assert facts.visible() == 1.0
    assert facts.maintain() == ""  # nothing left to do
    before = facts.bloat()
    for _ in range(2):  # every row rewritten twice: two dead copies of each
        Customer.objects.update(rfm_tier="lost")
        Customer.objects.update(rfm_tier="")
    assert facts.bloat() > facts.COMPACT_ABOVE > before
    file = _file_of_the_table()
    assert facts.maintain() == "compacted"
    # Rewritten into a new file (how small depends on no other transaction still seeing the
    # old rows, which the upkeep cannot control), marked all-visible, and still exact.
    assert _file_of_the_table() != file and facts.drift() == []
    assert facts.visible() == 1.0


def _file_of_the_table() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_filenode('segmentation_customerfacts')")
        return cursor.fetchone()[0]


def test_a_deferred_load_writes_each_row_once_before_it_commits():
    books = Interest.objects.create(slug="books", name="Books")
    facts.defer()
    ada = Customer.objects.create(email="ada@example.com", country="DE")
    ada.interests.add(books)
    assert not CustomerFacts.objects.filter(pk=ada.pk).exists()  # not yet, on purpose
    assert facts.catch_up() == 1
    assert _facts(ada).interest_ids == [books.pk] and facts.drift() == []
    Customer.objects.filter(pk=ada.pk).update(country="AT")  # the triggers are back
    assert _facts(ada).country == "AT"


def test_demo_data_arrives_with_its_facts():
    seed(customers=300, orders=1200)
    assert CustomerFacts.objects.count() == 300 and facts.drift() == []
