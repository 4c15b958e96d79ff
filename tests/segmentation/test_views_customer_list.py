"""The customer list: search, filters, keyset pages, capped count, HTMX partial."""

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from segmentation.customers import views
from segmentation.customers.metrics import recompute_customer_metrics
from segmentation.customers.models import Customer, Order, StatsSnapshot
from segmentation.customers.views import count_matches
from tests.htmltree import parse

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def _customers(n: int) -> list[Customer]:
    return [Customer.objects.create(email=f"c{i:02}@example.com") for i in range(n)]


def _get(client, headers=None, **params):
    response = client.get(reverse("customer_list"), params, headers=headers)
    assert response.status_code == 200
    return response


def _ids(page) -> list[int]:
    return [int(row["data-id"]) for row in page.find("tbody").find_all("tr")]


def _names(client, **params) -> list[str]:
    page = parse(_get(client, **params).content)
    if not page.find_all("tbody"):
        return []
    return [row.find("a").text for row in page.find("tbody").find_all("tr")]


def _query(href: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(href).query).items()}


def test_it_lists_customers_newest_first(marketer_client):
    first, second = _customers(2)

    page = parse(_get(marketer_client).content)

    assert _ids(page) == [second.pk, first.pk]


def test_it_shows_the_columns_a_marketer_needs(marketer_client):
    ann = Customer.objects.create(email="ann@example.com", first_name="Ann", country="DE")
    Order.objects.create(customer=ann, total=Decimal("1234.50"))
    recompute_customer_metrics()

    row = parse(_get(marketer_client).content).find("tbody").find("tr")

    cells = [cell.text for cell in row.find_all("td")]
    assert row.find("a").text == "Ann"
    assert row.find("a")["href"] == reverse("customer_detail", args=[ann.pk])
    assert cells[:4] == ["ann@example.com", "DE", "1", "1,234.50"]


def test_it_renders_only_the_results_partial_for_htmx(marketer_client):
    _customers(2)

    response = _get(marketer_client, headers=HTMX)

    page = parse(response.content)
    assert [el.tag for el in page.children if not isinstance(el, str)] == ["section"]
    assert page.find("section")["id"] == "results"
    assert not page.find_all("html") and not page.find_all("form")
    assert len(_ids(page)) == 2


def test_it_renders_the_whole_page_when_htmx_restores_history(marketer_client):
    response = _get(marketer_client, headers={**HTMX, "HX-History-Restore-Request": "true"})

    assert parse(response.content).find_all("html")


def test_it_varies_its_cache_on_the_htmx_header(marketer_client):
    response = _get(marketer_client)

    assert "HX-Request" in response["Vary"]


def test_it_pages_by_keyset_without_overlap(marketer_client, settings):
    settings.SEGMENTA_LIST_PAGE_SIZE = 5
    everyone = sorted((c.pk for c in _customers(12)), reverse=True)
    seen, params = [], {}

    while True:
        page = parse(_get(marketer_client, **params).content)
        seen.extend(_ids(page))
        next_links = page.find_all("a", rel="next")
        if not next_links:
            break
        params = _query(next_links[0]["href"])

    assert seen == everyone


def test_it_pages_back_to_the_rows_before(marketer_client, settings):
    settings.SEGMENTA_LIST_PAGE_SIZE = 5
    _customers(12)
    first = parse(_get(marketer_client).content)
    second = parse(_get(marketer_client, **_query(first.find("a", rel="next")["href"])).content)

    back = parse(_get(marketer_client, **_query(second.find("a", rel="prev")["href"])).content)

    assert _ids(back) == _ids(first)
    assert not back.find_all("a", rel="prev")
    assert not first.find_all("a", rel="prev")


def test_it_pages_with_htmx_and_pushes_the_url(marketer_client, settings):
    settings.SEGMENTA_LIST_PAGE_SIZE = 5
    _customers(7)
    first = parse(_get(marketer_client).content)
    link = first.find("a", rel="next")

    response = _get(marketer_client, headers=HTMX, **_query(link["hx-get"]))

    assert link["href"] == link["hx-get"]
    assert link["hx-push-url"] == "true"
    assert link["hx-target"] == "#results"
    assert len(_ids(parse(response.content))) == 2
    assert response["HX-Push-Url"] == f"{reverse('customer_list')}?{urlsplit(link['href']).query}"


def test_it_never_offsets_nor_counts_everything(marketer_client, settings):
    settings.SEGMENTA_LIST_PAGE_SIZE = 5
    settings.SEGMENTA_COUNT_CAP = 7
    middle = _customers(12)[6]

    with CaptureQueriesContext(connection) as queries:
        _get(marketer_client, after=middle.pk)

    sql = [q["sql"].upper() for q in queries if "SEGMENTATION_CUSTOMER" in q["sql"].upper()]
    assert not [s for s in sql if "OFFSET" in s]
    counts = [s for s in sql if "COUNT(" in s]
    assert counts and all("LIMIT 8" in s for s in counts)


def test_it_caps_the_count(marketer_client, settings):
    settings.SEGMENTA_COUNT_CAP = 3
    _customers(5)

    count = parse(_get(marketer_client).content).find(class_="result-count")

    assert count.text == "3+ customers"


def test_it_counts_exactly_below_the_cap(marketer_client, settings):
    settings.SEGMENTA_COUNT_CAP = 3
    _customers(3)

    assert parse(_get(marketer_client).content).find(class_="result-count").text == "3 customers"


def test_it_searches_names_by_prefix(marketer_client):
    Customer.objects.create(email="a@example.com", first_name="Annika", last_name="Berg")
    Customer.objects.create(email="b@example.com", first_name="Hanna", last_name="Anders")
    Customer.objects.create(email="c@example.com", first_name="Bob", last_name="Stone")

    assert _names(marketer_client, q="an") == ["Hanna Anders", "Annika Berg"]


def test_it_searches_emails_by_prefix(marketer_client):
    Customer.objects.create(email="zoe@example.com", first_name="Zoe")
    Customer.objects.create(email="zack@example.com", first_name="Zack")

    assert _names(marketer_client, q="ZOE@") == ["Zoe"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"country": "de"}, ["Ann"]),
        ({"gender": "male"}, ["Bob"]),
        ({"device": "mobile"}, ["Ann"]),
        ({"has_orders": "yes"}, ["Bob"]),
        ({"has_orders": "no"}, ["Ann"]),
        ({"country": "FR", "gender": "male"}, ["Bob"]),
        ({"country": "FR", "gender": "female"}, []),
    ],
)
def test_it_filters(marketer_client, params, expected):
    Customer.objects.create(
        email="ann@example.com", first_name="Ann", country="DE", gender="female",
        device_type="mobile",
    )  # fmt: skip
    bob = Customer.objects.create(
        email="bob@example.com", first_name="Bob", country="FR", gender="male"
    )
    Order.objects.create(customer=bob, total=Decimal("5.00"))
    recompute_customer_metrics()

    assert _names(marketer_client, **params) == expected


@pytest.mark.parametrize(
    "params",
    [
        {"country": "Germany"},
        {"country": "1"},
        {"gender": "robot"},
        {"device": "toaster"},
        {"has_orders": "maybe"},
        {"after": "abc"},
        {"after": "-3"},
        {"before": "1e9"},
        {"after": "99999999999999999999"},
        {"q": "ann\x00"},
        {"after": "5", "before": "9"},
        {"q": "x" * 500},
    ],
)
def test_it_explains_bad_filter_values(marketer_client, params):
    _customers(2)

    page = parse(_get(marketer_client, **params).content)

    assert page.find(id="results").find(class_="message-error", role="alert").text
    assert not page.find_all("table")


def test_it_explains_bad_filter_values_in_the_htmx_partial(marketer_client):
    page = parse(_get(marketer_client, headers=HTMX, country="Germany").content)

    assert "two-letter" in page.find(class_="message-error").text


def test_it_shows_an_empty_state_when_nothing_matches(marketer_client):
    _customers(2)

    empty = parse(_get(marketer_client, q="nobody").content).find(class_="empty-state")

    assert "No customers match" in empty.text


def test_it_shows_an_empty_state_without_customers(marketer_client):
    empty = parse(_get(marketer_client).content).find(class_="empty-state")

    assert "No customers yet" in empty.text


def test_it_works_without_javascript(marketer_client):
    form = parse(_get(marketer_client).content).find("form", role="search")

    assert form["method"] == "get"
    assert form["action"] == form["hx-get"] == reverse("customer_list")
    assert form["hx-target"] == "#results"
    assert form["hx-push-url"] == "true"
    assert form.find("button", type="submit")


def test_it_keeps_the_search_in_the_form_and_the_page_links(marketer_client, settings):
    settings.SEGMENTA_LIST_PAGE_SIZE = 1
    Customer.objects.create(email="ann1@example.com", first_name="Ann", country="DE")
    Customer.objects.create(email="ann2@example.com", first_name="Ann", country="DE")

    page = parse(_get(marketer_client, q="ann", country="de", gender="").content)

    assert page.find("input", name="q")["value"] == "ann"
    assert page.find("input", name="country")["value"] == "de"
    next_query = _query(page.find("a", rel="next")["href"])
    assert next_query.keys() == {"q", "country", "after"}
    assert next_query["country"] == "DE"


def test_it_pushes_a_clean_url_after_an_htmx_search(marketer_client):
    response = _get(marketer_client, headers=HTMX, q="ann", country="", gender="")

    assert response["HX-Push-Url"] == reverse("customer_list") + "?q=ann"


def test_it_suggests_the_countries_customers_live_in(marketer_client):
    Customer.objects.create(email="a@example.com", country="DE")
    Customer.objects.create(email="b@example.com", country="AT")
    StatsSnapshot.take()

    page = parse(_get(marketer_client).content)

    options = page.find("datalist").find_all("option")
    assert [(o["value"], o.text) for o in options] == [("AT", "Austria"), ("DE", "Germany")]
    assert page.find("input", name="country")["list"] == "country-list"


def test_it_escapes_names_in_the_list(marketer_client):
    Customer.objects.create(email="x@example.com", first_name="<script>alert(1)</script>")

    response = _get(marketer_client)

    body = parse(response.content).find("body")
    assert not body.find_all("script")
    assert body.find("tbody").find("a").text == "<script>alert(1)</script>"


def test_it_counts_within_the_time_budget():
    _customers(3)

    count = count_matches(Customer.objects.all(), cap=10, budget_ms=1000)

    assert (count.value, count.exact) == (3, True)


def test_it_estimates_a_count_that_would_take_too_long():
    _customers(3)
    # Every row costs 20 ms to test, so counting three of them overruns a 5 ms budget.
    slow = RawSQL("pg_sleep(0.02) IS NOT NULL", [], output_field=BooleanField())  # noqa: S611
    rows = Customer.objects.alias(slow=slow).filter(slow=True)

    count = count_matches(rows, cap=10, budget_ms=5)

    assert count.exact is False
    assert count.value >= 1
    assert Customer.objects.count() == 3  # the cancelled count left the connection usable


def test_it_says_about_for_an_estimated_count(marketer_client, monkeypatch):
    _customers(2)
    monkeypatch.setattr(views, "count_matches", lambda *args: views.MatchCount(1200, exact=False))

    count = parse(_get(marketer_client).content).find(class_="result-count")

    assert count.text == "about 1,200 customers"


def test_it_gives_back_the_statement_timeout_after_counting():
    def timeout() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('statement_timeout')")
            return cursor.fetchone()[0]

    before = timeout()  # inside the test's transaction, as with ATOMIC_REQUESTS

    count_matches(Customer.objects.all(), cap=10, budget_ms=40)

    assert timeout() == before
