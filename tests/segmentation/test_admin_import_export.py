"""django-import-export in the admin: data admins import CSV through the ledger's rules."""

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from segmentation.consent import ledger
from segmentation.consent.models import ConsentEvent
from segmentation.customers.models import Customer
from tests.htmltree import parse

pytestmark = pytest.mark.django_db
CSV = b"email,first_name,email_consent\nAnn@Example.com,Ann,yes\nbob@example.com,=1+2,no\n"


@pytest.fixture
def admin_client(client, data_admin):
    client.force_login(data_admin)
    return client


def _upload(client):
    return client.post(
        reverse("admin:segmentation_customer_import"),
        {"import_file": SimpleUploadedFile("people.csv", CSV), "format": "0", "resource": "0"},
    )


def test_it_offers_import_and_export_to_data_admins_only(admin_client, client):
    assert admin_client.get(reverse("admin:segmentation_customer_import")).status_code == 200
    assert admin_client.get(reverse("admin:segmentation_order_import")).status_code == 200
    staff = User.objects.create_user("staff", is_staff=True)
    client.force_login(staff)
    assert client.get(reverse("admin:segmentation_customer_import")).status_code == 403


def test_it_imports_after_the_confirm_step_with_consent_events(admin_client):
    preview = _upload(admin_client)
    assert preview.status_code == 200
    assert Customer.objects.count() == 0  # the first step is a dry run
    form = parse(preview.content).find(
        "form", action=reverse("admin:segmentation_customer_process_import")
    )
    data = {el["name"]: el.get("value", "") for el in form.find_all("input") if el.get("name")}
    response = admin_client.post(reverse("admin:segmentation_customer_process_import"), data)
    assert response.status_code == 302
    ann = Customer.objects.get(email="ann@example.com")
    assert ann.email_consent == "granted"
    assert ConsentEvent.objects.filter(source="import", actor="dataadmin").count() == 2


def test_it_refuses_to_regrant_a_withdrawn_consent_in_the_preview(admin_client):
    ann = Customer.objects.create(email="ann@example.com")
    ledger.record(ann, "email", "granted", ledger.Context(source="admin"))
    ledger.withdraw(ann, "email", ledger.Context(source="unsubscribe_link"))
    preview = _upload(admin_client)
    assert "only their own confirmed double opt-in" in preview.content.decode()
    ann.refresh_from_db()
    assert ann.email_consent == "withdrawn"
