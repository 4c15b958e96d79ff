"""A marketer builds a segment with a nested group, watches the count change, saves it and
finds it in the list."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from segmentation.customers.models import Customer
from segmentation.segments.models import Segment
from tests.e2e.screens import shot as _shot

# serialized_rollback: the roles (groups) come from data migrations; keep them after the flush.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# first name, country, gender, total spent
PEOPLE = [
    ("Ann", "DE", "female", "200.00"),
    ("Bruno", "PT", "male", "20.00"),
    ("Chloé", "FR", "female", "0.00"),
    ("Dmitri", "DE", "male", "300.00"),
    ("Elif", "TR", "female", "40.00"),
    ("Finn", "DK", "male", "0.00"),
    ("Greta", "DE", "female", "10.00"),
    ("Hugo", "DE", "male", "5.00"),
]


@pytest.fixture
def shop(db):
    for first, country, gender, spent in PEOPLE:
        Customer.objects.create(
            email=f"{first.lower()}@example.com", first_name=first, country=country,
            gender=gender, total_spent=Decimal(spent),
        )  # fmt: skip


@pytest.fixture
def signed_up(marketer):
    marketer.set_password("a-long-passphrase")
    marketer.save(update_fields=["password"])
    return marketer


def _members(page):
    return page.locator("#preview [data-stat=members] [data-count]")


def _settled(page, edit) -> None:
    """Make an edit and wait until htmx has swapped in the answer and wired up its inputs
    (it does that a moment after the swap: a test is faster than that, a person is not)."""
    before = page.evaluate("window.__settled")
    edit()
    page.wait_for_function(f"window.__settled > {before}")
    # One edit can start two requests (the rules and the preview): the first to settle must
    # not let the test type into an input that the second swap then replaces.
    page.wait_for_function("!document.querySelector('.htmx-request')")


def test_it_builds_a_segment_with_a_nested_group_and_saves_it(live_server, signed_up, shop, page):
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("marketer")
    page.get_by_label("Password").fill("a-long-passphrase")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Segments").click()
    expect(page.get_by_role("heading", name="No segments yet")).to_be_visible()
    page.get_by_role("link", name="New segment").click()

    expect(_members(page)).to_have_attribute("data-count", "8")
    page.evaluate(
        "window.__sameDocument = true; window.__settled = 0;"
        "document.body.addEventListener('htmx:afterSettle', () => window.__settled++)"
    )
    add = page.get_by_role("button", name="+ Add condition", exact=True)
    add_group = page.get_by_role("button", name="+ Add group", exact=True)

    # Rule 1: country is DE.
    _settled(page, add.click)
    _settled(page, lambda: page.get_by_label("Rule 1: field").select_option(label="Country"))
    expect(page.get_by_label("Rule 1: how to compare")).to_have_value("in")
    page.get_by_label("Rule 1: country codes, separated by commas").fill("de")
    expect(_members(page)).to_have_attribute("data-count", "4")

    # Group 2 (any of): total spent at least 100, or female.
    _settled(page, add_group.click)
    _settled(page, lambda: page.get_by_label("Group 2: combine with").select_option("or"))
    _settled(page, lambda: page.get_by_label("Rule 2.1: field").select_option(label="Total spent"))
    _settled(
        page,
        lambda: page.get_by_label("Rule 2.1: how to compare").select_option(label="is at least"),
    )
    page.get_by_label("Rule 2.1: value").fill("100")
    expect(_members(page)).to_have_attribute("data-count", "2")  # Ann, Dmitri
    _settled(page, page.get_by_role("button", name="+ Add condition to group 2").click)
    _settled(page, lambda: page.get_by_label("Rule 2.2: field").select_option(label="Gender"))
    page.locator("#n-1-1-value").get_by_label("Female").check()
    expect(_members(page)).to_have_attribute("data-count", "3")  # and Greta
    expect(page.locator("#preview table.sample tbody tr")).to_have_count(3)
    assert page.evaluate("window.__sameDocument") is True  # every edit swapped in by htmx
    _shot(page, "segment-builder")

    page.get_by_label("Name").fill("German big spenders or women")
    page.get_by_role("button", name="Save segment").click()

    expect(page.get_by_role("heading", name="Segments", exact=True)).to_be_visible()
    row = page.locator("tbody tr", has_text="German big spenders or women")
    expect(row.locator("td").first).to_have_text("3")
    expect(row).to_contain_text("just now")
    _shot(page, "segment-list")
    segment = Segment.objects.get()
    assert segment.definition["children"][1]["op"] == "or"
    assert segment.definition["children"][1]["children"][1]["value"] == ["female"]
