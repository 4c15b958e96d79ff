"""Builders for the message, tracking and attribution tests: a campaign with one variant."""

from datetime import datetime

from django.utils import timezone

from campaigns.models import Campaign, Delivery, DeliveryStatus, Track, Variant
from segmentation.consent import ledger
from segmentation.consent.ledger import Context
from segmentation.consent.models import ConsentAction, ConsentSource, Topic
from segmentation.customers.models import Channel, Customer
from segmentation.segments.models import Segment

IMPORT = Context(source=ConsentSource.IMPORT)


def customer(email: str = "ada@example.com", **fields) -> Customer:
    person = Customer.objects.create(email=email, **fields)
    ledger.record(person, Channel.EMAIL, ConsentAction.GRANTED, IMPORT)
    return person


def campaign(name: str = "Spring", topic: Topic | None = None, **fields) -> Campaign:
    return Campaign.objects.create(name=name, topic=topic, **fields)


def variant(on: Campaign, label: str = "A", **content) -> Variant:
    segment, _ = Segment.objects.get_or_create(name=f"All ({on.pk})", defaults={"definition": {}})
    track, _ = Track.objects.get_or_create(campaign=on, segment=segment)
    defaults = {"subject": "Hello", "text_body": "Hi", "html_body": "<p>Hi</p>"}
    return Variant.objects.create(track=track, label=label, **{**defaults, **content})


def delivery(
    of: Variant, to: Customer, sent_at: datetime | None = None, status: str = DeliveryStatus.SENT
) -> Delivery:
    return Delivery.objects.create(
        campaign=of.track.campaign,
        track=of.track,
        variant=of,
        customer=to,
        status=status,
        sent_at=sent_at or timezone.now(),
    )
