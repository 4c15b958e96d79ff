"""The dashboard: headline figures from a snapshot, never from aggregating orders per view;
campaign figures from the campaigns' results snapshots, never from their delivery rows."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign, CampaignResult, CampaignStatus, Channel, Track, Variant
from campaigns.results import FUNNEL
from config.views import LIFETIME_ROWS
from segmentation.customers.metrics import recompute_customer_metrics
from segmentation.customers.models import Customer, Order, StatsSnapshot
from segmentation.customers.tasks import refresh_stats
from segmentation.segments.models import Segment
from segmentation.segments.tree import empty
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


# --- campaigns and segments -------------------------------------------------------------------


def _customers_exist():
    """The campaign and segment sections sit below the headline figures."""
    StatsSnapshot.objects.create(customers=10, orders=0, revenue=[])


def _segment(name: str, **cached) -> Segment:
    return Segment.objects.create(name=name, definition=empty(), **cached)


def _campaign(name: str, days_ago: int = 1, **fields) -> Campaign:
    launched = timezone.now() - timedelta(days=days_ago)
    fields = {"status": CampaignStatus.SENT, "launched_at": launched, **fields}
    return Campaign.objects.create(name=name, **fields)


def _variant(track: Track, label: str, sent: int, opened=0, clicked=0, converted=0, revenue=0.0):
    variant = Variant.objects.create(track=track, label=label, subject=f"Subject {label}")
    counts = dict.fromkeys(FUNNEL, 0) | {"frozen": sent, "sent": sent}
    counts |= {"opened": opened, "clicked": clicked, "converted": converted}
    return {
        "id": variant.pk,
        "label": label,
        "weight": 50,
        "subject": variant.subject,
        **counts,
        "revenue_sum": revenue,
        "revenue_squares": revenue * revenue / max(converted, 1),
        "orders": converted,
        "order_total": revenue,
    }


def _snapshot(campaign: Campaign, tracks: dict[Segment, list[tuple]]) -> CampaignResult:
    """A results snapshot as campaigns.results.collect() stores it, with known counts:
    {segment: [(label, sent, opened, clicked, converted, revenue), ...]}."""
    raw = []
    for position, (segment, variants) in enumerate(tracks.items()):
        track = Track.objects.create(campaign=campaign, segment=segment, position=position)
        raw.append(
            {
                "id": track.pk,
                "position": position,
                "segment": segment.name,
                "segment_id": segment.pk,
                "variants": [_variant(track, *v) for v in variants],
                "holdout": 0,
                "lift": None,
            }
        )
    data = {"tracks": raw, "timeline": [], "extra": {}}
    return CampaignResult.objects.create(campaign=campaign, computed_at=timezone.now(), data=data)


def _section(page, name: str):
    return page.find("section", data_section=name)


def _sections(page, *names: str) -> list:
    return [s for s in page.find_all("section") if s.get("data-section") in names]


def _cells(row) -> dict[str, str]:
    return {cell["data-stat"]: cell.text for cell in row.find_all(data_stat=True)}


def _rows(section) -> list:
    return section.find("tbody").find_all("tr")


def test_it_shows_recent_campaigns_with_rates_from_their_snapshots(marketer_client):
    _customers_exist()
    campaign = _campaign("Spring sale", cost=Decimal("500"))
    _snapshot(
        campaign,
        {
            _segment("Regulars"): [
                ("A", 1000, 250, 40, 10, 500.0),
                ("B", 1000, 300, 60, 20, 1500.0),
            ]
        },
    )

    section = _section(_dashboard(marketer_client), "recent-campaigns")

    (row,) = _rows(section)
    assert _cells(row) == {
        "sent": "2,000",
        "open_rate": "27.5%",
        "click_rate": "5.0%",
        "conversion_rate": "1.5%",
        "revenue": "2,000.00",
        "roi": "300%",
    }
    link = row.find("th").find("a")
    assert link.text == "Spring sale"
    assert link["href"] == reverse("campaign_results", args=[campaign.pk])
    assert "Sent" in row.find(class_="badge").text


def test_it_gives_each_rate_its_interval(marketer_client):
    _customers_exist()
    _snapshot(_campaign("Spring sale"), {_segment("Regulars"): [("A", 1000, 250, 40, 10, 0.0)]})

    row = _rows(_section(_dashboard(marketer_client), "recent-campaigns"))[0]

    # Wilson 95% interval of 250 / 1000.
    assert row.find(data_stat="open_rate").find("span")["title"] == "95% interval 22.4 to 27.8%"


def test_it_lists_the_last_eight_launched_campaigns_newest_first(marketer_client):
    _customers_exist()
    for days_ago in range(1, 11):
        _campaign(f"Campaign {days_ago}", days_ago=days_ago)
    Campaign.objects.create(name="Draft", status=CampaignStatus.DRAFT)

    section = _section(_dashboard(marketer_client), "recent-campaigns")

    names = [row.find("th").find("a").text for row in _rows(section)]
    assert names == [f"Campaign {n}" for n in range(1, 9)]


def test_it_shows_dashes_and_computes_a_missing_snapshot_in_the_background(
    marketer_client, run_on_commit
):
    _customers_exist()
    campaign = _campaign("Spring sale")

    with run_on_commit():
        section = _section(_dashboard(marketer_client), "recent-campaigns")

    cells = _cells(_rows(section)[0])
    assert set(cells.values()) == {"–"}
    assert CampaignResult.objects.filter(campaign=campaign).exists()


def test_it_shows_no_roi_without_a_cost_and_no_open_rate_for_text_messages(marketer_client):
    _customers_exist()
    campaign = _campaign("Flash SMS", channel=Channel.SMS)
    _snapshot(campaign, {_segment("Regulars"): [("A", 100, 0, 10, 5, 250.0)]})

    cells = _cells(_rows(_section(_dashboard(marketer_client), "recent-campaigns"))[0])

    assert cells["open_rate"] == "–"
    assert cells["click_rate"] == "10.0%"
    assert cells["roi"] == "–"


def test_it_shows_each_segments_response_across_campaigns(marketer_client):
    _customers_exist()
    regulars, lapsed = _segment("Regulars"), _segment("Lapsed")
    spring = _campaign("Spring sale", days_ago=2)
    _snapshot(
        spring,
        {
            regulars: [("A", 1000, 200, 30, 10, 400.0), ("B", 1000, 300, 50, 30, 1400.0)],
            lapsed: [("A", 500, 50, 5, 1, 20.0)],
        },
    )
    _snapshot(_campaign("Summer", days_ago=1), {regulars: [("A", 2000, 400, 60, 20, 1000.0)]})

    section = _section(_dashboard(marketer_client), "segment-responses")

    first, second = _rows(section)
    assert first.find("th").text == "Regulars"
    assert first.find("th").find("a")["href"] == reverse("segment_edit", args=[regulars.pk])
    cells = _cells(first)
    assert cells | {"best": ""} == {
        "campaigns": "2",
        "sent": "4,000",
        "open_rate": "22.5%",
        "click_rate": "3.5%",
        "conversion_rate": "1.5%",
        "revenue_per_recipient": "0.70",
        "best": "",
    }
    best = first.find(data_stat="best")
    assert best.find("a").text == "Spring sale"
    assert best.find("a")["href"] == reverse("campaign_results", args=[spring.pk])
    assert "variant B: 3.0% converted" in best.text
    assert best.find(class_="row-note").text == "“Subject B”"
    assert second.find("th").text == "Lapsed"
    assert _cells(second)["campaigns"] == "1"


def test_a_lucky_handful_is_not_the_best_response(marketer_client):
    _customers_exist()
    regulars = _segment("Regulars")
    _snapshot(_campaign("Tiny test"), {regulars: [("A", 2, 2, 1, 1, 50.0)]})
    _snapshot(_campaign("Big send", days_ago=3), {regulars: [("A", 5000, 900, 300, 250, 9e3)]})

    best = _rows(_section(_dashboard(marketer_client), "segment-responses"))[0].find(
        data_stat="best"
    )

    assert best.find("a").text == "Big send"
    assert "variant A: 5.0% converted" in best.text


def test_open_rates_across_campaigns_count_email_only(marketer_client):
    _customers_exist()
    regulars = _segment("Regulars")
    _snapshot(_campaign("Email"), {regulars: [("A", 1000, 300, 10, 5, 0.0)]})
    _snapshot(_campaign("SMS", channel=Channel.SMS), {regulars: [("A", 1000, 0, 10, 5, 0.0)]})

    row = _rows(_section(_dashboard(marketer_client), "segment-responses"))[0]

    assert _cells(row)["open_rate"] == "30.0%"
    assert _cells(row)["click_rate"] == "1.0%"


def test_it_says_when_no_campaign_was_launched(marketer_client):
    _customers_exist()
    Campaign.objects.create(name="Draft")

    page = _dashboard(marketer_client)

    recent = _section(page, "recent-campaigns")
    assert "No campaign has been launched yet" in recent.text
    assert recent.find("a")["href"] == reverse("campaign_new")
    assert "once a launched campaign" in _section(page, "segment-responses").text


def test_it_tells_data_admins_who_launches_campaigns(client, data_admin):
    _customers_exist()
    client.force_login(data_admin)

    recent = _section(_dashboard(client), "recent-campaigns")

    assert "Once marketers launch one" in recent.text
    assert not recent.find_all("a")


def test_data_admins_see_campaign_figures(client, data_admin):
    _customers_exist()
    _snapshot(_campaign("Spring sale"), {_segment("Regulars"): [("A", 100, 20, 5, 1, 10.0)]})
    client.force_login(data_admin)

    page = _dashboard(client)

    assert len(_rows(_section(page, "recent-campaigns"))) == 1
    assert len(_rows(_section(page, "segment-responses"))) == 1


def test_it_hides_campaign_figures_from_roles_that_may_not_see_campaigns(client):
    _customers_exist()
    _snapshot(_campaign("Spring sale"), {_segment("Regulars"): [("A", 100, 20, 5, 1, 10.0)]})
    analyst = User.objects.create_user("analyst")
    codenames = ["view_customer", "view_segment"]
    analyst.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(analyst)

    page = _dashboard(client)

    assert not _sections(page, "recent-campaigns", "segment-responses")
    assert "Spring sale" not in page.text
    assert _sections(page, "lifetime-value")


def test_it_hides_lifetime_values_from_roles_that_may_not_see_segments(client):
    _customers_exist()
    _segment("Regulars", size=10, average_spent=50.0, average_orders=2.0)
    group = Group.objects.create(name="Customers only")
    group.permissions.set(Permission.objects.filter(codename="view_customer"))
    viewer = User.objects.create_user("viewer")
    viewer.groups.add(group)
    client.force_login(viewer)

    page = _dashboard(client)

    assert not _sections(page, "lifetime-value", "recent-campaigns", "segment-responses")


def test_it_shows_lifetime_value_by_segment_from_the_cached_counts(marketer_client):
    _customers_exist()
    counted = timezone.now() - timedelta(hours=2)
    dach = _segment(
        "DACH", size=123456, average_spent=1234.5, average_orders=3.24, counted_at=counted
    )
    _segment("New", size=None)

    section = _section(_dashboard(marketer_client), "lifetime-value")

    first, second = _rows(section)
    assert first.find("a")["href"] == reverse("segment_edit", args=[dach.pk])
    assert _cells(first) == {
        "size": "123,456",
        "average_spent": "1,234.50",
        "average_orders": "3.2",
    }
    assert first.find("time")["datetime"] == counted.isoformat()
    assert second.find("th").text == "New"
    assert _cells(second) == {"size": "not counted yet"}


def test_it_shows_the_largest_segments_and_links_to_all(marketer_client):
    _customers_exist()
    for n in range(LIFETIME_ROWS + 1):
        _segment(f"Segment {n:02}", size=n)

    section = _section(_dashboard(marketer_client), "lifetime-value")

    rows = _rows(section)
    assert len(rows) == LIFETIME_ROWS
    assert rows[0].find("th").text == f"Segment {LIFETIME_ROWS:02}"
    assert section.find("a", href=reverse("segment_list")).text == "all segments"


def test_it_says_when_there_are_no_segments(marketer_client):
    _customers_exist()

    section = _section(_dashboard(marketer_client), "lifetime-value")

    assert "No saved segments yet" in section.text
    assert section.find("a")["href"] == reverse("segment_new")


def test_it_reads_campaign_figures_from_snapshots_in_a_bounded_number_of_queries(
    marketer_client, django_assert_max_num_queries
):
    _customers_exist()
    segments = [_segment(f"Segment {n}", size=n) for n in range(3)]
    for n in range(10):
        variants = [("A", 1000, 200, 30, 10, 400.0), ("B", 1000, 250, 40, 12, 500.0)]
        _snapshot(_campaign(f"Campaign {n}", days_ago=n + 1), {s: variants for s in segments})

    with CaptureQueriesContext(connection) as queries:
        page = _dashboard(marketer_client)
    with django_assert_max_num_queries(8):
        _dashboard(marketer_client)

    assert len(_rows(_section(page, "recent-campaigns"))) == 8
    assert _cells(_rows(_section(page, "segment-responses"))[0])["campaigns"] == "10"
    assert not [q["sql"] for q in queries if "campaigns_delivery" in q["sql"]]
    assert not [q["sql"] for q in queries if "campaigns_variant" in q["sql"]]
