"""A marketer signs in, reads the dashboard, finds a customer and opens their orders."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from segmentation.customers.metrics import recompute_customer_metrics
from segmentation.customers.models import Customer, Order
from tests.e2e.screens import shot as _shot

# serialized_rollback: the roles (groups) come from a data migration; keep them after the flush.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PEOPLE = [
    ("Ann", "Berg", "DE", "female", 3),
    ("Bruno", "Costa", "PT", "male", 1),
    ("Chloé", "Durand", "FR", "female", 0),
    ("Dmitri", "Ivanov", "DE", "male", 5),
    ("Elif", "Yilmaz", "TR", "female", 2),
    ("Finn", "Larsen", "DK", "male", 0),
    ("Greta", "Nilsson", "SE", "female", 4),
    ("Hugo", "Martin", "FR", "male", 1),
]


@pytest.fixture
def shop(db):
    start = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    for i, (first, last, country, gender, orders) in enumerate(PEOPLE):
        customer = Customer.objects.create(
            email=f"{first.lower()}.{last.lower()}@example.com", first_name=first,
            last_name=last, country=country, gender=gender, device_type="mobile",
            attributes={"loyalty_tier": "gold" if orders > 2 else "basic"},
        )  # fmt: skip
        for n in range(orders):
            Order.objects.create(
                customer=customer, external_id=f"SO-{1000 + 10 * i + n}",
                total=Decimal("19.90") * (n + 1), placed_at=start + timedelta(days=7 * n + i),
                items=[{"sku": "TEE-1", "quantity": n + 1}],
            )  # fmt: skip
    recompute_customer_metrics()


@pytest.fixture
def signed_up(marketer):
    marketer.set_password("a-long-passphrase")
    marketer.save(update_fields=["password"])
    return marketer


@pytest.fixture
def session_cookie(live_server, marketer) -> dict:
    client = Client()
    client.force_login(marketer)
    name = django_settings.SESSION_COOKIE_NAME
    return {"name": name, "value": client.cookies[name].value, "url": live_server.url}


def test_it_takes_a_marketer_from_sign_in_to_a_customers_orders(live_server, signed_up, shop, page):
    page.goto(live_server.url + "/")
    expect(page).to_have_title("Sign in · Segmenta")
    _shot(page, "login")
    page.get_by_label("Username").fill("marketer")
    page.get_by_label("Password").fill("a-long-passphrase")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.locator("[data-stat=customers] dd")).to_have_text("8")
    expect(page.locator("[data-stat=orders] dd")).to_have_text("16")
    expect(page.locator("[data-stat=customers_with_orders] dd")).to_have_text("6")
    _shot(page, "dashboard")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Customers").click()
    expect(page.get_by_role("heading", name="Customers", exact=True)).to_be_visible()
    expect(page.locator("#results tbody tr")).to_have_count(len(PEOPLE))
    _shot(page, "customers")

    page.get_by_label("Search").fill("ber")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page).to_have_url(live_server.url + "/customers/?q=ber")
    _shot(page, "customers-search")

    page.get_by_role("link", name="Ann Berg").click()
    expect(page.get_by_role("heading", name="Ann Berg")).to_be_visible()
    orders = page.get_by_role("region", name="Latest orders")
    expect(orders.locator("tbody tr")).to_have_count(3)
    expect(orders.locator("tbody tr").first).to_contain_text("SO-1002")
    _shot(page, "customer")


def test_it_filters_and_pages_without_reloading(live_server, session_cookie, shop, settings, page):
    settings.SEGMENTA_LIST_PAGE_SIZE = 3
    page.context.add_cookies([session_cookie])

    page.goto(live_server.url + "/customers/")
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("Gender").select_option("female")
    expect(page.locator("#results tbody tr")).to_have_count(3)
    expect(page).to_have_url(live_server.url + "/customers/?gender=female")

    page.get_by_role("link", name="Next →").click()
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.locator("#results tbody tr")).to_contain_text("Ann Berg")
    assert page.evaluate("window.__sameDocument") is True  # swapped by htmx, not reloaded


def test_it_opens_the_login_page_when_the_session_ran_out(live_server, session_cookie, shop, page):
    page.context.add_cookies([session_cookie])
    page.goto(live_server.url + "/customers/")
    page.context.clear_cookies()

    page.get_by_label("Gender").select_option("male")

    expect(page).to_have_title("Sign in · Segmenta")
    assert "/login/?next=" in page.url
    expect(page.locator("#results")).to_have_count(0)  # the whole page, not a nested one
