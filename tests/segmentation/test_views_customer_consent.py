"""The consent panel of the customer page and the data admin's recorded changes."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from segmentation.consent import ledger
from segmentation.consent.ledger import Context
from segmentation.consent.models import ConsentAction, ConsentSource
from segmentation.customers.models import Channel, ConsentStatus, Customer
from tests.htmltree import parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer():
    customer = Customer.objects.create(email="cara@example.com", first_name="Cara")
    ledger.record(
        customer,
        Channel.EMAIL,
        ConsentAction.GRANTED,
        Context(ConsentSource.IMPORT, evidence="f.csv row 9"),
    )
    return customer


@pytest.fixture
def admin_client(client, data_admin):
    client.force_login(data_admin)
    return client


def _change(customer) -> str:
    return reverse("customer_consent_change", args=[customer.pk])


def test_the_customer_page_shows_consent_state_and_history(marketer_client, customer):
    tree = parse(marketer_client.get(customer.get_absolute_url()).content.decode())
    panel = tree.by_id("consent")
    assert "Granted" in panel.text
    assert "via Import" in panel.text
    assert "f.csv row 9" in panel.text
    assert panel.find_all("form") == []  # marketers read; data admins record changes


def test_a_data_admin_records_a_withdrawal_with_a_reason(admin_client, customer):
    response = admin_client.post(
        _change(customer),
        {"channel": "email", "action": "withdrawn", "reason": "asked by phone on 3 May"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Recorded." in response.content.decode()
    customer.refresh_from_db()
    assert customer.email_consent == ConsentStatus.WITHDRAWN
    event = customer.consent_events.latest("pk")
    assert (event.source, event.actor, event.evidence) == (
        "admin", "dataadmin", "asked by phone on 3 May",
    )  # fmt: skip


def test_a_reason_is_mandatory(admin_client, customer):
    response = admin_client.post(_change(customer), {"channel": "email", "action": "withdrawn"})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    customer.refresh_from_db()
    assert customer.email_consent == ConsentStatus.GRANTED


def test_a_refused_change_says_why_and_writes_nothing(admin_client, customer):
    ledger.withdraw(customer, Channel.EMAIL, Context(ConsentSource.UNSUBSCRIBE_LINK))
    response = admin_client.post(
        _change(customer),
        {"channel": "email", "action": "granted", "reason": "she said yes at the till"},
        headers={"HX-Request": "true"},
    )
    assert "only their own confirmed double opt-in" in parse(response.content.decode()).text
    assert customer.consent_events.count() == 2


def test_a_data_admin_can_send_a_double_opt_in_request(
    admin_client, customer, mailoutbox, run_on_commit
):
    ledger.withdraw(customer, Channel.EMAIL, Context(ConsentSource.UNSUBSCRIBE_LINK))
    with run_on_commit():
        admin_client.post(
            _change(customer),
            {"channel": "email", "action": "requested", "reason": "customer asked at the fair"},
        )
    customer.refresh_from_db()
    assert customer.email_consent == ConsentStatus.PENDING
    assert mailoutbox[0].to == ["cara@example.com"]


def test_marketers_and_outsiders_cannot_record_changes(client, marketer, outsider, customer):
    for user in (marketer, outsider):
        client.force_login(user)
        response = client.post(
            _change(customer), {"channel": "email", "action": "withdrawn", "reason": "because"}
        )
        assert response.status_code == 403
    assert customer.consent_events.count() == 1


def test_the_change_form_needs_a_csrf_token(data_admin, customer):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(data_admin)
    response = client.post(
        _change(customer), {"channel": "email", "action": "withdrawn", "reason": "because"}
    )
    assert response.status_code == 403
    assert Group.objects.filter(name="Data admin").exists()
