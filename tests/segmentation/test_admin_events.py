"""The events API in the admin: keys shown once, deactivated not deleted; events read-only."""

import hashlib
import json
import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from segmentation.customers.models import Customer
from segmentation.events import keys
from segmentation.events.models import ApiKey, Cart, Event
from tests.htmltree import parse

pytestmark = pytest.mark.django_db

KEYS = reverse("admin:segmentation_apikey_changelist")
ADD_KEY = reverse("admin:segmentation_apikey_add")
EVENTS = reverse("admin:segmentation_event_changelist")
CARTS = reverse("admin:segmentation_cart_changelist")


@pytest.fixture
def admin_client(client, data_admin):
    client.force_login(data_admin)
    return client


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("boss", "b@example.com", "pw"))
    return client


def rows(response) -> list[str]:
    assert response.status_code == 200
    table = parse(response.content).find_all("table", id="result_list")
    return [tr.text for tr in table[0].find("tbody").find_all("tr")] if table else []


def issued(name: str = "Shop") -> tuple[ApiKey, str]:
    api_key = ApiKey(name=name)
    key = keys.issue(api_key)
    api_key.save()
    return api_key, key


def api_call(client, key: str):
    event = {
        "id": "e-1",
        "type": "page_view",
        "customer": {"email": "ada@example.com"},
        "occurred_at": "2026-01-10T09:00:00Z",
        "data": {"url": "https://shop.example.com/"},
    }
    return client.post(
        "/api/events", json.dumps(event), content_type="application/json",
        headers={"authorization": f"Bearer {key}"},
    )  # fmt: skip


def test_adding_a_key_shows_it_once_and_stores_only_its_hash(admin_client, data_admin):
    response = admin_client.post(ADD_KEY, {"name": "Webshop"}, follow=True)

    warnings = [li.text for li in parse(response.content).find_all("li", class_="warning")]
    keys = re.findall(r"sk_[a-z0-9]{8}_[A-Za-z0-9_-]{32,}", " ".join(warnings))
    assert len(keys) == 1
    assert "it will not be shown again" in warnings[0]
    key = keys[0]
    api_key = ApiKey.objects.get(name="Webshop")
    assert api_key.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key.startswith(f"sk_{api_key.prefix}_")
    assert key not in json.dumps(list(ApiKey.objects.values()), default=str)
    assert api_key.created_by == data_admin
    # The key works, and no later page shows it again.
    assert api_call(admin_client, key).status_code == 200
    for page in (KEYS, reverse("admin:segmentation_apikey_change", args=[api_key.pk])):
        assert key not in admin_client.get(page).content.decode()


def test_the_add_form_asks_only_for_a_name(admin_client):
    page = parse(admin_client.get(ADD_KEY).content)

    names = {field["name"] for field in page.find_all("input") if field.get("name")}
    assert "name" in names
    assert not names & {"prefix", "key_hash", "is_active"}


def test_the_list_shows_prefix_state_and_last_use(admin_client):
    api_key, key = issued()
    api_call(admin_client, key)

    page = parse(admin_client.get(KEYS).content)

    row = page.find("table", id="result_list").find("tbody").find("tr")
    assert row.find("th", class_="field-name").text == "Shop"
    assert row.find("td", class_="field-prefix").text == api_key.prefix
    assert row.find("td", class_="field-is_active").find("img")["alt"] == "True"
    assert row.find("td", class_="field-last_used_at").text != "-"


def test_a_deactivated_key_is_refused_by_the_api(admin_client):
    api_key, key = issued()
    url = reverse("admin:segmentation_apikey_change", args=[api_key.pk])

    admin_client.post(url, {"name": "Shop"})  # the "active" box unticked

    assert ApiKey.objects.get().is_active is False
    assert api_call(admin_client, key).status_code == 401


def test_the_deactivate_action(admin_client):
    first, _ = issued("One")
    second, _ = issued("Two")

    admin_client.post(KEYS, {"action": "deactivate", "_selected_action": [first.pk, second.pk]})

    assert not ApiKey.objects.filter(is_active=True).exists()


def test_keys_cannot_be_deleted_even_by_a_superuser(superuser_client):
    api_key, _ = issued()

    response = superuser_client.get(reverse("admin:segmentation_apikey_delete", args=[api_key.pk]))

    assert response.status_code == 403


def test_it_denies_keys_to_staff_without_the_permission(client, django_user_model):
    staff = django_user_model.objects.create_user("staff", "s@example.com", "pw", is_staff=True)
    client.force_login(staff)

    assert client.get(ADD_KEY).status_code == 403
    assert client.get(KEYS).status_code == 403


def _event_for(email: str, event_id: str) -> Event:
    api_key = ApiKey.objects.first() or issued()[0]
    customer, _ = Customer.objects.get_or_create(email=email)
    return Event.objects.create(
        integration=api_key,
        event_id=event_id,
        kind="page_view",
        customer=customer,
        occurred_at=datetime(2026, 1, 10, tzinfo=UTC),
        data={"url": "https://shop.example.com/"},
    )


def test_events_are_listed_read_only_and_searched_by_email(admin_client):
    event = _event_for("ada@example.com", "e-ada")
    _event_for("bob@example.com", "e-bob")

    assert len(rows(admin_client.get(EVENTS))) == 2
    found = rows(admin_client.get(EVENTS, {"q": "ADA@example.com"}))
    assert len(found) == 1 and "e-ada" in found[0]
    assert rows(admin_client.get(EVENTS, {"q": "nobody@example.com"})) == []
    assert len(rows(admin_client.get(EVENTS, {"kind__exact": "order"}))) == 0
    assert admin_client.get(reverse("admin:segmentation_event_add")).status_code == 403
    change = reverse("admin:segmentation_event_change", args=[event.pk])
    admin_client.post(change, {"event_id": "changed"})
    assert Event.objects.get(pk=event.pk).event_id == "e-ada"


def test_carts_are_listed_read_only(superuser_client):
    event = _event_for("ada@example.com", "e-1")
    Cart.objects.create(
        integration=event.integration, cart_id="c-1", customer=event.customer,
        updated_at=datetime(2026, 1, 10, tzinfo=UTC),
    )  # fmt: skip

    listed = rows(superuser_client.get(CARTS, {"status__exact": "open"}))

    assert len(listed) == 1 and "c-1" in listed[0]
    assert superuser_client.get(reverse("admin:segmentation_cart_add")).status_code == 403
