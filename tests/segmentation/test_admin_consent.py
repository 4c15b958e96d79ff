"""The consent ledger in the Django admin: read-only, exportable, erasure on delete."""

import pytest
from django.urls import reverse

from segmentation.consent import ledger
from segmentation.consent.ledger import Context
from segmentation.consent.models import (
    ConsentAction,
    ConsentEvent,
    ConsentSource,
    ConsentWording,
    Suppression,
)
from segmentation.customers.models import Channel, ConsentStatus, Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(user)
    return client


@pytest.fixture
def event():
    customer = Customer.objects.create(email="led@example.com")
    return ledger.record(
        customer,
        Channel.EMAIL,
        ConsentAction.GRANTED,
        Context(ConsentSource.IMPORT, evidence="=cmd|' /C calc'!A0"),
    )


def test_the_ledger_cannot_be_added_changed_or_deleted_in_the_admin(superuser_client, event):
    base = "admin:segmentation_consentevent"
    assert superuser_client.get(reverse(f"{base}_changelist")).status_code == 200
    assert superuser_client.get(reverse(f"{base}_add")).status_code == 403
    assert superuser_client.get(reverse(f"{base}_delete", args=[event.pk])).status_code == 403
    page = superuser_client.get(reverse(f"{base}_change", args=[event.pk])).content.decode()
    assert 'name="action"' not in page  # shown, not editable
    superuser_client.post(reverse(f"{base}_change", args=[event.pk]), {"action": "withdrawn"})
    assert ConsentEvent.objects.get(pk=event.pk).action == "granted"


def test_the_audit_export_neutralises_formulas(superuser_client, event):
    response = superuser_client.post(
        reverse("admin:segmentation_consentevent_changelist"),
        {"action": "export_csv", "_selected_action": [event.pk]},
    )
    assert response["Content-Type"] == "text/csv"
    assert "'=cmd|' /C calc'!A0" in response.content.decode()


def test_a_wording_cannot_be_edited_once_saved(superuser_client):
    wording = ConsentWording.objects.get(version="email-v1")
    url = reverse("admin:segmentation_consentwording_change", args=[wording.pk])
    superuser_client.post(url, {"version": "email-v1", "text": "Something else"})
    wording.refresh_from_db()
    assert wording.text.startswith("Yes, send me news")


def test_deleting_a_customer_in_the_admin_is_an_erasure(superuser_client, event):
    customer = event.customer
    url = reverse("admin:segmentation_customer_delete", args=[customer.pk])

    superuser_client.post(url, {"post": "yes"})

    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert Suppression.objects.filter(address_hash=ledger.address_hash("email", "led@example.com"))
    kept = ConsentEvent.objects.filter(customer=None).values_list("action", "actor")
    assert list(kept) == [("granted", ""), ("withdrawn", "boss")]


def test_the_double_opt_in_action_sends_links(superuser_client, mailoutbox, run_on_commit):
    new = Customer.objects.create(email="new@example.com")
    done = Customer.objects.create(email="done@example.com")
    ledger.record(done, Channel.EMAIL, ConsentAction.GRANTED, Context(ConsentSource.IMPORT))

    with run_on_commit():
        response = superuser_client.post(
            reverse("admin:segmentation_customer_changelist"),
            {"action": "send_double_opt_in", "_selected_action": [new.pk, done.pk]},
            follow=True,
        )

    assert "Confirmation links sent: 1" in response.content.decode()
    assert [m.to for m in mailoutbox] == [["new@example.com"]]
    new.refresh_from_db()
    assert new.email_consent == ConsentStatus.PENDING
