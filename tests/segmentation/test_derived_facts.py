"""Reachability and the open cart are each defined once (consent.reach, events.carts) and used in
several forms: a Q over customers (segments, a campaign's audience), SQL in the preview's
facts table and at the moment of sending, a test of one loaded customer. On every kind of
customer all forms must agree. (The order windows: tests/segmentation/test_order_windows.py.)
"""

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.utils import timezone

from segmentation.consent import reach
from segmentation.customers.models import Channel, ConsentStatus, Customer
from segmentation.events import carts
from segmentation.events.models import Cart, CartStatus
from segmentation.segments import facts, facts_source
from segmentation.segments.catalogue import Context
from segmentation.segments.models import CustomerFacts
from segmentation.segments.tree import compile_definition

pytestmark = pytest.mark.django_db
NOW = timezone.now()
STATUSES = [status for status, _ in ConsentStatus.choices]


def _every_kind_of_customer() -> None:
    """Each consent status with and without an address, per channel: 64 customers."""
    combos = itertools.product([None, "e"], STATUSES, ["", "p"], STATUSES)
    for n, (email, email_consent, phone, sms_consent) in enumerate(combos):
        customer = Customer.objects.create(
            email=f"c{n}@example.com" if email else None,
            phone=f"+4915112{n:05d}" if phone else "",
        )
        # Straight to the state columns: the ledger would refuse some of these states (a grant
        # without an address), which is exactly what the forms must still agree on.
        Customer.objects.filter(pk=customer.pk).update(
            email_consent=email_consent, sms_consent=sms_consent
        )


def _ids(rows) -> set[int]:
    return set(rows.values_list("pk", flat=True))


@pytest.mark.parametrize("channel", [Channel.EMAIL, Channel.SMS])
def test_reachability_is_the_same_in_every_form(channel):
    _every_kind_of_customer()
    on_customers = _ids(Customer.objects.filter(reach.q(channel)))
    loaded = {c.pk for c in Customer.objects.all() if reach.holds_for(c, channel)}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM segmentation_customer c WHERE {reach.sql(channel)}")  # noqa: S608
        by_sql = {row[0] for row in cursor.fetchall()}
    in_facts = set(
        CustomerFacts.objects.filter(**{f"reachable_{channel}": True}).values_list(
            "customer_id", flat=True
        )
    )

    assert len(on_customers) == 8  # granted with an address, times the other channel's 8 kinds
    assert on_customers == loaded == by_sql == in_facts
    assert facts.drift() == []


def test_the_open_cart_is_the_same_in_every_form():
    people = [Customer.objects.create(email=f"c{n}@example.com") for n in range(5)]
    hours = dt.timedelta(hours=1)
    carts_of = {
        0: [],
        1: [(CartStatus.OPEN, 5)],
        2: [(CartStatus.OPEN, 5), (CartStatus.OPEN, 30)],
        3: [(CartStatus.ORDERED, 50), (CartStatus.OPEN, 2)],
        4: [(CartStatus.ORDERED, 50)],
    }
    for n, made in carts_of.items():
        for k, (status, ago) in enumerate(made):
            Cart.objects.create(
                cart_id=f"{n}-{k}", customer=people[n], status=status, updated_at=NOW - ago * hours
            )

    for customer in people:
        oldest = min(
            carts.open_carts().filter(customer=customer).values_list("updated_at", flat=True),
            default=None,
        )
        assert CustomerFacts.objects.get(pk=customer.pk).open_cart_since == oldest
    for threshold in (1, 3, 6, 48):
        definition = {
            "type": "condition",
            "field": "open_cart",
            "op": "has",
            "value": {"hours": threshold},
        }
        tree = {"type": "group", "op": "and", "negate": False, "children": [definition]}
        on_customers = _ids(Customer.objects.filter(compile_definition(tree, ctx=Context(NOW))))
        q = compile_definition(tree, ctx=Context(NOW, facts=True))
        in_facts = set(CustomerFacts.objects.filter(q).values_list("customer_id", flat=True))
        assert on_customers == in_facts, f"open cart older than {threshold} h"


def test_the_facts_table_follows_the_codes_definitions(monkeypatch):
    """install() puts a changed definition in place and writes the rows it changes again."""
    ada = Customer.objects.create(email="ada@example.com", phone="+4915112345678")
    Customer.objects.filter(pk=ada.pk).update(sms_consent=ConsentStatus.GRANTED)
    assert CustomerFacts.objects.get(pk=ada.pk).reachable_sms is True
    assert facts_source.install() == 0  # migrate installed the current definitions

    monkeypatch.setitem(facts_source.SOURCES, "reachable_sms", "false")
    assert facts_source.install() == 1
    assert CustomerFacts.objects.get(pk=ada.pk).reachable_sms is False
    assert facts_source.installed() == facts_source.fingerprint()
