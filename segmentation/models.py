"""Django loads an app's models from here; each room keeps its own in its models module.

Code imports models from their room (segmentation.customers.models, ...), never from this
module: it imports every room, and a room that imported it would depend on all the others.
Migration 0006 names segmentation.models.import_storage, so that stays reachable here.
"""

from segmentation.consent.models import (
    ConsentEvent,
    ConsentWording,
    Suppression,
    Topic,
    TopicConsent,
)
from segmentation.customers.models import (
    AttributeDefinition,
    Customer,
    CustomerInterest,
    Interest,
    Order,
    OrderHistory,
    StatsSnapshot,
)
from segmentation.events.models import ApiKey, Cart, Event
from segmentation.imports.models import ImportJob, ImportMapping, import_storage
from segmentation.segments.models import CustomerFacts, Segment

__all__ = [
    "ApiKey",
    "AttributeDefinition",
    "Cart",
    "ConsentEvent",
    "ConsentWording",
    "Customer",
    "CustomerFacts",
    "CustomerInterest",
    "Event",
    "ImportJob",
    "ImportMapping",
    "Interest",
    "Order",
    "OrderHistory",
    "Segment",
    "StatsSnapshot",
    "Suppression",
    "Topic",
    "TopicConsent",
    "import_storage",
]
