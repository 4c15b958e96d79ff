"""Results: the funnel per track and variant from delivery rows, the verdicts in words with
figures worked out by hand, holdout lift, ROI, the snapshot's freshness rules."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns import results, verdicts
from campaigns.models import Campaign, CampaignResult, CampaignStatus, Delivery, Track, Variant
from campaigns.stats import sample_size_per_variant
from campaigns.tasks import refresh_changing_results, request_refresh
from campaigns.views_results import current
from segmentation.customers.models import Customer, Order
from segmentation.segments.models import Segment

pytestmark = pytest.mark.django_db
NOW = timezone.now()
LAUNCHED = NOW - timedelta(days=3)


def make(*labels: str, holdout: int = 0, cost: str = "0", segments=("Everyone",)) -> Campaign:
    campaign = Campaign.objects.create(
        name="Spring",
        status=CampaignStatus.SENT,
        launched_at=LAUNCHED,
        finished_at=LAUNCHED,
        holdout_percent=holdout,
        cost=Decimal(cost),
    )
    for position, name in enumerate(segments):
        segment = Segment.objects.get_or_create(name=name, defaults={"definition": {}})[0]
        track = Track.objects.create(campaign=campaign, segment=segment, position=position)
        for label in labels:
            Variant.objects.create(track=track, label=label, subject=f"Subject {label}")
    return campaign


def variant(campaign: Campaign, label: str, position: int = 0) -> Variant:
    return Variant.objects.get(track__campaign=campaign, track__position=position, label=label)


def deliver(
    v: Variant,
    n: int,
    opened: int = 0,
    clicked: int = 0,
    converted: int = 0,
    revenue: str = "0",
    status: str = "sent",
    customers: list[Customer] | None = None,
) -> None:
    """n rows; the first `opened` opened, the first `clicked` clicked, the first `converted`
    converted with `revenue` each."""
    made = []
    for i in range(n):
        made.append(
            Delivery(
                campaign=v.track.campaign,
                track=v.track,
                variant=v if status != "holdout" else None,
                customer=customers[i] if customers else None,
                status=status,
                sent_at=LAUNCHED if status == "sent" else None,
                opened_at=LAUNCHED if i < opened else None,
                clicked_at=LAUNCHED if i < clicked else None,
                converted_at=LAUNCHED + timedelta(days=i % 2) if i < converted else None,
                revenue=Decimal(revenue) if i < converted else Decimal(0),
                unsubscribed_at=None,
            )
        )
    Delivery.objects.bulk_create(made, batch_size=2000)


def report(campaign: Campaign) -> verdicts.Report:
    return verdicts.build(campaign, results.collect(campaign))


def test_the_funnel_counts_each_track_and_variant():
    campaign = make("A", "B", segments=("Loyal", "New"))
    deliver(variant(campaign, "A"), 200, opened=50, clicked=20, converted=10, revenue="30")
    deliver(variant(campaign, "A"), 5, status="failed")
    deliver(variant(campaign, "B"), 100, opened=40, clicked=5)
    deliver(variant(campaign, "A", 1), 10, opened=1)

    got = report(campaign)

    loyal, new = got.tracks
    a, b = loyal.variants
    assert (loyal.segment, new.segment) == ("Loyal", "New")
    assert (a.counts["frozen"], a.sent, a.counts["failed"]) == (205, 200, 5)
    assert (a.counts["opened"], a.counts["clicked"], a.counts["converted"]) == (50, 20, 10)
    assert a.rates["open"].percent == pytest.approx(25.0)
    assert a.rates["conversion"].percent == pytest.approx(5.0)
    assert a.revenue == pytest.approx(300.0)
    assert a.revenue_per_recipient.estimate == pytest.approx(1.5)
    assert b.rates["open"].percent == pytest.approx(40.0)
    assert new.variants[0].sent == 10 and new.variants[1].sent == 0
    assert got.total.sent == 310
    assert got.revenue == pytest.approx(300.0)


def test_rates_carry_the_wilson_interval():
    campaign = make("A")
    deliver(variant(campaign, "A"), 100, clicked=10)

    click = report(campaign).tracks[0].variants[0].rates["click"]

    # Wilson 95% for 10/100, worked out: centre 0.1147, half-width 0.0588.
    assert (round(click.low, 1), round(click.high, 1)) == (5.5, 17.4)


def test_a_clear_conversion_winner_is_stated_with_its_interval(settings):
    campaign = make("A", "B")
    deliver(variant(campaign, "A"), 1000, converted=50)
    deliver(variant(campaign, "B"), 1000, converted=90)

    verdict = report(campaign).tracks[0].verdicts["conversion"][0]

    # p = 0.05 vs 0.09; unpooled SE 0.011375: 4.0 points, 95% CI [1.8, 6.2].
    assert verdict.kind == "better"
    assert verdict.text == "B converts better than A: +4.0 points, 95% CI [1.8, 6.2]."


def test_no_difference_says_how_many_more_recipients_are_needed():
    campaign = make("A", "B")
    deliver(variant(campaign, "A"), 1000, converted=50)
    deliver(variant(campaign, "B"), 1000, converted=52)

    verdict = report(campaign).tracks[0].verdicts["conversion"][0]

    needed = sample_size_per_variant(0.05, 0.01) - 1000
    assert verdict.kind == "none"
    assert verdict.text.startswith("No significant difference yet between B and A (+0.2 points")
    assert f"about {needed:,} more recipients per variant needed to detect a 1-point lift" in (
        verdict.text
    )


def test_too_few_recipients_are_not_judged():
    campaign = make("A", "B")
    deliver(variant(campaign, "A"), 30, converted=1)
    deliver(variant(campaign, "B"), 30, converted=12)

    verdict = report(campaign).tracks[0].verdicts["conversion"][0]

    assert verdict.kind == "too_few"
    assert verdict.text.startswith("Too few recipients yet to compare B with A")


def test_three_variants_are_holm_corrected_and_say_so():
    campaign = make("A", "B", "C")
    # B alone: p about 0.03, significant; against two comparisons Holm needs p < 0.025.
    deliver(variant(campaign, "A"), 2000, converted=100)
    deliver(variant(campaign, "B"), 2000, converted=130)
    deliver(variant(campaign, "C"), 2000, converted=101)

    track = report(campaign).tracks[0]

    b, c = track.verdicts["conversion"]
    assert 0.025 < b.comparison.p_value < 0.05
    assert b.kind == "none" and c.kind == "none"
    assert "corrected for multiple testing (Holm)" in track.correction


def test_revenue_per_recipient_is_compared_with_welch():
    campaign = make("A", "B")
    deliver(variant(campaign, "A"), 1000, converted=50, revenue="40")
    deliver(variant(campaign, "B"), 1000, converted=100, revenue="40")

    verdict = report(campaign).tracks[0].verdicts["revenue"][0]

    assert verdict.kind == "better"
    assert verdict.text.startswith("B earns more per recipient than A: +2.00 per recipient")


def test_no_revenue_yet_is_said_plainly():
    campaign = make("A", "B")
    deliver(variant(campaign, "A"), 500, clicked=20)
    deliver(variant(campaign, "B"), 500, clicked=30)

    verdict = report(campaign).tracks[0].verdicts["revenue"][0]

    assert verdict.text == "No revenue from A or B yet: nothing to compare."


def test_sms_has_no_open_verdicts():
    campaign = make("A", "B")
    Campaign.objects.filter(pk=campaign.pk).update(channel="sms")
    campaign.refresh_from_db()

    assert "open" not in report(campaign).metrics


def test_roi_shares_the_cost_by_messages_sent():
    campaign = make("A", cost="100", segments=("Loyal", "New"))
    deliver(variant(campaign, "A"), 300, converted=10, revenue="25")  # 250 of revenue
    deliver(variant(campaign, "A", 1), 100)

    got = report(campaign)

    assert got.roi == pytest.approx((250 - 100) / 100)
    loyal, new = got.tracks
    assert loyal.cost == pytest.approx(75.0) and new.cost == pytest.approx(25.0)
    assert loyal.roi == pytest.approx((250 - 75) / 75)
    assert new.roi == pytest.approx(-1.0)


def test_without_a_cost_there_is_no_roi():
    campaign = make("A")
    deliver(variant(campaign, "A"), 10, converted=1, revenue="5")

    assert report(campaign).roi is None


def test_holdout_lift_compares_orders_in_the_window(settings):
    settings.SEGMENTA_AB_MIN_PER_VARIANT = 10
    campaign = make("A", holdout=10)
    people = Customer.objects.bulk_create(Customer(email=f"c{i}@example.com") for i in range(400))
    sent, held = people[:200], people[200:400]
    deliver(variant(campaign, "A"), 200, customers=sent)
    deliver(variant(campaign, "A"), 200, status="holdout", customers=held)
    inside = LAUNCHED + timedelta(days=1)
    outside = LAUNCHED + timedelta(days=8)  # the window is 7 days
    orders = [Order(customer=c, placed_at=inside, total=Decimal("10")) for c in sent[:40]]
    orders += [Order(customer=c, placed_at=inside, total=Decimal("10")) for c in held[:10]]
    orders += [Order(customer=c, placed_at=outside, total=Decimal("10")) for c in held[10:60]]
    Order.objects.bulk_create(orders)

    lift = report(campaign).tracks[0].lift

    assert (lift.sent.successes, lift.sent.n) == (40, 200)
    assert (lift.holdout.successes, lift.holdout.n) == (10, 200)
    assert lift.conversion.difference == pytest.approx(0.15)
    assert lift.relative == pytest.approx(300.0)
    assert lift.sent_revenue.estimate == pytest.approx(2.0)
    assert lift.holdout_revenue.estimate == pytest.approx(0.5)
    assert lift.text.startswith("The campaign raised the conversion rate: +15.0 points")


def test_conversions_over_time_are_grouped_by_day():
    campaign = make("A")
    deliver(variant(campaign, "A"), 10, converted=5, revenue="2")

    timeline = report(campaign).timeline

    days = {row["day"]: row["conversions"] for row in timeline}
    assert sorted(days.values()) == [2, 3]  # alternate days, see deliver()
    assert sum(row["revenue"] for row in timeline) == pytest.approx(10.0)


def test_other_apps_add_counts(monkeypatch):
    campaign = make("A")
    deliver(variant(campaign, "A"), 4)
    a = variant(campaign, "A")
    monkeypatch.setitem(
        results._count_providers,
        "survey_responses",
        ("Survey responses", lambda c: {(a.track_id, a.pk): 3}),
    )

    got = report(campaign)

    assert got.tracks[0].variants[0].extra == {"survey_responses": 3}
    assert got.extra_labels["survey_responses"] == "Survey responses"


# --- the snapshot ---


def test_a_small_campaign_without_a_snapshot_is_computed_at_once():
    campaign = make("A")
    deliver(variant(campaign, "A"), 3)

    result = current(campaign)

    assert result.data["tracks"][0]["variants"][0]["sent"] == 3
    assert CampaignResult.objects.filter(campaign=campaign).count() == 1


def test_a_large_campaign_is_computed_in_the_background(settings, run_on_commit):
    settings.SEGMENTA_RESULTS_INLINE_LIMIT = 2
    campaign = make("A")
    deliver(variant(campaign, "A"), 3)

    with run_on_commit():
        assert current(campaign) is None

    assert (
        CampaignResult.objects.get(campaign=campaign).data["tracks"][0]["variants"][0]["sent"] == 3
    )


def test_a_stale_snapshot_of_a_changing_campaign_is_refreshed(run_on_commit):
    campaign = make("A")
    deliver(variant(campaign, "A"), 3)
    old = results.refresh(campaign, now=NOW - timedelta(hours=1))
    Delivery.objects.filter(campaign=campaign).update(clicked_at=NOW)

    with run_on_commit():
        shown = current(campaign)

    assert shown.computed_at == old.computed_at  # the page shows what it has...
    fresh = CampaignResult.objects.get(campaign=campaign)
    assert fresh.computed_at > old.computed_at  # ...and the next view the refreshed one
    assert fresh.data["tracks"][0]["variants"][0]["clicked"] == 3


def test_a_settled_campaign_keeps_its_snapshot(run_on_commit):
    campaign = make("A")
    Campaign.objects.filter(pk=campaign.pk).update(
        launched_at=NOW - timedelta(days=30), finished_at=NOW - timedelta(days=30)
    )
    campaign.refresh_from_db()
    deliver(variant(campaign, "A"), 3)
    old = results.refresh(campaign, now=NOW - timedelta(days=20))

    with run_on_commit():
        current(campaign)

    assert CampaignResult.objects.get(campaign=campaign).computed_at == old.computed_at


def test_after_a_refresh_another_can_be_asked_for(run_on_commit):
    campaign = make("A")

    with run_on_commit():
        assert request_refresh(campaign)
        assert not request_refresh(campaign)  # one queued at a time

    assert request_refresh(campaign)  # that one ran


def test_the_beat_refreshes_only_changing_campaigns(run_on_commit):
    changing = make("A")
    settled = make("A")
    Campaign.objects.filter(pk=settled.pk).update(
        launched_at=NOW - timedelta(days=30), finished_at=NOW - timedelta(days=30)
    )

    with run_on_commit():
        assert refresh_changing_results() == 1

    assert list(CampaignResult.objects.values_list("campaign", flat=True)) == [changing.pk]
