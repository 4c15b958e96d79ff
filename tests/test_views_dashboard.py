"""The dashboard: headline figures from a snapshot, never from aggregating orders per view."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from segmentation.metrics import recompute_customer_metrics
from segmentation.models import Customer, Order, StatsSnapshot
from segmentation.tasks import refresh_stats
from tests.htmltree import parse

pytestmark = pytest.mark.django_db


def _stat(page, name: str) -> str:
    return page.find(data_stat=name).find("dd").text


def _shop(currency="EUR"):
    """Three customers, two of whom ordered (10 + 20, and 30); one joined long ago."""
    ann = Customer.objects.create(email="ann@example.com", country="DE")
    bob = Customer.objects.create(email="bob@example.com", country="DE")
    Customer.objects.create(
        email="cy@example.com", country="FR", created_at=timezone.now() - timedelta(days=40)
    )
    for customer, total in [(ann, "10.00"), (ann, "20.00"), (bob, "30.00")]:
        Order.objects.create(customer=customer, total=Decimal(total), currency=currency)
    recompute_customer_metrics()


def _dashboard(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return parse(response.content)


def test_it_shows_the_headline_figures(marketer_client):
    _shop()

    page = _dashboard(marketer_client)

    assert _stat(page, "customers") == "3"
    assert _stat(page, "customers_with_orders") == "2"
    assert _stat(page, "orders") == "3"
    assert _stat(page, "revenue") == "60.00 EUR"
    assert _stat(page, "average_order_value") == "20.00 EUR"
    assert _stat(page, "new_customers") == "2"


def test_it_groups_thousands(marketer_client):
    StatsSnapshot.objects.create(customers=1234567, orders=5000000, revenue=[])

    page = _dashboard(marketer_client)

    assert _stat(page, "customers") == "1,234,567"
    assert _stat(page, "orders") == "5,000,000"


def test_it_says_when_the_figures_were_taken(marketer_client):
    _shop()

    page = _dashboard(marketer_client)

    taken_at = StatsSnapshot.objects.get().taken_at
    assert page.find(class_="as-of").find("time")["datetime"] == taken_at.isoformat()


def test_it_takes_the_first_snapshot_itself(marketer_client):
    _shop()

    _dashboard(marketer_client)

    assert StatsSnapshot.objects.count() == 1


def test_it_reads_a_snapshot_without_touching_orders(marketer_client):
    _shop()
    StatsSnapshot.take()

    with CaptureQueriesContext(connection) as queries:
        _dashboard(marketer_client)

    assert not [q["sql"] for q in queries if "segmentation_order" in q["sql"]]


def test_it_shows_the_snapshot_until_the_periodic_task_refreshes_it(marketer_client):
    _shop()
    StatsSnapshot.take()
    Customer.objects.create(email="dee@example.com")

    assert _stat(_dashboard(marketer_client), "customers") == "3"
    refresh_stats()
    assert _stat(_dashboard(marketer_client), "customers") == "4"


def test_it_keeps_only_the_newest_snapshot():
    first = StatsSnapshot.take()

    second = StatsSnapshot.take()

    assert list(StatsSnapshot.objects.all()) == [second]
    assert second.pk != first.pk


def test_it_retakes_a_snapshot_of_an_empty_database_once_customers_exist(marketer_client):
    StatsSnapshot.take()
    _shop()

    assert _stat(_dashboard(marketer_client), "customers") == "3"


def test_it_adds_up_money_per_currency_only(marketer_client):
    _shop("EUR")
    Order.objects.create(total=Decimal("99.50"), currency="USD")

    page = _dashboard(marketer_client)

    revenue = page.find(data_stat="revenue")
    assert revenue.find("dd").text == "60.00 EUR"
    assert revenue.find(class_="stat-note").text == "plus 99.50 USD"
    assert _stat(page, "orders") == "4"


def test_it_links_the_top_countries_to_the_filtered_list(marketer_client):
    _shop()

    links = _dashboard(marketer_client).find("ul", class_="bars").find_all("a")

    assert [a.text for a in links] == ["Germany", "France"]
    assert links[0]["href"] == reverse("customer_list") + "?country=DE"


def test_it_shows_an_empty_state_without_customers(marketer_client):
    page = _dashboard(marketer_client)

    empty = page.find(class_="empty-state")
    assert "No customers yet" in empty.text
    assert "seed_demo" in empty.text
    assert not page.find_all(class_="stats")


def test_it_tells_data_admins_where_to_import(client, data_admin):
    client.force_login(data_admin)

    empty = _dashboard(client).find(class_="empty-state")

    assert "Import a customer spreadsheet" in empty.text


def test_it_refreshes_the_snapshot_on_a_schedule():
    schedule = settings.CELERY_BEAT_SCHEDULE["refresh-stats"]

    assert schedule["task"] == refresh_stats.name
    assert 0 < schedule["schedule"] <= 3600
