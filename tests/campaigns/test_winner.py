"""Test-then-winner: the test share is sent first, the rest waits; after the wait the winner
(or the fallback) goes to the rest of each track, once. Real SMTP on loopback for the sends."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from campaigns import audience, winner
from campaigns.models import (
    AbMode,
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryStatus,
    Track,
    WinnerDecision,
)
from campaigns.sending import claims, lifecycle
from campaigns.sending.batch import run_batch
from segmentation.customers.models import Order
from tests.campaigns.sending_builders import LEAN_EMAIL, campaign, recipients

pytestmark = pytest.mark.django_db
WAITING, QUEUED, SENT = DeliveryStatus.WAITING, DeliveryStatus.QUEUED, DeliveryStatus.SENT


@pytest.fixture
def few_needed(settings):
    settings.SEGMENTA_AB_MIN_PER_VARIANT = 20


def ab_campaign(n: int = 1000, **fields) -> Campaign:
    recipients(n)
    fields = {"ab_mode": AbMode.WINNER, "test_percent": 20, "winner_wait_hours": 4, **fields}
    return campaign(weights=(50, 50), content=LEAN_EMAIL, **fields)


def rows(of: Campaign, **filters):
    return Delivery.objects.filter(campaign=of, **filters)


def launched(of: Campaign) -> Campaign:
    lifecycle.launch(of)  # the batch tasks are not executed here
    return of


def send_test(of: Campaign, clicks: dict[str, float], at=None) -> None:
    """Mark the test share sent, each variant's first `share` of recipients as clickers."""
    at = at or timezone.now() - timedelta(hours=5)
    for label, share in clicks.items():
        tested = list(rows(of, status=QUEUED, variant__label=label).order_by("id"))
        clickers = {d.pk for d in tested[: round(share * len(tested))]}
        rows(of, pk__in=[d.pk for d in tested]).update(status=SENT, sent_at=at)
        rows(of, pk__in=clickers).update(clicked_at=at, clicks=1)


def decided(of: Campaign) -> WinnerDecision:
    return WinnerDecision.objects.get(track__campaign=of)


def variants_of_waiting(of: Campaign) -> dict[int, str]:
    return dict(rows(of, status=WAITING).values_list("pk", "variant__label"))


# --- freezing ---


def test_freezing_sends_the_test_share_and_keeps_the_rest_waiting():
    draft = launched(ab_campaign(1000))

    frozen = rows(draft).values_list("customer_id", "status")
    for customer_id, status in frozen:
        in_test = audience.test_bucket(audience.mix(draft.pk, customer_id)) < 20
        assert status == (QUEUED if in_test else WAITING)
    queued = rows(draft, status=QUEUED).count()
    assert 150 <= queued <= 250  # 20% of 1,000
    assert rows(draft, status=WAITING, variant=None).count() == 0  # the split's variant, kept
    assert not rows(draft).exclude(status__in=[QUEUED, WAITING]).exists()


def test_a_track_with_one_variant_sends_everyone_at_once():
    recipients(50)
    single = campaign(content=LEAN_EMAIL, ab_mode=AbMode.WINNER)

    audience.freeze(single)

    assert rows(single, status=QUEUED).count() == 50


def test_winner_mode_needs_two_variants_somewhere():
    recipients(5)
    single = campaign(content=LEAN_EMAIL, ab_mode=AbMode.WINNER)

    with pytest.raises(lifecycle.LaunchError) as refused:
        lifecycle.launch(single)

    assert "at least two variants" in str(refused.value.args)


def test_the_review_counts_the_waiting_rest():
    draft = ab_campaign(1000)

    plan = audience.plan(draft)

    track = plan.tracks[0]
    assert track.waiting + sum(track.variants.values()) == 1000
    assert 750 <= track.waiting <= 850


# --- when it is due ---


def test_nothing_is_decided_while_the_test_is_being_sent_or_before_the_wait(few_needed):
    draft = launched(ab_campaign())
    track = draft.tracks.get()

    assert winner.due_at(track) is None
    assert winner.decide_due() == []

    sent_at = timezone.now() - timedelta(hours=1)
    send_test(draft, {"A": 0.1, "B": 0.4}, at=sent_at)

    assert winner.due_at(track) == sent_at + timedelta(hours=4)
    assert winner.decide_due() == []  # one hour of four
    assert len(winner.decide_due(now=sent_at + timedelta(hours=4))) == 1


def test_a_waiting_campaign_is_not_finished():
    draft = launched(ab_campaign(200))
    send_test(draft, {"A": 0.1, "B": 0.1})

    assert not claims.finish_if_done(draft.pk)
    draft.refresh_from_db()
    assert draft.status == CampaignStatus.SENDING


# --- the decisions ---


def test_a_clear_winner_goes_to_the_rest(few_needed):
    draft = launched(ab_campaign())
    send_test(draft, {"A": 0.1, "B": 0.5})
    waiting = rows(draft, status=WAITING).count()

    assert len(winner.decide_due()) == 1

    decision = decided(draft)
    assert decision.winner.label == "B"
    assert decision.significant
    assert decision.released == waiting
    assert "B leads on click rate" in decision.summary
    assert "The rest get B." in decision.summary
    assert decision.figures["comparisons"]["A"]["significant"] is True
    assert not rows(draft, status=WAITING).exists()
    rest = rows(draft, status=QUEUED)
    assert rest.count() == waiting
    assert set(rest.values_list("variant__label", flat=True)) == {"B"}
    # The test recipients keep their own variants.
    assert set(rows(draft, status=SENT).values_list("variant__label", flat=True)) == {"A", "B"}


def test_too_few_recipients_fall_back_to_the_leader():
    draft = launched(ab_campaign(300))  # about 30 per variant in the test; 100 needed
    send_test(draft, {"A": 0.1, "B": 0.6})

    winner.decide_due()

    decision = decided(draft)
    assert not decision.significant
    assert decision.winner.label == "B"
    assert "Too few recipients" in decision.summary
    assert "the rest get the leader, B" in decision.summary
    assert set(rows(draft, status=QUEUED).values_list("variant__label", flat=True)) == {"B"}


def test_a_tie_with_the_split_fallback_keeps_each_variant(few_needed):
    draft = launched(ab_campaign(winner_fallback="split"))
    send_test(draft, {"A": 0.2, "B": 0.2})
    before = variants_of_waiting(draft)

    winner.decide_due()

    decision = decided(draft)
    assert decision.winner is None
    assert not decision.significant
    assert "not significantly ahead" in decision.summary
    assert "keep the split" in decision.summary
    after = dict(rows(draft, pk__in=before).values_list("pk", "variant__label"))
    assert after == before
    assert set(before.values()) == {"A", "B"}
    assert not rows(draft, status=WAITING).exists()


def test_revenue_decides_from_attributed_orders(few_needed):
    draft = launched(ab_campaign(winner_metric="revenue"))
    sent_at = timezone.now() - timedelta(hours=5)
    Campaign.objects.filter(pk=draft.pk).update(launched_at=sent_at)
    send_test(draft, {"A": 0.0, "B": 0.0}, at=sent_at)
    for label, share, total in (("A", 0.1, "20.00"), ("B", 0.4, "60.00")):
        tested = list(rows(draft, status=SENT, variant__label=label).order_by("id"))
        buyers = tested[: round(share * len(tested))]
        Order.objects.bulk_create(
            Order(customer_id=d.customer_id, placed_at=sent_at + timedelta(hours=1),
                  total=Decimal(total))
            for d in buyers
        )  # fmt: skip

    winner.decide_due()

    decision = decided(draft)
    assert decision.metric == "revenue"
    assert decision.winner.label == "B"
    assert decision.significant
    b = decision.figures["variants"]["B"]
    assert b["estimate"] == pytest.approx(0.4 * 60, rel=0.1)  # revenue per recipient


def test_the_rest_is_released_exactly_once(few_needed):
    draft = launched(ab_campaign())
    send_test(draft, {"A": 0.1, "B": 0.5})
    track = draft.tracks.get()

    first = winner.decide(track)
    again = winner.decide(Track.objects.get(pk=track.pk))

    assert first is not None and again is None
    assert WinnerDecision.objects.count() == 1
    assert winner.decide_due() == []


def test_the_rest_is_sent_once_over_smtp_and_the_campaign_finishes(smtp, few_needed):
    draft = launched(ab_campaign(300))
    while run_batch(draft.pk).claimed:  # the test share, for real
        pass
    test_sent = rows(draft, status=SENT).count()
    rows(draft, status=SENT, variant__label="B").update(clicked_at=timezone.now())
    rows(draft, status=SENT).update(sent_at=timezone.now() - timedelta(hours=5))
    assert smtp.total == test_sent

    winner.decide_due()
    while run_batch(draft.pk).claimed:
        pass

    draft.refresh_from_db()
    assert draft.status == CampaignStatus.SENT
    assert rows(draft, status=SENT).count() == 300
    assert smtp.total == 300
    assert len(smtp.counts) == 300 and not smtp.duplicates()
    per_variant = dict(rows(draft).values_list("variant__label").annotate(n=Count("id")).order_by())
    assert per_variant["B"] == 300 - rows(draft, variant__label="A").count()
    assert decided(draft).winner.label == "B"


def test_cancelling_cancels_the_waiting_rest():
    draft = launched(ab_campaign(200))

    lifecycle.cancel(draft)

    assert not rows(draft, status=WAITING).exists()
    assert rows(draft, status=DeliveryStatus.CANCELLED).count() == 200


def test_a_paused_campaign_waits_with_its_decision(few_needed):
    draft = launched(ab_campaign())
    send_test(draft, {"A": 0.1, "B": 0.5})
    lifecycle.pause(draft)

    assert winner.decide_due() == []

    lifecycle.resume(draft)
    assert len(winner.decide_due()) == 1


def test_sms_cannot_pick_on_opens():
    from campaigns.forms import CampaignForm

    form = CampaignForm(
        data={
            "name": "Texts", "channel": "sms", "send": "now", "schedule_timezone": "UTC",
            "holdout_percent": 0, "conversion_window_days": 7, "cost": "0",
            "ab_mode": "winner", "test_percent": 20, "winner_metric": "open",
            "winner_wait_hours": 4, "winner_fallback": "leader",
        }
    )  # fmt: skip

    assert not form.is_valid()
    assert "no opens" in form.errors["winner_metric"][0]


# --- what the marketer sees ---


def test_the_review_and_progress_pages_show_the_test_and_the_decision(marketer_client, few_needed):
    draft = ab_campaign()

    review = marketer_client.get(reverse("campaign_review", args=[draft.pk])).content.decode()
    assert "Test on 20% of each track, then the winner on click rate after 4 hours" in review
    assert 'data-variant="rest"' in review

    launched(draft)
    send_test(draft, {"A": 0.1, "B": 0.5})
    waiting = rows(draft, status=WAITING).count()
    page = marketer_client.get(reverse("campaign_detail", args=[draft.pk])).content.decode()
    assert "Waiting for the winner" in page
    assert "the winner is picked at" in page

    winner.decide_due()
    page = marketer_client.get(reverse("campaign_detail", args=[draft.pk])).content.decode()
    assert "B leads on click rate" in page
    assert f"{waiting} recipients released" in page
