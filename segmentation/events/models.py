"""What the shop reports through the events API: keys, events and carts."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from segmentation.customers.models import Customer


class ApiKey(models.Model):
    """One per integration (a shop). Only a hash of the key is stored; it is shown once."""

    name = models.CharField(max_length=100, unique=True)
    prefix = models.CharField(max_length=12, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API key"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}...)"


class EventKind(models.TextChoices):
    CART_UPDATE = "cart_update", "Cart update"
    PAGE_VIEW = "page_view", "Page view"
    ORDER = "order", "Order"
    # Written by campaign tracking, not accepted from the API.
    MESSAGE_OPEN = "message_open", "Message opened"
    MESSAGE_CLICK = "message_click", "Message link clicked"


class Event(models.Model):
    integration = models.ForeignKey(
        ApiKey, on_delete=models.SET_NULL, null=True, blank=True, db_index=False
    )
    # The sender's id; the same (integration, event_id) is stored once (idempotent retries).
    event_id = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now, editable=False)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["integration", "event_id"], name="event_once")
        ]
        indexes = [
            models.Index(fields=["customer", "kind", "occurred_at"], name="event_customer_idx"),
            models.Index(fields=["kind", "occurred_at"], name="event_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.event_id}"


class CartStatus(models.TextChoices):
    OPEN = "open", "Open"
    ORDERED = "ordered", "Ordered"


class Cart(models.Model):
    """The shop's cart as last reported ("open cart older than H hours" reads updated_at)."""

    integration = models.ForeignKey(
        ApiKey, on_delete=models.SET_NULL, null=True, blank=True, db_index=False
    )
    cart_id = models.CharField(max_length=100)
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="carts", db_index=False
    )
    status = models.CharField(max_length=10, choices=CartStatus.choices, default=CartStatus.OPEN)
    value = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    items = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["integration", "cart_id"], name="cart_once")]
        indexes = [
            models.Index(fields=["status", "updated_at"], name="cart_status_idx"),
            models.Index(fields=["customer", "status"], name="cart_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"Cart {self.cart_id}"
