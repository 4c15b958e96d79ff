"""A marketer opens a finished A/B campaign from the campaign list, reads its results: the
verdicts in words, the funnel, and the charts, each with its table."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from campaigns.models import DeliveryStatus
from tests.campaigns.test_results_views import FIGURES, deliver, make, variant
from tests.e2e.screens import shot

# serialized_rollback: the roles (groups) come from data migrations; keep them after the flush.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def finished(db):
    campaign = make("A", "B", segment="Loyal customers", holdout_percent=10, cost=Decimal("250"))
    for label, (n, opened, clicked, converted, revenue) in FIGURES.items():
        deliver(variant(campaign, label), n, opened, clicked, converted, revenue)
    deliver(variant(campaign, "A"), 200, status=DeliveryStatus.HOLDOUT)
    return campaign


def test_a_marketer_reads_the_results_of_a_finished_campaign(signed_in, live_server, finished):
    page = signed_in
    page.goto(live_server.url + "/campaigns/")
    page.get_by_role("link", name="Results of Spring sale").click()

    expect(page.get_by_role("heading", name="Results: Spring sale")).to_be_visible()
    expect(page.locator("#results-status")).to_contain_text("As of")
    track = page.get_by_role("region", name="Track 1: Loyal customers")
    expect(track).to_be_visible()
    conversion = track.locator("li.verdict[data-metric='conversion']")
    expect(conversion).to_contain_text("Significant")
    expect(conversion).to_contain_text("B converts better than A: +2.5 points")
    expect(page.locator("[data-stat='roi'] dd")).to_have_text("+1,020%")  # (2,800-250)/250

    figures = track.locator("figure.chart")
    expect(figures).to_have_count(3)
    for name in ("Funnel per variant", "Variants compared", "Conversions over time"):
        expect(track.get_by_role("img", name=name)).to_be_visible()
        figure = track.locator("figure.chart", has=page.get_by_role("img", name=name))
        expect(figure.locator("table tbody tr").first).to_be_visible()
    assert track.locator("svg rect.bar").count() == 8
    box = track.get_by_role("img", name="Funnel per variant").bounding_box()
    assert box and box["width"] > 200 and box["height"] > 100  # drawn, not collapsed
    shot(page, "results")

    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    assert download.value.suggested_filename == f"campaign-{finished.pk}-results.csv"


def test_a_large_campaigns_results_fill_in_by_themselves(
    signed_in, live_server, finished, settings, eager_tasks
):
    """No snapshot yet and too many rows to compute during the request: the page says so,
    the refresh runs (here in-process, as a worker would) and the poll swaps the figures in."""
    settings.SEGMENTA_RESULTS_INLINE_LIMIT = 0
    page = signed_in
    page.goto(f"{live_server.url}/campaigns/{finished.pk}/results/")

    expect(page.get_by_role("heading", name="Computing results…")).to_be_visible()
    expect(page.locator("li.verdict[data-metric='conversion']")).to_contain_text(
        "B converts better than A"
    )
    expect(page.get_by_role("heading", name="Computing results…")).to_have_count(0)
    expect(page.locator("#results-status")).to_contain_text("As of")
    assert page.locator("#results-status[hx-get]").count() == 0  # it stopped asking
