"""Freezing the audience: each skip reason, holdout share, variant split, dedupe across tracks,
idempotence and the same assignment on a re-run."""

import math
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns import audience
from campaigns.audience import holdout_bucket, mix, variant_bucket
from campaigns.models import Campaign, Delivery, DeliveryStatus, Track, Variant
from segmentation.consent.models import Topic, TopicConsent
from segmentation.customers.models import ConsentStatus, Customer
from segmentation.segments.models import Segment
from segmentation.segments.tree import empty

pytestmark = pytest.mark.django_db
GRANTED = ConsentStatus.GRANTED


def everyone() -> Segment:
    return Segment.objects.get_or_create(name="Everyone", defaults={"definition": empty()})[0]


def country_segment(*codes: str) -> Segment:
    condition = {"type": "condition", "field": "country", "op": "in", "value": list(codes)}
    definition = {"type": "group", "op": "and", "negate": False, "children": [condition]}
    return Segment.objects.create(name="In " + "+".join(codes), definition=definition)


def make_campaign(*segments: Segment, weights=(100,), **fields) -> Campaign:
    campaign = Campaign.objects.create(name=fields.pop("name", "Spring"), **fields)
    for position, segment in enumerate(segments or [everyone()]):
        track = Track.objects.create(campaign=campaign, position=position, segment=segment)
        for label, weight in zip("ABC", weights, strict=False):
            Variant.objects.create(track=track, label=label, weight=weight, subject="Hi")
    return campaign


def people(n: int, start: int = 0, **fields) -> list[Customer]:
    fields.setdefault("email_consent", GRANTED)
    return Customer.objects.bulk_create(
        Customer(email=f"p{start + i}@example.com", **fields) for i in range(n)
    )


def sent_before(customer: Customer, days: float) -> None:
    """A message of another campaign, sent `days` ago."""
    other = make_campaign(name=f"Earlier {Campaign.objects.count()}")
    track = other.tracks.get()
    Delivery.objects.create(
        campaign=other,
        track=track,
        variant=track.variants.get(),
        customer=customer,
        status=DeliveryStatus.SENT,
        sent_at=timezone.now() - timedelta(days=days),
    )


def frozen(campaign: Campaign) -> dict[int, tuple[str, str | None]]:
    rows = Delivery.objects.filter(campaign=campaign).values_list(
        "customer_id", "status", "variant__label"
    )
    return {customer: (status, label) for customer, status, label in rows}


def test_it_gives_each_consenting_customer_one_queued_delivery():
    first, second = people(2)
    campaign = make_campaign()

    result = audience.freeze(campaign)

    assert frozen(campaign) == {first.pk: ("queued", "A"), second.pk: ("queued", "A")}
    assert result.recipients == 2
    assert set(Delivery.objects.values_list("public_id", flat=True)).isdisjoint({None})


def test_it_skips_customers_without_consent_or_address():
    reachable = people(1)[0]
    people(1, start=1, email_consent=ConsentStatus.WITHDRAWN)
    people(1, start=2, email_consent=ConsentStatus.PENDING)
    Customer.objects.create(email=None, phone="+4915112345678", email_consent=GRANTED)
    campaign = make_campaign()

    result = audience.freeze(campaign)

    assert list(frozen(campaign)) == [reachable.pk]
    assert result.skipped["no_consent"] == 3
    campaign.refresh_from_db()
    assert campaign.skipped["no_consent"] == 3


def test_it_uses_the_sms_consent_and_phone_for_sms_campaigns():
    texted = Customer.objects.create(phone="+4915112345678", sms_consent=GRANTED)
    Customer.objects.create(email="mail@example.com", email_consent=GRANTED)
    Customer.objects.create(phone="+4915112345679", sms_consent=ConsentStatus.WITHDRAWN)
    campaign = make_campaign(channel="sms")

    result = audience.freeze(campaign)

    assert list(frozen(campaign)) == [texted.pk]
    assert result.skipped["no_consent"] == 2


def test_it_skips_customers_who_did_not_subscribe_to_the_topic():
    news = Topic.objects.create(slug="news", name="News")
    subscribed, unsubscribed, never = people(3)
    now = timezone.now()
    TopicConsent.objects.create(
        customer=subscribed, topic=news, channel="email", status=GRANTED, changed_at=now
    )
    TopicConsent.objects.create(
        customer=unsubscribed, topic=news, channel="email", status="withdrawn", changed_at=now
    )
    TopicConsent.objects.create(
        customer=never, topic=news, channel="sms", status=GRANTED, changed_at=now
    )
    campaign = make_campaign(topic=news)

    result = audience.freeze(campaign)

    assert list(frozen(campaign)) == [subscribed.pk]
    assert result.skipped["topic"] == 2


def test_it_keeps_to_the_preferred_frequency():
    weekly_recent, weekly_old, no_preference = people(3)
    Customer.objects.filter(pk__in=[weekly_recent.pk, weekly_old.pk]).update(frequency_days=7)
    sent_before(weekly_recent, days=3)
    sent_before(weekly_old, days=8)
    sent_before(no_preference, days=1)
    campaign = make_campaign(name="Now")

    result = audience.freeze(campaign)

    assert set(frozen(campaign)) == {weekly_old.pk, no_preference.pk}
    assert result.skipped["frequency_preference"] == 1


def test_it_applies_the_global_frequency_cap(settings):
    settings.SEGMENTA_FREQUENCY_CAP_MESSAGES = 2
    settings.SEGMENTA_FREQUENCY_CAP_DAYS = 7
    capped, once, long_ago = people(3)
    sent_before(capped, days=1)
    sent_before(capped, days=6)
    sent_before(once, days=2)
    sent_before(long_ago, days=9)
    sent_before(long_ago, days=10)
    campaign = make_campaign(name="Now")

    result = audience.freeze(campaign)

    assert set(frozen(campaign)) == {once.pk, long_ago.pk}
    assert result.skipped["frequency_cap"] == 1


def test_it_counts_only_sent_messages_towards_the_cap(settings):
    settings.SEGMENTA_FREQUENCY_CAP_MESSAGES = 1
    customer = people(1)[0]
    sent_before(customer, days=1)
    Delivery.objects.filter(customer=customer).update(status=DeliveryStatus.FAILED)

    campaign = make_campaign(name="Now")
    audience.freeze(campaign)

    assert list(frozen(campaign)) == [customer.pk]


def test_it_gives_a_customer_in_several_tracks_the_first_one():
    german, both, french = people(3)
    Customer.objects.filter(pk=german.pk).update(country="DE")
    Customer.objects.filter(pk=both.pk).update(country="FR", city="Paris")
    Customer.objects.filter(pk=french.pk).update(country="FR")
    campaign = make_campaign(country_segment("DE", "FR"), country_segment("FR"))
    first, second = campaign.tracks.order_by("position")

    result = audience.freeze(campaign)

    tracks = dict(Delivery.objects.values_list("customer_id", "track_id"))
    assert tracks == {german.pk: first.pk, both.pk: first.pk, french.pk: first.pk}
    assert result.tracks[1].skipped["already_in_earlier_track"] == 2
    assert result.tracks[1].eligible == 0


def test_a_later_track_still_gets_those_the_earlier_one_does_not_match():
    german, french = people(2)
    Customer.objects.filter(pk=german.pk).update(country="DE")
    Customer.objects.filter(pk=french.pk).update(country="FR")
    campaign = make_campaign(country_segment("DE"), everyone())
    first, second = campaign.tracks.order_by("position")

    audience.freeze(campaign)

    tracks = dict(Delivery.objects.values_list("customer_id", "track_id"))
    assert tracks == {german.pk: first.pk, french.pk: second.pk}


def test_it_holds_out_about_the_chosen_share():
    people(2000)
    campaign = make_campaign(holdout_percent=10)

    result = audience.freeze(campaign)

    held = Delivery.objects.filter(status=DeliveryStatus.HOLDOUT)
    assert result.holdout == held.count()
    assert abs(result.holdout - 200) < 4 * math.sqrt(2000 * 0.1 * 0.9)
    assert not held.exclude(variant=None).exists()
    assert result.recipients == 2000 - result.holdout


def test_it_splits_variants_by_weight():
    people(2000)
    campaign = make_campaign(weights=(70, 20, 10))

    result = audience.freeze(campaign)

    split = result.tracks[0].variants
    expected = {"A": 1400, "B": 400, "C": 200}
    for label, share in expected.items():
        p = share / 2000
        assert abs(split[label] - share) < 4 * math.sqrt(2000 * p * (1 - p)), split
    counted = Counter(Delivery.objects.values_list("variant__label", flat=True))
    assert dict(counted) == split


def test_the_sql_assigns_exactly_as_the_documented_hash():
    customers = people(300)
    campaign = make_campaign(weights=(50, 50), holdout_percent=20)

    audience.freeze(campaign)

    assignments = frozen(campaign)
    for customer in customers:
        h = mix(campaign.pk, customer.pk)
        if holdout_bucket(h) < 20:
            assert assignments[customer.pk] == ("holdout", None)
        else:
            label = "A" if variant_bucket(h) < 50 else "B"
            assert assignments[customer.pk] == ("queued", label)


def test_a_second_freeze_adds_nothing():
    people(50)
    campaign = make_campaign(holdout_percent=10)
    first = audience.freeze(campaign)
    people(5, start=50)

    second = audience.freeze(campaign)

    assert Delivery.objects.count() == 50
    assert second.eligible == first.eligible == 50
    assert second.holdout == first.holdout


def test_freezing_again_assigns_the_same():
    people(500)
    campaign = make_campaign(weights=(50, 30, 20), holdout_percent=15)
    audience.freeze(campaign)
    before = frozen(campaign)

    Delivery.objects.all().delete()
    audience.freeze(campaign)

    assert frozen(campaign) == before


def test_plan_counts_what_freeze_writes_and_writes_nothing(settings):
    settings.SEGMENTA_FREQUENCY_CAP_MESSAGES = 1
    people(300)
    people(20, start=300, email_consent=ConsentStatus.NONE)
    sent_before(Customer.objects.order_by("pk").first(), days=1)
    campaign = make_campaign(weights=(60, 40), holdout_percent=5, name="Now")
    before = Delivery.objects.count()

    planned = audience.plan(campaign)

    assert Delivery.objects.count() == before
    result = audience.freeze(campaign)
    assert planned.tracks[0].variants == result.tracks[0].variants
    assert planned.holdout == result.holdout
    assert planned.skipped == result.skipped
    assert planned.skipped["no_consent"] == 20
    assert planned.skipped["frequency_cap"] == 1


def test_campaigns_get_independent_holdouts():
    people(2000)
    one = make_campaign(holdout_percent=50, name="One")
    two = make_campaign(holdout_percent=50, name="Two")
    audience.freeze(one)
    audience.freeze(two)

    held_one = set(one.deliveries.filter(status="holdout").values_list("customer_id", flat=True))
    held_two = set(two.deliveries.filter(status="holdout").values_list("customer_id", flat=True))
    # Independent halves overlap in about a quarter of 2000.
    assert abs(len(held_one & held_two) - 500) < 4 * math.sqrt(2000 * 0.25 * 0.75)


@pytest.mark.parametrize("campaign_id", [1, 7, 123456])
def test_the_hash_spreads_sequential_ids_evenly(campaign_id):
    n = 100_000
    holdout = Counter(holdout_bucket(mix(campaign_id, i)) for i in range(1, n + 1))
    variant = Counter(variant_bucket(mix(campaign_id, i)) for i in range(1, n + 1))
    # Chi-square with 99 degrees of freedom: 99 on average, above 160 about once in 10,000.
    for counts in (holdout, variant):
        chi2 = sum((counts[b] - n / 100) ** 2 / (n / 100) for b in range(100))
        assert chi2 < 160, chi2


def test_the_holdout_and_variant_draws_are_independent():
    pairs = Counter(
        (holdout_bucket(h) < 10, variant_bucket(h) < 50)
        for h in (mix(3, i) for i in range(1, 50_001))
    )
    held = pairs[(True, True)] + pairs[(True, False)]
    assert abs(pairs[(True, True)] / held - 0.5) < 0.03


def test_the_database_computes_the_hash_of_big_ids_like_python():
    big = Customer.objects.create(id=2**40 + 12345, email="big@example.com", email_consent=GRANTED)
    campaign = make_campaign(holdout_percent=50, weights=(50, 50))

    audience.freeze(campaign)

    h = mix(campaign.pk, big.pk)
    expected = "holdout" if holdout_bucket(h) < 50 else "queued"
    assert frozen(campaign)[big.pk][0] == expected


def test_freeze_refuses_a_track_without_variants():
    people(1)
    campaign = Campaign.objects.create(name="Empty")
    Track.objects.create(campaign=campaign, position=0, segment=everyone())

    with pytest.raises(ValueError, match="no variant"):
        audience.freeze(campaign)
    assert not Delivery.objects.exists()
