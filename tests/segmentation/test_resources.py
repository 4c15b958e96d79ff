"""django-import-export resources: normalised import, consent through the ledger, safe export."""

from decimal import Decimal

import pytest
import tablib

from segmentation.consent import ledger
from segmentation.consent.models import ConsentEvent
from segmentation.customers.models import Customer, Order
from segmentation.imports.resources import CustomerResource, OrderResource

pytestmark = pytest.mark.django_db


def _import(resource, headers, *rows, **kwargs):
    return resource.import_data(tablib.Dataset(*rows, headers=headers), **kwargs)


def test_it_imports_normalised_customers_with_consent(data_admin):
    result = _import(
        CustomerResource(), ["email", "first_name", "phone", "country", "email_consent"],
        ["Ann@Example.com", "Ann", "0151 1234567", "Germany", "yes"],
        dry_run=False, user=data_admin, file_name="people.csv",
    )  # fmt: skip
    assert not result.has_errors() and not result.has_validation_errors()
    ann = Customer.objects.get(email="ann@example.com")
    assert (ann.phone, ann.country, ann.email_consent) == ("+491511234567", "DE", "granted")
    event = ConsentEvent.objects.get()
    assert (event.source, event.actor, event.evidence) == (
        "import",
        "dataadmin",
        "file people.csv row 2",
    )


def test_it_does_not_regrant_a_withdrawn_consent(data_admin):
    ann = Customer.objects.create(email="ann@example.com")
    ledger.record(ann, "email", "granted", ledger.Context(source="admin"))
    ledger.withdraw(ann, "email", ledger.Context(source="unsubscribe_link"))
    result = _import(
        CustomerResource(), ["email", "email_consent"], ["ann@example.com", "yes"],
        dry_run=False, user=data_admin,
    )  # fmt: skip
    assert result.has_validation_errors()
    ann.refresh_from_db()
    assert ann.email_consent == "withdrawn"


def test_it_reports_invalid_cells_as_row_errors(data_admin):
    result = _import(
        CustomerResource(), ["email", "country"], ["bad-email", "Atlantis"], dry_run=True
    )
    assert result.has_validation_errors()
    assert Customer.objects.count() == 0


def test_its_export_neutralises_formulas():
    Customer.objects.create(email="f@example.com", first_name="=1+2", last_name="-cmd")
    data = CustomerResource().export()
    row = data.dict[0]
    assert (row["first_name"], row["last_name"]) == ("'=1+2", "'-cmd")


def test_orders_import_by_customer_email_and_recompute_metrics():
    ann = Customer.objects.create(email="ann@example.com")
    result = _import(
        OrderResource(), ["external_id", "customer_email", "placed_at", "total", "currency"],
        ["SO-1", "ANN@example.com", "2026-01-05 10:00:00", "19.90", "EUR"],
        dry_run=False,
    )  # fmt: skip
    assert not result.has_errors() and not result.has_validation_errors()
    assert Order.objects.get().customer == ann
    ann.refresh_from_db()
    assert (ann.order_count, ann.total_spent) == (1, Decimal("19.90"))


def test_orders_import_gives_the_buyers_rfm_scores_after_commit(run_on_commit):
    ann = Customer.objects.create(email="ann@example.com")
    with run_on_commit():
        _import(
            OrderResource(), ["external_id", "customer_email", "placed_at", "total", "currency"],
            ["SO-1", "ann@example.com", "2026-01-05 10:00:00", "19.90", "EUR"],
            dry_run=False,
        )  # fmt: skip
    ann.refresh_from_db()
    assert (ann.rfm_recency, ann.rfm_frequency, ann.rfm_monetary) == (1, 1, 1)
    assert ann.rfm_tier != ""
