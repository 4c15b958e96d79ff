from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from segmentation.admin.customers import CustomerAdmin
from segmentation.customers.models import Customer, CustomerInterest, Interest, Order
from tests.htmltree import parse

pytestmark = pytest.mark.django_db

CUSTOMERS = reverse("admin:segmentation_customer_changelist")
ORDERS = reverse("admin:segmentation_order_changelist")
INTERESTS = reverse("admin:segmentation_interest_changelist")


@pytest.fixture
def admin_client(client, data_admin):
    client.force_login(data_admin)
    return client


def customer(email, **fields) -> Customer:
    return Customer.objects.create(email=email, **fields)


def rows(response) -> list[str]:
    """The text of each row of the changelist table."""
    assert response.status_code == 200
    table = parse(response.content).find_all("table", id="result_list")
    return [tr.text for tr in table[0].find("tbody").find_all("tr")] if table else []


def result_count(response) -> str:
    return parse(response.content).find("span", class_="result-count").text


def test_it_lists_customers_for_a_data_admin(admin_client):
    customer("ada@example.com", first_name="Ada", country="DE")
    customer("bob@example.com", first_name="Bob", country="FR")

    listed = rows(admin_client.get(CUSTOMERS))

    assert len(listed) == 2
    assert "bob@example.com" in listed[0]  # newest first
    assert "ada@example.com" in listed[1]


def test_non_staff_users_are_sent_to_the_admin_login(marketer_client):
    response = marketer_client.get(CUSTOMERS)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_it_finds_customers_by_the_start_of_their_last_name(admin_client):
    customer("a@example.com", first_name="Anna", last_name="Müller")
    customer("b@example.com", first_name="Bert", last_name="Schmidt")

    listed = rows(admin_client.get(CUSTOMERS, {"q": "mül"}))

    assert len(listed) == 1
    assert "Anna Müller" in listed[0]


def test_it_finds_a_customer_by_exact_external_id(admin_client):
    customer("a@example.com", external_id="CRM-17")
    customer("b@example.com", external_id="CRM-170")

    listed = rows(admin_client.get(CUSTOMERS, {"q": "CRM-17"}))

    assert len(listed) == 1
    assert "a@example.com" in listed[0]


def test_it_filters_by_country_offering_only_countries_in_use(admin_client):
    customer("de@example.com", country="DE")
    customer("fr@example.com", country="FR")

    response = admin_client.get(CUSTOMERS, {"country": "DE"})

    listed = rows(response)
    assert len(listed) == 1 and "de@example.com" in listed[0]
    choices = [a.text for a in parse(response.content).find(id="changelist-filter").find_all("a")]
    assert {"DE", "FR"} <= set(choices)
    assert "IT" not in choices


def test_it_filters_by_gender(admin_client):
    customer("f@example.com", gender="female")
    customer("m@example.com", gender="male")

    listed = rows(admin_client.get(CUSTOMERS, {"gender__exact": "female"}))

    assert len(listed) == 1 and "f@example.com" in listed[0]


def test_a_small_list_shows_its_exact_count(admin_client):
    customer("a@example.com")
    customer("b@example.com")

    assert result_count(admin_client.get(CUSTOMERS)) == "2 customers"


@pytest.fixture
def tiny_cap(settings, monkeypatch):
    settings.SEGMENTA_COUNT_CAP = 3
    monkeypatch.setattr(CustomerAdmin, "list_per_page", 2)
    monkeypatch.setattr(CustomerAdmin, "list_max_show_all", 2)


def test_the_count_stops_at_the_cap(admin_client, tiny_cap):
    for n in range(6):
        customer(f"c{n}@example.com", country="DE")

    response = admin_client.get(CUSTOMERS, {"country": "DE"})

    assert result_count(response) == "3+ customers"
    assert len(rows(response)) == 2
    pages = parse(response.content).find("p", class_="paginator").find_all("a")
    assert "2" in [a.text for a in pages]  # the next page can still be reached


def test_search_results_say_the_count_is_capped(admin_client, tiny_cap):
    for n in range(6):
        customer(f"c{n}@example.com", last_name="Meyer")

    response = admin_client.get(CUSTOMERS, {"q": "mey"})

    search = parse(response.content).find(id="changelist-search").text
    assert "3+ results" in search


def test_an_unfiltered_list_past_the_cap_shows_the_estimate(admin_client, tiny_cap):
    for n in range(7):
        customer(f"c{n}@example.com")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE segmentation_customer")

    assert result_count(admin_client.get(CUSTOMERS)) == "about 7 customers"


def test_the_changelist_never_counts_every_row(admin_client):
    customer("a@example.com", country="DE")

    with CaptureQueriesContext(connection) as queries:
        admin_client.get(CUSTOMERS, {"country": "DE", "q": "a"})

    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert counts, "the capped count is still a count"
    assert all("LIMIT" in sql.upper() for sql in counts)


def test_the_customer_page_shows_the_latest_20_orders_and_links_to_all(admin_client):
    ada = customer("ada@example.com")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(25):
        Order.objects.create(
            customer=ada, external_id=f"O-{n}", total=Decimal("10"), placed_at=start + timedelta(n)
        )

    page = parse(
        admin_client.get(reverse("admin:segmentation_customer_change", args=[ada.pk])).content
    )

    shown = page.find("table", class_="latest-orders").find("tbody").find_all("tr")
    assert len(shown) == 20
    assert shown[0].text.startswith("O-24")
    link = [a for a in page.find_all("a") if a.text == "All orders of this customer"][0]
    assert len(rows(admin_client.get(link["href"]))) == 25


def test_orders_are_found_by_customer_email_or_external_id(admin_client):
    ada = customer("ada@example.com")
    bob = customer("bob@example.com")
    Order.objects.create(customer=ada, external_id="O-1", total=Decimal("5"))
    Order.objects.create(customer=bob, external_id="O-2", total=Decimal("7"))

    by_email = rows(admin_client.get(ORDERS, {"q": "Ada@Example.com"}))
    by_id = rows(admin_client.get(ORDERS, {"q": "O-2"}))

    assert len(by_email) == 1 and "O-1" in by_email[0]
    assert len(by_id) == 1 and "O-2" in by_id[0]


def test_editing_an_order_in_the_admin_updates_the_customer_metrics(admin_client):
    ada = customer("ada@example.com")
    order = Order.objects.create(customer=ada, external_id="O-1", total=Decimal("5"))
    url = reverse("admin:segmentation_order_change", args=[order.pk])

    response = admin_client.post(
        url,
        {
            "customer": ada.pk,
            "external_id": "O-1",
            "placed_at_0": "2026-01-02",
            "placed_at_1": "10:00:00",
            "total": "42.50",
            "currency": "EUR",
            "items": "[]",
        },
    )

    assert response.status_code == 302
    ada.refresh_from_db()
    assert (ada.order_count, ada.total_spent) == (1, Decimal("42.50"))


def test_the_interest_list_does_not_count_members(admin_client):
    hiking = Interest.objects.create(slug="hiking", name="Hiking")
    CustomerInterest.objects.create(customer=customer("a@example.com"), interest=hiking)

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(INTERESTS)

    assert "Hiking" in rows(response)[0]
    assert not [q for q in queries if "customerinterest" in q["sql"]]


def test_deleting_an_interest_summarises_its_members_and_keeps_the_customers(admin_client):
    hiking = Interest.objects.create(slug="hiking", name="Hiking")
    for n in range(3):
        CustomerInterest.objects.create(
            customer=customer(f"c{n}@example.com", first_name=f"Person{n}"), interest=hiking
        )
    url = reverse("admin:segmentation_interest_delete", args=[hiking.pk])

    confirm = parse(admin_client.get(url).content).find(id="content").text
    admin_client.post(url, {"post": "yes"})

    assert "3 customer interest links" in confirm
    assert "Person0" not in confirm
    assert not Interest.objects.filter(pk=hiking.pk).exists()
    assert Customer.objects.count() == 3


def column(name: str) -> int:
    # The admin numbers columns for ?o= after the action checkbox, which comes first.
    return CustomerAdmin.list_display.index(name) + 1


def test_it_sorts_by_country_in_both_directions(admin_client):
    customer("de@example.com", country="DE")
    customer("at@example.com", country="AT")
    customer("fr@example.com", country="FR")

    up = rows(admin_client.get(CUSTOMERS, {"o": str(column("country"))}))
    down = rows(admin_client.get(CUSTOMERS, {"o": f"-{column('country')}"}))

    assert [r.split()[-1] for r in up] == [r.split()[-1] for r in down][::-1]
    assert "at@example.com" in up[0] and "fr@example.com" in down[0]


def test_a_hand_made_sort_by_an_unindexed_column_is_ignored(admin_client):
    big = customer("big@example.com")
    Customer.objects.filter(pk=big.pk).update(order_count=99)
    customer("new@example.com")

    listed = rows(admin_client.get(CUSTOMERS, {"o": f"-{column('order_count')}"}))

    assert "new@example.com" in listed[0]  # still newest first
    page = parse(admin_client.get(CUSTOMERS).content)
    headers = page.find("table", id="result_list").find("thead").find_all("th")
    sortable = set().union(*(th.classes for th in headers if "sortable" in th.classes))
    assert "column-country" in sortable and "column-order_count" not in sortable
