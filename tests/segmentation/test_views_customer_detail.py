"""The customer page: profile, metrics, latest orders, all escaped."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from segmentation.customers.metrics import recompute_customer_metrics
from segmentation.customers.models import Customer, CustomerInterest, Interest, Order
from segmentation.customers.views import LATEST_ORDERS
from tests.htmltree import parse

pytestmark = pytest.mark.django_db


def _page(client, customer):
    response = client.get(reverse("customer_detail", args=[customer.pk]))
    assert response.status_code == 200
    return parse(response.content)


def _facts(page, section_title: str) -> dict[str, str]:
    heading = page.find("h2", id=f"{section_title}-title")
    facts = heading.parent.find("dl")
    terms = [el.text for el in facts.find_all("dt")]
    return dict(zip(terms, [el.text for el in facts.find_all("dd")], strict=True))


@pytest.fixture
def ann(db) -> Customer:
    ann = Customer.objects.create(
        email="ann@example.com", phone="+4915112345678", external_id="crm-7",
        first_name="Ann", last_name="Berg", locale="de-DE", birth_date=date(1990, 1, 1),
        gender="female", income=52000, education="master", occupation="Engineer",
        country="DE", region="Bavaria", city="Munich", postal_code="80331",
        device_type="mobile", os="android", attributes={"loyalty_tier": "gold", "pets": 2},
    )  # fmt: skip
    CustomerInterest.objects.create(
        customer=ann, interest=Interest.objects.create(slug="hiking", name="Hiking")
    )
    return ann


def test_it_shows_the_profile(marketer_client, ann):
    page = _page(marketer_client, ann)

    assert page.find("h1").text == "Ann Berg"
    assert _facts(page, "identity")["Email"] == "ann@example.com"
    assert _facts(page, "identity")["Phone"] == "+4915112345678"
    assert _facts(page, "demographics")["Age"] == f"{ann.age} (born 1 Jan 1990)"
    assert _facts(page, "demographics")["Income"] == "52,000 a year"
    assert _facts(page, "demographics")["Education"] == "Master"
    assert _facts(page, "geography")["City"] == "Munich"
    assert _facts(page, "geography")["Country"] == "Germany (DE)"
    assert _facts(page, "tech")["Operating system"] == "Android"
    assert [li.text for li in page.find("ul", class_="tags").find_all("li")] == ["Hiking"]


def test_it_shows_custom_attributes_as_a_table(marketer_client, ann):
    ann.attributes = {"pets": 2, "loyalty_tier": "gold", "sizes": ["M", "L"]}
    ann.save()

    table = _page(marketer_client, ann).find("table", class_="table-kv")

    rows = [(r.find("th").text, r.find("td").text) for r in table.find("tbody").find_all("tr")]
    assert rows == [("loyalty_tier", "gold"), ("pets", "2"), ("sizes", '["M", "L"]')]


def test_it_shows_dashes_for_unknown_values(marketer_client):
    bare = Customer.objects.create(email="bare@example.com")

    page = _page(marketer_client, bare)

    assert _facts(page, "demographics")["Age"] == "–"
    assert page.find("h2", id="attributes-title").parent.find("p").text == "None recorded."


def test_it_shows_order_metrics(marketer_client, ann):
    for day, total in [(1, "10.00"), (5, "30.00")]:
        Order.objects.create(
            customer=ann, total=Decimal(total), placed_at=datetime(2026, 2, day, tzinfo=UTC)
        )
    recompute_customer_metrics()

    page = _page(marketer_client, ann)

    metric = {el["data-stat"]: el.find("dd").text for el in page.find_all(data_stat=True)}
    assert metric == {
        "order_count": "2",
        "total_spent": "40.00",
        "avg_order_value": "20.00",
        "first_order_at": "1 Feb 2026",
        "last_order_at": "5 Feb 2026",
    }


def test_it_lists_the_latest_orders_and_says_how_many_there_are(marketer_client, ann):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(LATEST_ORDERS + 3):
        Order.objects.create(
            customer=ann, total=Decimal("1.00"), placed_at=start + timedelta(days=i),
            external_id=f"o-{i}",
        )  # fmt: skip

    page = _page(marketer_client, ann)

    section = page.find("h2", id="orders-title").parent
    rows = section.find("tbody").find_all("tr")
    assert len(rows) == LATEST_ORDERS
    assert rows[0].find("th").text == f"o-{LATEST_ORDERS + 2}"
    assert section.find("p", data_order_total="23").text == "The latest 20 of 23 orders."


def test_it_shows_other_customers_orders_never(marketer_client, ann):
    bob = Customer.objects.create(email="bob@example.com")
    Order.objects.create(customer=bob, total=Decimal("9.00"), external_id="bobs")

    page = _page(marketer_client, ann)

    assert "No orders yet." in page.find("h2", id="orders-title").parent.text


def test_it_escapes_imported_values(marketer_client):
    evil = Customer.objects.create(
        email="evil@example.com",
        first_name="<script>alert(1)</script>",
        city='"><img src=x onerror=alert(2)>',
        attributes={"<b>key</b>": "<img src=x onerror=alert(3)>"},
    )
    Order.objects.create(customer=evil, total=Decimal("1.00"), external_id="<i>o</i>")

    page = _page(marketer_client, evil)

    body = page.find("body")
    assert not body.find_all("script") and not body.find_all("img")
    assert not body.find_all("b") and not body.find_all("i")
    assert page.find("h1").text == "<script>alert(1)</script>"
    assert _facts(page, "geography")["City"] == '"><img src=x onerror=alert(2)>'


def test_it_answers_404_for_an_unknown_customer(marketer_client):
    response = marketer_client.get(reverse("customer_detail", args=[999999]))

    assert response.status_code == 404
