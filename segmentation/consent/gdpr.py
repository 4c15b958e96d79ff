"""'Download my data': everything held about one person, as plain JSON-ready values.

Apps that hold more about a person (campaigns, feedback) add a section with register(),
so this module never imports them.
"""

from collections.abc import Callable
from typing import Any

from django.forms.models import model_to_dict
from django.utils import timezone

from segmentation.customers.models import Customer

Section = Callable[[Customer], Any]
_SECTIONS: dict[str, Section] = {}

PROFILE_FIELDS = [
    "email", "phone", "external_id", "first_name", "last_name", "locale", "birth_date",
    "gender", "income", "education", "occupation", "country", "region", "city",
    "postal_code", "device_type", "os", "attributes", "order_count", "total_spent",
    "avg_order_value", "first_order_at", "last_order_at", "email_consent", "sms_consent",
    "frequency_days", "created_at", "updated_at",
]  # fmt: skip


def register(name: str, section: Section) -> None:
    _SECTIONS[name] = section


def _profile(customer: Customer) -> dict:
    data = {field: getattr(customer, field) for field in PROFILE_FIELDS}
    data["interests"] = [interest.name for interest in customer.interests.all()]
    return data


def _orders(customer: Customer) -> list[dict]:
    fields = ["external_id", "placed_at", "total", "currency", "items"]
    return [model_to_dict(order, fields=fields) for order in customer.orders.order_by("placed_at")]


def _consent_ledger(customer: Customer) -> list[dict]:
    return [
        {
            "when": event.created_at,
            "channel": event.channel,
            "topic": event.topic.slug if event.topic else None,
            "action": event.action,
            "source": event.source,
            "wording_version": event.wording.version if event.wording else None,
            "ip": event.ip,
            "user_agent": event.user_agent,
            "evidence": event.evidence,
        }
        for event in customer.consent_events.select_related("topic", "wording")
    ]


def _topics(customer: Customer) -> list[dict]:
    return [
        {"topic": state.topic.slug, "channel": state.channel, "status": state.status}
        for state in customer.topic_consents.select_related("topic")
    ]


def _events(customer: Customer) -> list[dict]:
    """What the shop reported about the person (page views, carts, orders) via the API."""
    return [
        {
            "type": event.kind,
            "occurred_at": event.occurred_at,
            "received_at": event.received_at,
            "source": event.integration.name if event.integration else None,
            "data": event.data,
        }
        for event in customer.events.select_related("integration").order_by("occurred_at", "pk")
    ]


def _carts(customer: Customer) -> list[dict]:
    fields = ["cart_id", "status", "value", "items", "updated_at"]
    return [model_to_dict(cart, fields=fields) for cart in customer.carts.order_by("updated_at")]


register("profile", _profile)
register("orders", _orders)
register("consent_ledger", _consent_ledger)
register("topic_subscriptions", _topics)
register("events", _events)
register("carts", _carts)


def export_customer(customer: Customer) -> dict:
    data: dict[str, Any] = {"exported_at": timezone.now()}
    data.update({name: section(customer) for name, section in _SECTIONS.items()})
    return data
