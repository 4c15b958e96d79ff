"""The campaign results page: figures, verdicts and charts from known deliveries, who may see
it, how it waits for a snapshot, the refresh button and the CSV / XLSX export."""

import csv
import io
import math
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from scipy.stats import binomtest, norm

from campaigns import charts, results, views_results
from campaigns.models import (
    AbMode,
    Campaign,
    CampaignResult,
    CampaignStatus,
    Delivery,
    DeliveryStatus,
    OrderAttribution,
    Track,
    Variant,
    WinnerDecision,
)
from segmentation.customers.models import Order
from segmentation.segments.models import Segment
from segmentation.shared.spreadsheet import safe_cell
from tests.htmltree import parse

pytestmark = pytest.mark.django_db
NOW = timezone.now()
LAUNCHED = NOW - timedelta(days=30)  # finished and past its window: the snapshot stays put
SENT = DeliveryStatus.SENT
# (sent, opened, clicked, converted, revenue each) of the two variants.
FIGURES = {"A": (1000, 100, 50, 20, "50"), "B": (1000, 120, 90, 45, "40")}


def make(*labels: str, segment: str = "Loyal", channel: str = "email", **fields) -> Campaign:
    defaults = {"status": CampaignStatus.SENT, "launched_at": LAUNCHED, "finished_at": LAUNCHED}
    campaign = Campaign.objects.create(name="Spring sale", channel=channel, **defaults | fields)
    segment_row = Segment.objects.get_or_create(name=segment, defaults={"definition": {}})[0]
    track = Track.objects.create(campaign=campaign, segment=segment_row, position=0)
    for label in labels:
        Variant.objects.create(track=track, label=label, subject=f"Subject {label}")
    return campaign


def variant(campaign: Campaign, label: str) -> Variant:
    return Variant.objects.get(track__campaign=campaign, label=label)


def deliver(v: Variant, n: int, opened=0, clicked=0, converted=0, revenue="0", status=SENT):
    """n bulk rows without customers; the first `converted` convert over two days."""
    rows = [
        Delivery(
            campaign=v.track.campaign, track=v.track, customer=None, status=status,
            variant=None if status == DeliveryStatus.HOLDOUT else v,
            sent_at=LAUNCHED if status == SENT else None,
            opened_at=LAUNCHED if i < opened else None,
            clicked_at=LAUNCHED if i < clicked else None,
            converted_at=LAUNCHED + timedelta(days=i % 2) if i < converted else None,
            revenue=Decimal(revenue) if i < converted else Decimal(0),
        )
        for i in range(n)
    ]  # fmt: skip
    Delivery.objects.bulk_create(rows, batch_size=2000)


@pytest.fixture
def finished(db) -> Campaign:
    """A/B test, 1,000 messages each; B converts clearly better. 200 held out, cost 100."""
    campaign = make("A", "B", holdout_percent=10, cost=Decimal("100"))
    for label, (n, opened, clicked, converted, revenue) in FIGURES.items():
        deliver(variant(campaign, label), n, opened, clicked, converted, revenue)
    deliver(variant(campaign, "A"), 10, status=DeliveryStatus.FAILED)
    deliver(variant(campaign, "A"), 200, status=DeliveryStatus.HOLDOUT)
    return campaign


def page(client, campaign: Campaign, **params):
    return client.get(reverse("campaign_results", args=[campaign.pk]), params)


def wilson(successes: int, n: int) -> str:
    """The reference interval, from scipy."""
    ci = binomtest(successes, n).proportion_ci(method="wilson")
    return f"{100 * successes / n:.1f}% ({100 * ci.low:.1f}–{100 * ci.high:.1f})"


def cell(html, variant_label: str, column: str) -> str:
    return html.find("tr", data_variant=variant_label).find("td", data_col=column).text


# --- the figures ----------------------------------------------------------------------------


def test_it_shows_the_funnel_with_wilson_intervals(marketer_client, finished):
    html = parse(page(marketer_client, finished).content)

    assert cell(html, "A", "frozen") == "1,010"
    assert cell(html, "A", "failed") == "10"
    for label, (n, opened, clicked, converted, _) in FIGURES.items():
        assert cell(html, label, "sent") == f"{n:,}"
        assert cell(html, label, "opened") == f"{opened} {wilson(opened, n)}"
        assert cell(html, label, "clicked") == f"{clicked} {wilson(clicked, n)}"
        assert cell(html, label, "converted") == f"{converted} {wilson(converted, n)}"
    assert cell(html, "A", "revenue") == "1,000.00"
    assert cell(html, "B", "revenue") == "1,800.00"


def test_it_shows_the_average_order_value_of_attributed_orders(marketer_client, finished):
    converted = Delivery.objects.filter(variant=variant(finished, "A"), converted_at__isnull=False)
    for delivery, total in zip(converted[:2], ("30.00", "70.00"), strict=True):
        order = Order.objects.create(total=Decimal(total), placed_at=LAUNCHED)
        OrderAttribution.objects.create(order=order, delivery=delivery)

    html = parse(page(marketer_client, finished).content)

    assert cell(html, "A", "average_order_value") == "50.00"
    assert cell(html, "B", "average_order_value") == "–"


def test_it_says_which_variant_converts_better_and_marks_it_significant(marketer_client, finished):
    html = parse(page(marketer_client, finished).content)

    verdict = html.find("li", class_="verdict", data_metric="conversion")
    # The difference's interval worked out here (unpooled Wald, as the page states it).
    a, b = 20 / 1000, 45 / 1000
    half = norm.ppf(0.975) * math.sqrt(a * (1 - a) / 1000 + b * (1 - b) / 1000)
    low, high = 100 * (b - a - half), 100 * (b - a + half)
    expected = f"B converts better than A: +2.5 points, 95% CI [{low:.1f}, {high:.1f}]."
    assert verdict["data-kind"] == "better"
    assert "is-significant" in verdict.classes
    assert verdict.find(class_="verdict-tag").text == "✔ Significant"
    assert verdict.find(class_="verdict-text").text == expected


def test_it_says_when_a_difference_is_not_significant(marketer_client, finished):
    html = parse(page(marketer_client, finished).content)

    verdict = html.find("li", class_="verdict", data_metric="open")
    assert verdict["data-kind"] == "none"
    assert verdict.find(class_="verdict-tag").text == "Not significant"
    assert verdict.find(class_="verdict-text").text.startswith("No significant difference")


def test_it_shows_the_summary_with_roi(marketer_client, finished):
    html = parse(page(marketer_client, finished).content)

    stat = {s["data-stat"]: s.find("dd").text for s in html.find_all(class_="stat")}
    assert stat["sent"] == "2,000"
    assert (stat["open"], stat["click"]) == ("11.0%", "7.0%")  # 220 and 140 of 2,000
    assert stat["revenue"] == "2,800.00"
    assert stat["cost"] == "100.00"
    assert stat["roi"] == "+2,700%"  # (2,800 - 100) / 100
    assert "(revenue − cost) / cost" in html.find(data_stat="roi").text
    roi = html.find(class_="track-roi")
    assert [s.text for s in roi.find_all("strong")] == ["2,800.00", "100.00", "+2,700%"]
    assert "the campaign's cost shared by messages sent (2,000 of 2,000)" in roi.text


def test_it_asks_for_the_cost_to_show_roi(marketer_client, finished):
    Campaign.objects.filter(pk=finished.pk).update(cost=0)

    html = parse(page(marketer_client, finished).content)

    assert "Enter the campaign's cost to see ROI." in html.find(data_stat="roi").text


def test_the_cost_can_be_entered_after_the_launch(marketer_client, finished):
    Campaign.objects.filter(pk=finished.pk).update(cost=0)
    url = reverse("campaign_cost", args=[finished.pk])

    response = marketer_client.post(url, {"cost": "400"}, follow=True)

    html = parse(response.content)
    assert html.find(data_stat="roi").find("dd").text == "+600%"  # (2,800 - 400) / 400
    assert "Cost saved" in html.find("ul", class_="messages").text


def test_a_bad_cost_is_refused_and_changes_nothing(marketer_client, finished):
    url = reverse("campaign_cost", args=[finished.pk])

    response = marketer_client.post(url, {"cost": "-5"}, follow=True)

    finished.refresh_from_db()
    assert finished.cost == Decimal("100")
    assert "Cost:" in parse(response.content).find("ul", class_="messages").text


def test_only_those_who_may_change_campaigns_see_the_cost_form(client, data_admin, finished):
    client.force_login(data_admin)

    html = parse(page(client, finished).content)

    assert not html.find_all("form", class_="cost-form")
    assert (
        client.post(reverse("campaign_cost", args=[finished.pk]), {"cost": "1"}).status_code == 403
    )


def test_it_shows_the_holdout_beside_the_sent_group(marketer_client, finished):
    html = parse(page(marketer_client, finished).content)

    assert cell(html, "holdout", "frozen") == "200"
    table = html.find("table", class_="funnel-table")
    holdout = table.find("tr", data_variant="holdout")
    spans = [int(c.get("colspan") or 1) for c in holdout.find_all() if c.tag in ("th", "td")]
    assert sum(spans) == len(table.find("thead").find_all("th"))  # the row fills the table
    lift = html.by_id(f"lift-track-{finished.tracks.get().pk}")
    assert lift.find("tr", data_group="holdout").find("td").text == "200"
    assert lift.find("tr", data_group="sent").find("td").text == "2,000"
    assert "holdout" in html.find("p", data_lift="track").text


def test_it_states_the_correction_with_three_variants(marketer_client):
    campaign = make("A", "B", "C")
    for label in "ABC":
        deliver(variant(campaign, label), 300, clicked=30)

    html = parse(page(marketer_client, campaign).content)

    assert "corrected for multiple testing (Holm)" in html.find(class_="correction").text


def test_it_shows_the_winner_decision(marketer_client, finished):
    Campaign.objects.filter(pk=finished.pk).update(ab_mode=AbMode.WINNER)
    summary = "B leads on conversion rate (4.5%), significantly ahead of A 2.0%."
    WinnerDecision.objects.create(
        track=finished.tracks.get(), metric="conversion", winner=variant(finished, "B"),
        significant=True, summary=summary, released=8000, decided_at=LAUNCHED + timedelta(hours=4),
    )  # fmt: skip

    html = parse(page(marketer_client, finished).content)

    decision = html.find("p", class_="decision").text
    assert decision.startswith("The winner was picked on ")
    assert decision.endswith(
        ": B leads on conversion rate (4.5%), significantly ahead of A 2.0%; "
        "8,000 recipients got B."
    )


def test_it_adds_the_counts_other_apps_provide(marketer_client, finished, monkeypatch):
    a = variant(finished, "A")
    monkeypatch.setitem(
        results._count_providers,
        "survey_responses",
        ("Survey responses", lambda campaign: {(a.track_id, a.pk): 7}),
    )

    html = parse(page(marketer_client, finished).content)

    assert "Survey responses" in html.find("table", class_="funnel-table").find("thead").text
    assert cell(html, "A", "survey_responses") == "7"
    assert cell(html, "B", "survey_responses") == "0"


def test_an_sms_campaign_has_no_opens(marketer_client):
    campaign = make("A", channel="sms")
    deliver(variant(campaign, "A"), 100, clicked=10)

    html = parse(page(marketer_client, campaign).content)

    head = html.find("table", class_="funnel-table").find("thead").text
    assert "Opened" not in head and "Clicked" in head
    assert not html.find_all(data_stat="open")


def test_it_escapes_names_people_typed(marketer_client):
    campaign = make("A", segment="<script>alert(1)</script>")
    deliver(variant(campaign, "A"), 10)

    content = page(marketer_client, campaign).content.decode()

    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


# --- charts ---------------------------------------------------------------------------------


def test_each_chart_is_an_svg_image_with_its_table(marketer_client, finished):
    html = parse(page(marketer_client, finished).content)

    figures = html.find_all("figure", class_="chart")
    assert len(figures) == 3
    for figure in figures:
        caption = figure.find("figcaption")
        svg = figure.find("svg")
        assert svg["role"] == "img" and svg["aria-labelledby"] == caption["id"]
        assert figure.find("table").find("tbody").find_all("tr")
    funnel, compare, timeline = figures
    assert len(funnel.find("svg").find_all("rect", class_="bar")) == 8  # 2 variants x 4 stages
    assert [row.find("td").text for row in funnel.find("tbody").find_all("tr")] == ["1,000"] * 2
    assert compare.find("tbody").find("tr").text == (
        f"Variant A {wilson(50, 1000)} {wilson(20, 1000)}"
    )
    assert len(compare.find("svg").find_all("circle", class_="estimate")) == 4
    days = timeline.find("tbody").find_all("tr")
    # A converts 10 a day on two days (50 each), B 23 then 22 (40 each).
    assert [[td.text for td in day.find_all("td")] for day in days] == [
        ["10", "23", "1,420.00"],
        ["10", "22", "1,380.00"],
    ]
    assert len(timeline.find("svg").find_all("polyline")) == 2


def test_the_charts_have_an_empty_state_before_anything_is_sent(marketer_client):
    campaign = make("A", "B", status=CampaignStatus.SENDING, finished_at=None)
    deliver(variant(campaign, "A"), 20, status=DeliveryStatus.QUEUED)

    html = parse(page(marketer_client, campaign).content)

    empty = [p.text for p in html.find_all("p", class_="chart-empty")]
    assert len(empty) == 3 and not html.find_all("svg")
    assert "No conversions yet: the chart appears with the first one." in empty


def test_the_timeline_has_an_empty_state_without_conversions(marketer_client):
    campaign = make("A")
    deliver(variant(campaign, "A"), 50, clicked=5)

    html = parse(page(marketer_client, campaign).content)

    assert len(html.find_all("svg")) == 2
    assert html.find(class_="chart-timeline").find("p", class_="chart-empty")


def test_the_timeline_counts_quiet_days_as_zero():
    entries = [
        {"day": "2026-03-01", "track": 1, "variant": 1, "conversions": 4, "revenue": 40.0},
        {"day": "2026-03-04", "track": 1, "variant": 2, "conversions": 2, "revenue": 10.0},
    ]

    chart = charts.timeline(entries, [(1, "A"), (2, "B")])

    assert [p.value for p in chart.lines[0].points] == [4, 0, 0, 0]
    assert [p.value for p in chart.lines[1].points] == [0, 0, 0, 2]
    assert [(str(day), counts) for day, counts, _ in chart.table] == [
        ("2026-03-01", [4, 0]),
        ("2026-03-04", [0, 2]),
    ]
    assert [t.text for t in chart.y_ticks] == ["0", "1", "2", "3", "4"]


def test_axes_end_on_round_numbers():
    assert charts._scale(7.3) == (8.0, [0.0, 2.0, 4.0, 6.0, 8.0])
    assert charts._scale(0.9)[0] == 1.0
    assert charts._scale(3, whole=True) == (3.0, [0.0, 1.0, 2.0, 3.0])


# --- who may see it, and campaigns without results --------------------------------------------


def test_it_sends_anonymous_visitors_to_the_login_page(client, finished):
    response = page(client, finished)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_denies_other_roles(outsider_client, finished):
    assert page(outsider_client, finished).status_code == 403


def test_marketers_and_data_admins_see_it(client, finished, marketer, data_admin):
    for user in (marketer, data_admin):
        client.force_login(user)
        assert page(client, finished).status_code == 200


def test_a_draft_has_no_results_but_a_way_back(marketer_client):
    draft = make("A", status=CampaignStatus.DRAFT, launched_at=None, finished_at=None)

    response = page(marketer_client, draft)

    html = parse(response.content)
    assert response.status_code == 200
    assert "not launched" in html.find(class_="empty-state").text
    assert html.find(class_="empty-state").find("a")["href"] == draft.get_absolute_url()
    assert not CampaignResult.objects.exists()


def test_an_unknown_campaign_is_not_found(marketer_client):
    assert marketer_client.get(reverse("campaign_results", args=[999999])).status_code == 404


def test_the_campaign_pages_link_to_the_results_once_launched(marketer_client, finished):
    draft = make("A", segment="New", status=CampaignStatus.DRAFT, launched_at=None)
    results_url = reverse("campaign_results", args=[finished.pk])

    listing = parse(marketer_client.get(reverse("campaign_list")).content)
    detail = parse(marketer_client.get(finished.get_absolute_url()).content)
    draft_detail = parse(marketer_client.get(draft.get_absolute_url()).content)

    assert listing.find("tr", data_id=str(finished.pk)).find_all("a", href=results_url)
    assert not listing.find("tr", data_id=str(draft.pk)).find_all(
        "a", href=reverse("campaign_results", args=[draft.pk])
    )
    assert detail.find_all("a", href=results_url)
    assert "Results" not in [a.text for a in draft_detail.find_all("a")]


# --- freshness: the snapshot, the poll, the refresh button ----------------------------------


def status_of(html):
    return html.by_id("results-status")


def test_a_fresh_snapshot_says_when_it_was_computed_and_does_not_poll(marketer_client, finished):
    html = parse(page(marketer_client, finished).content)

    status = status_of(html)
    snapshot = CampaignResult.objects.get(campaign=finished)
    assert status.find("time")["datetime"] == snapshot.computed_at.isoformat()
    assert status.text.startswith("As of ")
    assert status.get("hx-get") is None and "Refreshing" not in status.text


def test_a_large_campaign_is_computed_in_the_background(
    marketer_client, finished, settings, run_on_commit
):
    settings.SEGMENTA_RESULTS_INLINE_LIMIT = 0

    with run_on_commit() as queued:
        html = parse(page(marketer_client, finished).content)
        assert not CampaignResult.objects.exists()

    assert html.by_id("computing").find("h2").text == "Computing results…"
    assert "hx-get" in status_of(html).attrs and "load delay" in status_of(html)["hx-trigger"]
    assert len(queued) == 1  # the refresh task, run here once "committed"
    assert CampaignResult.objects.filter(campaign=finished).exists()


def test_the_poll_swaps_in_the_results_once_they_are_there(marketer_client, finished):
    results.refresh(finished)
    htmx = {"HX-Request": "true"}

    response = marketer_client.get(
        reverse("campaign_results", args=[finished.pk]), {"region": "status", "poll": 3},
        headers=htmx,
    )  # fmt: skip

    assert response["HX-Retarget"] == "#results" and response["HX-Reswap"] == "outerHTML"
    html = parse(response.content)
    assert html.by_id("results").find_all("table", class_="funnel-table")
    assert status_of(html).get("hx-get") is None


def test_the_poll_keeps_asking_while_the_shown_snapshot_is_the_newest(marketer_client, finished):
    shown = results.refresh(finished).computed_at
    params = {"region": "status", "poll": 3, "after": shown.isoformat()}
    url = reverse("campaign_results", args=[finished.pk])

    response = marketer_client.get(url, params, headers={"HX-Request": "true"})

    html = parse(response.content)
    assert "HX-Retarget" not in response
    assert html.find().get("id") == "results-status"  # only the small region
    assert "poll=4" in status_of(html)["hx-get"] and "Refreshing…" in status_of(html).text
    given_up = marketer_client.get(url, params | {"poll": views_results.MAX_POLLS},
                                   headers={"HX-Request": "true"})  # fmt: skip
    assert parse(given_up.content).find().get("hx-get") is None
    assert "reload the page in a minute" in parse(given_up.content).text


@pytest.mark.parametrize("after", ["2026-01-01T00:00:00", "yesterday", "2026-13-45T99:00+00:00"])
def test_a_poll_with_a_bad_time_gets_the_results_not_an_error(marketer_client, finished, after):
    results.refresh(finished)
    params = {"region": "status", "after": after}
    url = reverse("campaign_results", args=[finished.pk])

    response = marketer_client.get(url, params, headers={"HX-Request": "true"})

    assert response.status_code == 200 and response["HX-Retarget"] == "#results"


def test_a_stale_snapshot_of_a_running_campaign_refreshes(marketer_client, finished, run_on_commit):
    Campaign.objects.filter(pk=finished.pk).update(status=CampaignStatus.SENDING, finished_at=None)
    old = results.refresh(finished, now=NOW - timedelta(hours=1))

    with run_on_commit() as queued:
        html = parse(page(marketer_client, finished).content)

    assert "Refreshing…" in status_of(html).text
    assert old.computed_at.isoformat() in status_of(html)["hx-get"].replace("%3A", ":").replace(
        "%2B", "+"
    )
    assert len(queued) == 1
    assert CampaignResult.objects.get(campaign=finished).computed_at > old.computed_at


def test_refresh_now_queues_a_refresh_and_waits_for_it(marketer_client, finished, run_on_commit):
    shown = results.refresh(finished)
    url = reverse("campaign_results_refresh", args=[finished.pk])

    with run_on_commit() as queued:
        response = marketer_client.post(url)

    assert response.status_code == 303
    assert response["Location"].startswith(reverse("campaign_results", args=[finished.pk]))
    assert "after=" in response["Location"]
    assert len(queued) == 1
    assert CampaignResult.objects.get(campaign=finished).computed_at > shown.computed_at


def test_refresh_now_twice_queues_one_refresh(marketer_client, finished, run_on_commit):
    results.refresh(finished)
    url = reverse("campaign_results_refresh", args=[finished.pk])

    with run_on_commit() as queued:
        marketer_client.post(url)
        again = marketer_client.post(url, follow=True)

    assert len(queued) == 1
    assert "A refresh is already on its way" in again.content.decode()


def test_refresh_now_needs_a_post_with_the_csrf_token(marketer, finished):
    client = Client(enforce_csrf_checks=True)
    client.force_login(marketer)
    url = reverse("campaign_results_refresh", args=[finished.pk])

    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 403
    html = parse(page(client, finished).content)
    form = status_of(html).find("form")
    assert form["method"] == "post" and form["action"] == url
    assert form.find("input", name="csrfmiddlewaretoken")


def test_refresh_now_is_refused_to_other_roles(outsider_client, finished):
    url = reverse("campaign_results_refresh", args=[finished.pk])

    assert outsider_client.post(url).status_code == 403


# --- export ---------------------------------------------------------------------------------


@pytest.fixture
def hostile(finished) -> Campaign:
    """User text that a spreadsheet would run as a formula."""
    Segment.objects.filter(tracks__campaign=finished).update(name='=HYPERLINK("http://x.example")')
    Variant.objects.filter(track__campaign=finished, label="B").update(subject="+cmd|' /C calc'!A0")
    Campaign.objects.filter(pk=finished.pk).update(name="@SUM(1+1)")
    return finished


def export(client, campaign: Campaign, fmt: str):
    return client.get(reverse("campaign_results_export", args=[campaign.pk]), {"format": fmt})


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_csv_has_a_row_per_variant_and_the_holdout(marketer_client, finished):
    response = export(marketer_client, finished, "csv")

    rows = csv_rows(response)
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="campaign-{finished.pk}-results.csv"' in response["Content-Disposition"]
    assert [r["Variant"] for r in rows] == [
        "A",
        "B",
        "Holdout (not sent)",
        "All sent (for the lift)",
    ]
    a, b, held, _ = rows
    assert (a["Sent"], a["Failed"], a["Opened"], a["Clicked"], a["Converted"]) == (
        "1000", "10", "100", "50", "20",
    )  # fmt: skip
    low, high = binomtest(45, 1000).proportion_ci(method="wilson")
    assert float(b["Conversion rate %"]) == 4.5
    assert float(b["Conversion rate low %"]) == pytest.approx(100 * low, abs=0.001)
    assert float(b["Conversion rate high %"]) == pytest.approx(100 * high, abs=0.001)
    assert (float(b["Revenue"]), float(b["Revenue per recipient"])) == (1800.0, 1.8)
    assert b["Verdicts"].count("B ") >= 3 and "B converts better than A" in b["Verdicts"]
    assert held["Held out"] == "200" and "holdout" in held["Verdicts"]


def test_the_csv_neutralises_formulas(marketer_client, hostile):
    rows = csv_rows(export(marketer_client, hostile, "csv"))

    assert rows[0]["Segment"] == '\'=HYPERLINK("http://x.example")'
    assert rows[0]["Campaign"] == "'@SUM(1+1)"
    assert rows[1]["Subject"] == "'+cmd|' /C calc'!A0"


def test_the_xlsx_has_the_same_rows_with_formulas_neutralised(marketer_client, hostile):
    response = export(marketer_client, hostile, "xlsx")

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    got = [dict(zip(header, row, strict=True)) for row in rows]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert [r["Variant"] for r in got][:2] == ["A", "B"]
    assert got[0]["Segment"] == '\'=HYPERLINK("http://x.example")'
    assert got[1]["Subject"] == "'+cmd|' /C calc'!A0"
    assert got[1]["Converted"] == 45 and got[1]["Conversion rate %"] == 4.5
    assert all(
        not (isinstance(v, str) and v.startswith(("=", "+", "-", "@")))
        for r in got
        for v in r.values()
    )


def test_the_formula_guard_leaves_numbers_and_plain_text_alone():
    assert safe_cell("-12") == "'-12"  # text that looks like a formula
    assert safe_cell(-1.5) == -1.5
    assert safe_cell("Loyal customers") == "Loyal customers"


def test_an_unknown_export_format_is_a_clear_400(marketer_client, finished):
    response = export(marketer_client, finished, "pdf")

    assert response.status_code == 400
    assert response.content.decode() == "Unknown export format: use ?format=csv or ?format=xlsx."


def test_the_export_waits_for_a_large_campaigns_first_figures(marketer_client, finished, settings):
    settings.SEGMENTA_RESULTS_INLINE_LIMIT = 0

    response = export(marketer_client, finished, "csv")

    assert response.status_code == 503 and response["Retry-After"]


def test_a_drafts_export_has_only_the_header(marketer_client):
    draft = make("A", status=CampaignStatus.DRAFT, launched_at=None, finished_at=None)

    response = export(marketer_client, draft, "csv")

    assert response.status_code == 200
    assert csv_rows(response) == []


def test_the_export_is_denied_to_other_roles(outsider_client, finished):
    assert export(outsider_client, finished, "csv").status_code == 403
