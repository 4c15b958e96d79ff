"""The consent ledger as an auditor reads it: every event for a person or an address."""

from django.db.models import QuerySet

from segmentation.consent.ledger import address_hash
from segmentation.consent.models import ConsentEvent
from segmentation.customers.models import Channel, Customer
from segmentation.shared.spreadsheet import csv_text

HEADER = [
    "when", "channel", "topic", "action", "source", "actor", "ip", "user_agent",
    "wording_version", "wording_text", "evidence", "confirms_request_of", "address_hash",
]  # fmt: skip


def events_for_address(address: str) -> QuerySet[ConsentEvent]:
    """Also finds the entries of an erased person, by the keyed hash of their address."""
    hashes = [address_hash(channel, address) for channel in Channel.values]
    return ConsentEvent.objects.filter(address_hash__in=hashes)


def events_for_customers(customers: QuerySet[Customer]) -> QuerySet[ConsentEvent]:
    return ConsentEvent.objects.filter(customer__in=customers)


def rows(events: QuerySet[ConsentEvent]):
    events = events.select_related("topic", "wording", "request").order_by("created_at", "id")
    for e in events:
        yield [
            e.created_at.isoformat(), e.channel, e.topic.slug if e.topic else "", e.action,
            e.source, e.actor, e.ip or "", e.user_agent, e.wording.version if e.wording else "",
            e.wording.text if e.wording else "", e.evidence,
            e.request.created_at.isoformat() if e.request else "", e.address_hash,
        ]  # fmt: skip


def as_csv(events: QuerySet[ConsentEvent]) -> str:
    return csv_text(HEADER, rows(events))
