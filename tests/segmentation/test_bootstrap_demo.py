import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import Count, F

from segmentation.customers.models import Customer, Order

pytestmark = pytest.mark.django_db

LOGIN = re.compile(r"Log in at http://127\.0\.0\.1:8000/ as admin / (\S+)")


@pytest.fixture(autouse=True)
def _no_env_password(monkeypatch, settings):
    monkeypatch.delenv("SEGMENTA_ADMIN_PASSWORD", raising=False)
    settings.SITE_URL = "http://127.0.0.1:8000"


def bootstrap() -> str:
    out = StringIO()
    call_command("bootstrap_demo", customers=40, orders=120, stdout=out)
    return out.getvalue()


def test_it_loads_demo_data_and_prints_a_working_admin_login():
    out = bootstrap()

    password = LOGIN.search(out).group(1)
    admin = authenticate(username="admin", password=password)
    assert admin is not None and admin.is_superuser
    assert Customer.objects.count() == 40
    assert Order.objects.count() >= 120  # the seeded ones, and the demo campaign's


def test_every_demo_customers_order_figures_include_the_demo_campaigns_orders():
    call_command("bootstrap_demo", customers=300, orders=600, stdout=StringIO())

    counted = Customer.objects.annotate(n=Count("orders")).exclude(n=F("order_count"))
    assert Order.objects.count() > 600  # the demo campaign added conversions
    assert not counted.exists()


def test_the_admin_password_can_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("SEGMENTA_ADMIN_PASSWORD", "correct-horse-battery")

    out = bootstrap()

    assert authenticate(username="admin", password="correct-horse-battery")
    assert "correct-horse-battery" not in out


def test_it_creates_the_demo_users_in_their_roles_with_the_printed_password():
    password = LOGIN.search(bootstrap()).group(1)

    marketer = authenticate(username="marketer", password=password)
    data_admin = authenticate(username="dataadmin", password=password)
    assert [g.name for g in marketer.groups.all()] == ["Marketer"]
    assert [g.name for g in data_admin.groups.all()] == ["Data admin"]
    assert data_admin.is_staff and not marketer.is_staff


def test_a_second_run_changes_nothing_and_keeps_the_password():
    password = LOGIN.search(bootstrap()).group(1)

    again = bootstrap()

    assert LOGIN.search(again) is None
    assert "admin account exists" in again
    assert authenticate(username="admin", password=password)
    assert Customer.objects.count() == 40
    assert Order.objects.count() >= 120  # the seeded ones, and the demo campaign's
    assert User.objects.count() == 3


def test_the_environment_password_resets_an_existing_admin(monkeypatch):
    bootstrap()
    monkeypatch.setenv("SEGMENTA_ADMIN_PASSWORD", "new-secret-value")

    bootstrap()

    assert authenticate(username="admin", password="new-secret-value")


def test_it_leaves_existing_customers_and_users_alone():
    Customer.objects.create(email="real@example.com")
    User.objects.create_user("marketer", password="their-own")

    out = bootstrap()

    assert Customer.objects.count() == 1
    assert "Customers exist already" in out
    assert authenticate(username="marketer", password="their-own")


def test_demo_customers_get_a_consent_history_their_state_follows(db):
    from segmentation.consent import ledger
    from segmentation.customers.models import ConsentStatus

    call_command("bootstrap_demo", customers=60, orders=100, stdout=StringIO())

    statuses = set(Customer.objects.values_list("email_consent", flat=True))
    assert {ConsentStatus.GRANTED, ConsentStatus.WITHDRAWN} <= statuses
    for customer in Customer.objects.prefetch_related("consent_events"):
        derived = ledger.derive_state(customer.consent_events.all())
        assert customer.email_consent == derived.get(("email", None), ConsentStatus.NONE)
        assert customer.sms_consent == derived.get(("sms", None), ConsentStatus.NONE)
