"""POST /api/events: keys, event types, idempotency, validation, limits, GDPR."""

import hashlib
import json
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import event as hypothesis_event
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from segmentation.consent import ledger
from segmentation.consent.gdpr import export_customer
from segmentation.consent.ledger import Context
from segmentation.consent.models import ConsentEvent, ConsentSource
from segmentation.customers import signals
from segmentation.customers.models import ConsentStatus, Customer, Order
from segmentation.events import keys, writing
from segmentation.events.models import ApiKey, Cart, Event

pytestmark = pytest.mark.django_db

URL = "/api/events"
EARLIER = "2026-01-10T09:00:00Z"
LATER = "2026-01-10T10:30:00+01:00"  # 09:30 UTC


def new_key(name: str = "Shop", **fields) -> tuple[ApiKey, str]:
    api_key = ApiKey(name=name, **fields)
    key = keys.issue(api_key)
    api_key.save()
    return api_key, key


@pytest.fixture
def shop() -> tuple[ApiKey, str]:
    return new_key()


@pytest.fixture
def key(shop) -> str:
    return shop[1]


def post(client: Client, body, key: str | None, content_type="application/json"):
    headers = {"authorization": f"Bearer {key}"} if key else {}
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL, data, content_type=content_type, headers=headers)


def page_view(event_id="pv-1", email="ada@example.com", at=EARLIER, **data) -> dict:
    data = {"url": "https://shop.example.com/p/1", **data}
    return _event(event_id, "page_view", email, at, data)


def cart_update(event_id="cu-1", cart_id="c-1", value="10.00", items=1, at=EARLIER, **kw):
    data = {"cart_id": cart_id, "value": value, "items": items}
    return _event(event_id, "cart_update", kw.pop("email", "ada@example.com"), at, data | kw)


def order(event_id="o-1", order_id="A-1", total="19.90", at=EARLIER, **kw) -> dict:
    data = {"order_id": order_id, "total": total}
    return _event(event_id, "order", kw.pop("email", "ada@example.com"), at, data | kw)


def _event(event_id, kind, email, at, data) -> dict:
    return {
        "id": event_id,
        "type": kind,
        "customer": {"email": email},
        "occurred_at": at,
        "data": data,
    }


def stored() -> tuple[int, int, int, int]:
    return (
        Event.objects.count(),
        Cart.objects.count(),
        Order.objects.count(),
        Customer.objects.count(),
    )


# --- Keys ----------------------------------------------------------------------------------


def test_it_refuses_a_request_without_a_key(client):
    response = post(client, page_view(), key=None)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert "Authorization: Bearer" in response.json()["error"]
    assert stored() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer sk_abcdefgh_" + "x" * 43,  # well-formed, no such key
        "Bearer not-a-key",
        "Bearer sk_ABCDEFGH_" + "x" * 43,  # prefix is lower-case only
        "Basic dXNlcjpwYXNz",
        "Bearer",
    ],
)
def test_it_refuses_unknown_and_malformed_keys(client, shop, header):
    response = client.post(
        URL, json.dumps(page_view()), content_type="application/json", HTTP_AUTHORIZATION=header
    )

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert "error" in response.json()
    assert Event.objects.count() == 0


def test_it_refuses_a_right_prefix_with_a_wrong_secret(client, shop):
    api_key, key = shop
    forged = f"sk_{api_key.prefix}_{'A' * 43}"

    assert post(client, page_view(), forged).status_code == 401


def test_it_refuses_a_deactivated_key(client, shop):
    api_key, key = shop
    api_key.is_active = False
    api_key.save()

    response = post(client, page_view(), key)

    assert response.status_code == 401
    assert response.json() == {"error": "The API key is unknown, malformed or deactivated."}


def test_a_key_has_the_documented_form_and_only_its_hash_is_stored(shop):
    api_key, key = shop

    prefix, secret = key.removeprefix("sk_").split("_", 1)
    assert prefix == api_key.prefix and len(prefix) == 8 and prefix.isalnum()
    assert len(secret) >= 32
    assert api_key.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in json.dumps(list(ApiKey.objects.values()), default=str)


def test_it_records_when_a_key_was_last_used_at_most_once_a_minute(client, shop):
    api_key, key = shop
    post(client, page_view("a"), key)
    first = ApiKey.objects.get(pk=api_key.pk).last_used_at
    assert first is not None

    post(client, page_view("b"), key)
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at == first

    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=first - timedelta(minutes=2))
    post(client, page_view("c"), key)
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at > first


# --- What each event type writes -----------------------------------------------------------


def test_a_page_view_is_stored_for_the_customer(client, key):
    ada = Customer.objects.create(email="ada@example.com")

    response = post(client, page_view(title="Boots"), key)

    assert response.status_code == 200
    assert response.json() == {"accepted": 1, "duplicates": 0}
    event = Event.objects.get()
    assert (event.customer, event.kind, event.event_id) == (ada, "page_view", "pv-1")
    assert event.occurred_at == datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
    assert event.data == {"url": "https://shop.example.com/p/1", "title": "Boots"}


def test_a_cart_update_opens_a_cart(client, shop):
    api_key, key = shop

    post(client, cart_update(value="42.50", items=3), key)

    cart = Cart.objects.get()
    assert (cart.integration, cart.cart_id, cart.status) == (api_key, "c-1", "open")
    assert (cart.value, cart.items) == (Decimal("42.50"), 3)
    assert cart.updated_at == datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
    assert cart.customer.email == "ada@example.com"
    assert Event.objects.get().data == {"cart_id": "c-1", "value": "42.50", "items": 3}


def test_a_newer_cart_update_wins_and_an_older_one_changes_nothing(client, key):
    post(client, cart_update("cu-2", value="30.00", items=2, at=LATER), key)
    post(client, cart_update("cu-1", value="10.00", items=1, at=EARLIER), key)  # arrives late

    cart = Cart.objects.get()
    assert (cart.value, cart.items) == (Decimal("30.00"), 2)
    assert cart.updated_at == datetime(2026, 1, 10, 9, 30, tzinfo=UTC)

    post(client, cart_update("cu-3", value="5.00", items=1, at="2026-01-10T11:00:00Z"), key)
    cart.refresh_from_db()
    assert (cart.value, cart.updated_at.hour) == (Decimal("5.00"), 11)


def test_a_cart_update_without_value_keeps_the_stored_value(client, key):
    post(client, cart_update("cu-1", value="30.00", items=2), key)
    update = cart_update("cu-2", at=LATER)
    del update["data"]["value"], update["data"]["items"]

    post(client, update, key)

    cart = Cart.objects.get()
    assert (cart.value, cart.items, cart.updated_at.minute) == (Decimal("30.00"), 2, 30)


def test_an_order_creates_the_order_and_recomputes_the_customers_metrics(client, key):
    items = [{"sku": "B-1", "qty": 2, "price": 9.95}]

    response = post(client, order(total=19.9, currency="usd", items=items), key)

    assert response.json() == {"accepted": 1, "duplicates": 0}
    placed = Order.objects.get()
    assert (placed.external_id, placed.total, placed.currency) == ("A-1", Decimal("19.90"), "USD")
    assert placed.items == items
    assert placed.placed_at == datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
    ada = Customer.objects.get(email="ada@example.com")
    assert placed.customer == ada
    assert (ada.order_count, ada.total_spent) == (1, Decimal("19.90"))
    assert ada.last_order_at == placed.placed_at


def test_orders_tell_campaigns_to_credit_conversions(client, key):
    heard = []

    def listener(sender, since, **kwargs):
        heard.append(since)

    signals.orders_recorded.connect(listener)
    try:
        post(client, order(), key)
        post(
            client,
            {
                "id": "pv-1",
                "type": "page_view",
                "customer": {"email": "ada@example.com"},
                "occurred_at": "2026-01-10T09:00:00Z",
                "data": {"url": "https://shop.example/"},
            },
            key,
        )
    finally:
        signals.orders_recorded.disconnect(listener)
    assert heard == [datetime(2026, 1, 10, 9, 0, tzinfo=UTC)]


def test_an_order_defaults_to_euro(client, key):
    post(client, order(), key)

    assert Order.objects.get().currency == "EUR"


def test_an_order_marks_its_cart_ordered_and_it_stays_ordered(client, key):
    post(client, cart_update(value="19.90"), key)
    post(client, order(cart_id="c-1", at=LATER), key)
    assert Cart.objects.get().status == "ordered"

    # The shop's last cart update arrives after the order: the cart is not open again.
    post(client, cart_update("cu-late", value="0", items=0, at="2026-01-10T12:00:00Z"), key)

    cart = Cart.objects.get()
    assert cart.status == "ordered"
    assert cart.updated_at.hour == 12


def test_an_order_for_a_cart_not_yet_reported_leaves_no_open_cart(client, key):
    post(client, order(cart_id="c-9", at=LATER), key)
    post(client, cart_update(cart_id="c-9", at=EARLIER), key)  # delivered out of order

    cart = Cart.objects.get()
    assert (cart.cart_id, cart.status) == ("c-9", "ordered")
    assert cart.updated_at == datetime(2026, 1, 10, 9, 30, tzinfo=UTC)


def test_a_batch_of_mixed_events_is_accepted_together(client, key):
    batch = [
        page_view("e-1"),
        cart_update("e-2", email="bob@example.com"),
        order("e-3", cart_id="c-1", at=LATER, email="bob@example.com"),
    ]

    response = post(client, {"events": batch}, key)

    assert response.json() == {"accepted": 3, "duplicates": 0}
    assert stored() == (3, 1, 1, 2)
    assert Cart.objects.get().status == "ordered"
    assert Customer.objects.get(email="bob@example.com").order_count == 1


# --- Customers -----------------------------------------------------------------------------


def test_an_unknown_email_creates_a_customer_without_consent(client, key):
    post(client, page_view(email="  New.Person@Example.COM "), key)

    person = Customer.objects.get()
    assert person.email == "new.person@example.com"
    assert person.email_consent == ConsentStatus.NONE
    assert person.sms_consent == ConsentStatus.NONE
    assert not ConsentEvent.objects.exists()
    assert not ledger.is_reachable(person, "email")


def test_an_email_matches_whatever_its_case(client, key):
    ada = Customer.objects.create(email="ada@example.com")

    post(client, page_view(email="ADA@Example.com"), key)

    assert Event.objects.get().customer == ada
    assert Customer.objects.count() == 1


def test_the_external_id_finds_the_customer_and_wins_over_the_email(client, key):
    ada = Customer.objects.create(email="ada@example.com", external_id="cust-7")
    Customer.objects.create(email="other@example.com")
    by_id = page_view("e-1")
    by_id["customer"] = {"external_id": "cust-7"}
    both = page_view("e-2")
    both["customer"] = {"email": "other@example.com", "external_id": "cust-7"}

    post(client, {"events": [by_id, both]}, key)

    assert {event.customer for event in Event.objects.all()} == {ada}


def test_a_new_email_with_a_new_external_id_creates_one_customer_with_both(client, key):
    first = page_view("e-1", email="neo@example.com")
    first["customer"]["external_id"] = "cust-9"
    later = page_view("e-2")
    later["customer"] = {"external_id": "cust-9"}

    post(client, {"events": [first, later]}, key)

    neo = Customer.objects.get()
    assert (neo.email, neo.external_id) == ("neo@example.com", "cust-9")
    assert Event.objects.filter(customer=neo).count() == 2


def test_a_known_email_sent_with_a_new_external_id_lets_later_events_use_that_id(client, key):
    ada = Customer.objects.create(email="ada@example.com")
    taken = Customer.objects.create(email="bob@example.com", external_id="cust-1")
    both = page_view("e-1")
    both["customer"]["external_id"] = "cust-2"
    by_id = page_view("e-2")
    by_id["customer"] = {"external_id": "cust-2"}

    response = post(client, {"events": [both, by_id]}, key)

    assert response.json() == {"accepted": 2, "duplicates": 0}
    ada.refresh_from_db()
    assert ada.external_id == "cust-2"
    assert Event.objects.filter(customer=ada).count() == 2
    # A customer who already has an external_id keeps it.
    again = page_view("e-3", email="bob@example.com")
    again["customer"]["external_id"] = "cust-3"
    post(client, again, key)
    taken.refresh_from_db()
    assert taken.external_id == "cust-1"


def test_an_unknown_external_id_without_email_refuses_the_request(client, key):
    known = page_view("e-1")
    unknown = page_view("e-2")
    unknown["customer"] = {"external_id": "nobody"}

    response = post(client, {"events": [known, unknown]}, key)

    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "index": 1,
                "field": "customer.external_id",
                "message": "no customer has this external_id; send their email to create one",
            }
        ]
    }
    assert stored() == (0, 0, 0, 0)


# --- Idempotency ---------------------------------------------------------------------------


def test_the_same_batch_sent_twice_is_stored_once(client, key):
    batch = {"events": [page_view("e-1"), cart_update("e-2"), order("e-3", cart_id="c-1")]}
    post(client, batch, key)
    before = stored()

    response = post(client, batch, key)

    assert response.status_code == 200
    assert response.json() == {"accepted": 0, "duplicates": 3}
    assert stored() == before == (3, 1, 1, 1)
    assert Customer.objects.get().order_count == 1


def test_a_duplicate_with_other_content_changes_nothing(client, key):
    post(client, cart_update("cu-1", value="10.00"), key)

    response = post(client, cart_update("cu-1", value="99.00", at=LATER), key)

    assert response.json() == {"accepted": 0, "duplicates": 1}
    assert Cart.objects.get().value == Decimal("10.00")


def test_an_id_repeated_within_a_batch_counts_once(client, key):
    response = post(client, {"events": [page_view("e-1"), page_view("e-1")]}, key)

    assert response.json() == {"accepted": 1, "duplicates": 1}
    assert Event.objects.count() == 1


def test_the_same_order_id_in_two_events_makes_one_order(client, key):
    post(client, order("o-1", order_id="A-1"), key)

    response = post(client, order("o-2", order_id="A-1", total="50.00"), key)

    assert response.json() == {"accepted": 1, "duplicates": 0}
    assert Order.objects.get().total == Decimal("19.90")
    assert Customer.objects.get().order_count == 1


def test_event_ids_are_per_integration(client, key):
    _, other_key = new_key("Other shop")
    post(client, page_view("e-1"), key)

    response = post(client, page_view("e-1"), other_key)

    assert response.json() == {"accepted": 1, "duplicates": 0}
    assert Event.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_store_each_event_once(monkeypatch):
    _, key = new_key()
    batch = {"events": [cart_update(f"e-{i}", cart_id=f"c-{i % 7}") for i in range(300)]}
    batch["events"] += [order(f"o-{i}", order_id=f"A-{i}") for i in range(20)]
    senders = 4
    # Every request finds no stored event before any of them writes: only the unique
    # index can keep the retries from doubling anything.
    all_checked = threading.Barrier(senders, timeout=30)
    unchecked = writing._new_events

    def checked_together(*args):
        fresh = unchecked(*args)
        all_checked.wait()
        return fresh

    monkeypatch.setattr(writing, "_new_events", checked_together)
    results = []

    def send() -> None:
        try:
            results.append(post(Client(), batch, key))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [r.status_code for r in results] == [200] * senders
    assert sorted(r.json()["accepted"] for r in results) == [0, 0, 0, 320]
    assert sum(r.json()["duplicates"] for r in results) == 3 * 320
    assert (Event.objects.count(), Cart.objects.count(), Order.objects.count()) == (320, 7, 20)
    assert Customer.objects.get().order_count == 20


def test_a_full_batch_takes_a_bounded_number_of_queries(client, key, django_assert_max_num_queries):
    batch = [page_view(f"p-{i}", email=f"p{i}@example.com") for i in range(200)]
    batch += [
        cart_update(f"c-{i}", cart_id=f"c-{i}", email=f"c{i}@example.com") for i in range(150)
    ]
    batch += [order(f"o-{i}", order_id=f"A-{i}", cart_id=f"c-{i}") for i in range(150)]

    # About 15: the customers, events, carts and orders each in a few set-based statements.
    with django_assert_max_num_queries(20):
        response = post(client, {"events": batch}, key)

    assert response.json() == {"accepted": 500, "duplicates": 0}
    assert stored() == (500, 150, 150, 351)


# --- Validation ----------------------------------------------------------------------------


def _with(event: dict, path: str, value) -> dict:
    """The event with one field set (or removed, for value=...)."""
    target = event
    *parents, last = path.split(".")
    for part in parents:
        target = target[part]
    if value is ...:
        target.pop(last, None)
    else:
        target[last] = value
    return event


ID = "must be a string of 1 to 100 characters"
KINDS = "must be one of cart_update, page_view, order"
WHO = "must be an object with an email and/or an external_id"
EMAIL = "must be a valid email address"
WHEN = "must be an ISO 8601 date and time, e.g. 2025-03-01T12:00:00Z"
ZONE = "must include a time zone, e.g. Z or +01:00"
WEB = "must be an http or https URL of at most 2000 characters"
MONEY = "must be a number >= 0"
CODE = "must be a 3-letter currency code, e.g. EUR"
UNSTORABLE = "contains a character that cannot be stored"


@pytest.mark.parametrize(
    "event, path, value, message",
    [
        (page_view, "id", ..., "is required"),
        (page_view, "id", "", ID),
        (page_view, "id", "x" * 101, ID),
        (page_view, "id", 7, ID),
        (page_view, "type", "message_open", KINDS),  # written by tracking, not by shops
        (page_view, "type", "purchase", KINDS),
        (page_view, "customer", ..., WHO),
        (page_view, "customer", {}, WHO),
        (page_view, "customer.email", "not-an-email", EMAIL),
        (page_view, "customer.email", "a" * 250 + "@x.de", EMAIL),
        (page_view, "customer.email", 5, EMAIL),
        (page_view, "occurred_at", ..., "is required"),
        (page_view, "occurred_at", "yesterday", WHEN),
        (page_view, "occurred_at", "2026-13-01T00:00:00Z", WHEN),
        (page_view, "occurred_at", "0001-01-01T00:00:00+01:00", WHEN),
        (page_view, "occurred_at", "2026-01-10T09:00:00", ZONE),
        (page_view, "data", [], "must be an object"),
        (page_view, "data.url", ..., "is required"),
        (page_view, "data.url", "ftp://shop.example.com/", WEB),
        (page_view, "data.url", "https://shop.example.com/" + "p" * 2000, WEB),
        (page_view, "data.title", {"t": 1}, "must be a string of 1 to 500 characters"),
        (cart_update, "data.cart_id", ..., "is required"),
        (cart_update, "data.value", -1, MONEY),
        (cart_update, "data.value", "ten", MONEY),
        (cart_update, "data.value", True, MONEY),
        (cart_update, "data.value", "1.234", "must have at most 2 decimal places"),
        (cart_update, "data.value", 1e12, "must be less than 10,000,000,000"),
        (cart_update, "data.items", -1, "must be a whole number >= 0"),
        (cart_update, "data.items", 1.5, "must be a whole number >= 0"),
        (order, "data.order_id", ..., "is required"),
        (order, "data.order_id", "A\x00", UNSTORABLE),
        (order, "data.total", ..., "is required"),
        (order, "data.total", -0.01, MONEY),
        (order, "data.total", "NaN", MONEY),
        (order, "data.currency", "EURO", CODE),
        (order, "data.currency", "€€€", CODE),
        (order, "data.items", {"sku": "x"}, "must be a list of at most 1000 items"),
        (order, "data.items", ["x"], "must hold one object per item"),
    ],
)  # fmt: skip
def test_each_invalid_field_gets_its_message(client, key, event, path, value, message):
    response = post(client, {"events": [page_view("ok"), _with(event("bad"), path, value)]}, key)

    assert response.status_code == 400
    assert {"index": 1, "field": path, "message": message} in response.json()["errors"]
    assert stored() == (0, 0, 0, 0)


def test_an_unstorable_character_deep_in_an_event_is_named(client, key):
    response = post(client, order(items=[{"sku": "a", "note": "\ud800"}]), key)

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"index": 0, "field": "data.items[0].note", "message": UNSTORABLE}
    ]


def test_an_event_more_than_an_hour_ahead_is_refused(client, key):
    soon = (timezone.now() + timedelta(minutes=50)).isoformat()
    too_late = (timezone.now() + timedelta(minutes=70)).isoformat()

    assert post(client, page_view("soon", at=soon), key).status_code == 200
    response = post(client, page_view("late", at=too_late), key)

    assert response.json()["errors"] == [
        {
            "index": 0,
            "field": "occurred_at",
            "message": "must not be more than 1 hour in the future",
        }
    ]


def test_one_bad_event_refuses_the_batch_and_lists_every_error(client, key):
    batch = [page_view("e-1"), order("e-2", total=None), cart_update("e-3"), "oops"]

    response = post(client, {"events": batch}, key)

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"index": 1, "field": "data.total", "message": "is required"},
        {"index": 3, "field": None, "message": "must be an event object"},
    ]
    assert stored() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    "body, message",
    [
        ("{not json", "The body is not valid JSON"),
        (" ", "The body is not valid JSON"),
        ('{"id": NaN}', "The body is not valid JSON"),
        ('{"id": 1e999}', "The body is not valid JSON"),
        ("[" * 5000 + "]" * 5000, "The body is"),
        (b"\xff\xfe", "The body is not UTF-8 text."),
        ("[1, 2]", 'The body must be one event object or {"events": [...]}.'),
        ('{"events": []}', '"events" must be a non-empty list of event objects.'),
        ('{"events": {"id": 1}}', '"events" must be a non-empty list of event objects.'),
    ],
)
def test_a_malformed_body_is_a_400_with_a_message(client, key, body, message):
    response = post(client, body, key)

    assert response.status_code == 400
    assert response.json()["error"].startswith(message)


def test_a_deeply_nested_event_is_refused(client, key):
    nested: dict = {}
    inner = nested
    for _ in range(30):
        inner["x"] = {}
        inner = inner["x"]

    response = post(client, order(items=[nested]), key)

    assert response.status_code == 400
    assert "nested more than 16 levels deep" in response.json()["errors"][0]["message"]


def test_json_must_be_sent_as_json(client, key):
    response = post(client, json.dumps(page_view()), key, content_type="text/plain")

    assert response.status_code == 400
    assert "Content-Type: application/json" in response.json()["error"]


def test_too_many_events_in_one_request_are_refused(client, key, settings):
    settings.SEGMENTA_API_MAX_EVENTS = 2

    response = post(client, {"events": [page_view(f"e-{i}") for i in range(3)]}, key)

    assert response.status_code == 400
    assert response.json() == {"error": "At most 2 events in one request."}


def test_a_body_over_the_size_limit_is_a_413(client, key, settings):
    settings.SEGMENTA_API_MAX_BODY_BYTES = 1000
    body = {"events": [page_view(f"e-{i}") for i in range(20)]}

    response = post(client, body, key)

    assert response.status_code == 413
    assert "larger than 1000 bytes" in response.json()["error"]
    assert Event.objects.count() == 0


def test_other_methods_get_a_405(client, key):
    response = client.get(URL, headers={"authorization": f"Bearer {key}"})

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.json() == {"error": "Use POST."}


def test_no_csrf_token_is_needed(key):
    client = Client(enforce_csrf_checks=True)

    assert post(client, page_view(), key).status_code == 200


def test_past_the_rate_limit_a_key_gets_429_and_other_keys_do_not(client, key, settings):
    settings.SEGMENTA_API_RATE_LIMIT = 2
    _, other_key = new_key("Other shop")
    assert post(client, page_view("e-1"), key).status_code == 200
    assert post(client, page_view("e-2"), key).status_code == 200

    response = post(client, page_view("e-3"), key)

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "More than 2 requests in a minute" in response.json()["error"]
    assert not Event.objects.filter(event_id="e-3").exists()
    assert post(client, page_view("e-3"), other_key).status_code == 200


# --- GDPR ----------------------------------------------------------------------------------


def test_download_my_data_includes_events_and_carts(client, key):
    post(client, {"events": [page_view("e-1"), cart_update("e-2", value="12.00")]}, key)
    ada = Customer.objects.get()

    data = json.loads(json.dumps(export_customer(ada), default=str))

    assert [e["type"] for e in data["events"]] == ["page_view", "cart_update"]
    assert data["events"][0]["data"]["url"] == "https://shop.example.com/p/1"
    assert data["events"][0]["source"] == "Shop"
    assert data["carts"] == [
        {
            "cart_id": "c-1",
            "status": "open",
            "value": "12.00",
            "items": 1,
            "updated_at": "2026-01-10 09:00:00+00:00",
        }
    ]


def test_erasure_deletes_the_persons_events_and_carts(client, key):
    post(client, {"events": [page_view("e-1"), cart_update("e-2"), order("e-3")]}, key)
    ada = Customer.objects.get()

    ledger.erase(ada, Context(ConsentSource.ADMIN, actor="boss"))

    assert (Event.objects.count(), Cart.objects.count()) == (0, 0)
    assert Order.objects.get().customer is None  # orders stay, unlinked, for revenue


# --- Never a 500 ---------------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.sampled_from(
        ["ada@example.com", "ADA@EXAMPLE.COM", "c-1", "EUR", "eur", "19.999", "1e3", "-0",
         "https://shop.example.com/", "2026-01-10T09:00:00Z", "2026-01-10", "\x00", "\ud800"]
    ),
)  # fmt: skip
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(st.text(max_size=4), scalars, max_size=3),
)
wild_events = st.dictionaries(
    st.sampled_from(["id", "type", "customer", "occurred_at", "data"]), values, max_size=5
)
# Well-formed envelopes whose data fields are mostly plausible, now and then anything: these
# reach the writing half (customers, carts, orders) with odd but valid values.
customers = st.one_of(
    st.fixed_dictionaries({"email": st.sampled_from(["ada@example.com", "Bob@Example.com"])}),
    st.fixed_dictionaries({"external_id": st.sampled_from(["cust-1", "cust-2"])}),
    st.fixed_dictionaries(
        {"email": st.just("cy@example.com"), "external_id": st.sampled_from(["cust-1", "cust-3"])}
    ),
)


def mostly(*good) -> st.SearchStrategy:
    return st.one_of(*[st.sampled_from(good)] * 5, values)


def plausible(kind: str, required: dict, optional: dict) -> st.SearchStrategy:
    return st.fixed_dictionaries(
        {
            "id": st.sampled_from(["e-1", "e-2", "e-3", "e-4"]),
            "type": st.just(kind),
            "customer": customers,
            "occurred_at": st.sampled_from([EARLIER, LATER, "2026-01-10T08:00:00-05:00"]),
            "data": st.fixed_dictionaries(required, optional=optional),
        }
    )


plausible_events = st.one_of(
    plausible(
        "cart_update",
        {"cart_id": mostly("c-1", "c-2")},
        {"value": mostly("10.00", 0, 19.9, "1e3", "0.10"), "items": mostly(0, 3)},
    ),
    plausible(
        "order",
        {"order_id": mostly("A-1", "A-2"), "total": mostly("19.90", 5, 0.5)},
        {
            "currency": mostly("EUR", "usd", None),
            "cart_id": mostly("c-1", "c-2", ""),
            "items": mostly([], [{"sku": "B-1", "qty": 1, "price": 9.95}]),
        },
    ),
    plausible(
        "page_view",
        {"url": mostly("https://shop.example.com/", "http://x.example/a?b=1")},
        {"title": mostly("", "Boots", None)},
    ),
)


@given(batch=st.lists(st.one_of(plausible_events, wild_events), min_size=1, max_size=4))
@hypothesis_settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_json_gets_an_answer_never_a_500(client, key, batch):
    response = post(client, {"events": batch}, key)

    hypothesis_event(f"status {response.status_code}")
    assert response.status_code in (200, 400)
    body = response.json()
    assert set(body) == ({"accepted", "duplicates"} if response.status_code == 200 else {"errors"})
