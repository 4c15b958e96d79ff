"""Consent for demo customers, written as the ledger would record an import: events first,
state from them, in one transaction, set-based (bulk inserts and one UPDATE per state)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from segmentation.consent.ledger import address_hash
from segmentation.consent.models import (
    ConsentAction,
    ConsentEvent,
    ConsentSource,
    ConsentWording,
    Topic,
    TopicConsent,
)
from segmentation.customers.models import Channel, ConsentStatus, Customer

DEMO_TOPICS = {
    "newsletter": ("Newsletter", "News and stories, about twice a month"),
    "promotions": ("Promotions", "Offers and sales"),
    "product-news": ("Product news", "New products and features"),
}
BATCH = 2000


def _plan(customer_id: int, has_phone: bool) -> dict:
    """Deterministic by id: most opted in by email, some withdrew, some also SMS."""
    bucket = customer_id % 10
    email = [ConsentAction.GRANTED] if bucket < 7 else []
    if bucket == 7:
        email = [ConsentAction.GRANTED, ConsentAction.WITHDRAWN]
    sms = [ConsentAction.GRANTED] if has_phone and bucket < 4 else []
    topics = [
        slug for i, slug in enumerate(DEMO_TOPICS) if bucket < 7 and customer_id % (i + 2) == 0
    ]
    return {Channel.EMAIL: email, Channel.SMS: sms, "topics": topics}


def grant_demo_consent() -> int:
    """Give demo customers without any consent history a plausible one. Returns events written."""
    topics = {
        slug: Topic.objects.get_or_create(slug=slug, defaults={"name": n, "description": d})[0]
        for slug, (n, d) in DEMO_TOPICS.items()
    }
    wording = ConsentWording.objects.order_by("-created_at").first()
    written = 0
    untouched = Customer.objects.filter(consent_events=None).exclude(email=None)
    ids = list(untouched.values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        with transaction.atomic():
            written += _write(ids[start : start + BATCH], topics, wording)
    return written


def _write(ids: list[int], topics: dict, wording) -> int:
    events, states, topic_states = [], {}, []
    now = timezone.now()
    for customer_id, email, phone in Customer.objects.filter(pk__in=ids).values_list(
        "pk", "email", "phone"
    ):
        plan = _plan(customer_id, bool(phone))
        for channel, address in ((Channel.EMAIL, email), (Channel.SMS, phone)):
            for step, action in enumerate(plan[channel]):
                events.append(_event(customer_id, channel, address, action, now, step, wording))
            if plan[channel]:
                status = ConsentStatus.GRANTED
                if plan[channel][-1] == ConsentAction.WITHDRAWN:
                    status = ConsentStatus.WITHDRAWN
                states.setdefault((channel, status), []).append(customer_id)
        for slug in plan["topics"]:
            event = _event(
                customer_id, Channel.EMAIL, email, ConsentAction.GRANTED, now, 0, wording
            )
            event.topic = topics[slug]
            events.append(event)
            topic_states.append(
                TopicConsent(
                    customer_id=customer_id, topic=topics[slug], channel=Channel.EMAIL,
                    status=ConsentStatus.GRANTED, changed_at=event.created_at,
                )
            )  # fmt: skip
    ConsentEvent.objects.bulk_create(events, batch_size=1000)
    TopicConsent.objects.bulk_create(topic_states, batch_size=1000)
    for (channel, status), customer_ids in states.items():
        Customer.objects.filter(pk__in=customer_ids).update(**{f"{channel}_consent": status})
    return len(events)


def _event(customer_id, channel, address, action, now, step, wording) -> ConsentEvent:
    # Granted about a year ago; a withdrawal a few weeks back.
    when = now - timedelta(days=365 - 330 * step, minutes=customer_id % 1440)
    return ConsentEvent(
        customer_id=customer_id,
        address_hash=address_hash(channel, address),
        channel=channel,
        action=action,
        source=ConsentSource.IMPORT
        if action == ConsentAction.GRANTED
        else ConsentSource.UNSUBSCRIBE_LINK,
        created_at=when,
        wording=wording if channel == Channel.EMAIL else None,
        evidence="demo data",
    )
