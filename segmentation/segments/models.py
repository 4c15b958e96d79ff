"""Saved segments, and the narrow per-customer table their preview reads."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.urls import reverse
from django.utils import timezone

from segmentation.customers.models import Customer


def _nullable_moment() -> models.DateTimeField:
    return models.DateTimeField(null=True)


class CustomerFacts(models.Model):
    """Everything a segment filters on, one narrow row per customer (PostgreSQL only).

    The segment preview scans this instead of the customers' table: a third of the bytes,
    the interests, the oldest open cart and the order history in the row (no joins), and the
    reachability as two booleans. The fields a rule filters on carry the customer's own
    field names, so the catalogue's conditions compile against either model.

    Derived, never written by the application: triggers on the customers, their interests,
    carts and order history write each row again in the statement that changed it
    (segments.facts_source); segments.facts checks, repairs and compacts it.
    """

    # No constraint in the database (its check cost 5 s per 1M inserts): the customers'
    # delete trigger removes the row.
    customer = models.OneToOneField(
        Customer,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    order_count = models.IntegerField()
    # total_spent as a float: the preview's sums of spend and its squares, where numeric
    # arithmetic would cost a fifth of the pass. Rules compare total_spent (exact).
    spent = models.FloatField()
    created_at = models.DateTimeField()
    # Consent granted and an address to send to (catalogue.reachable_q on Customer).
    reachable_email = models.BooleanField()
    reachable_sms = models.BooleanField()
    birth_date = models.DateField(null=True)
    income = models.IntegerField(null=True)
    first_order_at = _nullable_moment()
    last_order_at = _nullable_moment()
    # When the oldest of the customer's open carts was last updated (None: no open cart).
    open_cart_since = _nullable_moment()
    frequency_days = models.SmallIntegerField(null=True)
    rfm_recency = models.SmallIntegerField(null=True)
    rfm_frequency = models.SmallIntegerField(null=True)
    rfm_monetary = models.SmallIntegerField(null=True)
    country = models.CharField(max_length=2)
    gender = models.CharField(max_length=16)
    education = models.CharField(max_length=16)
    device_type = models.CharField(max_length=16)
    os = models.CharField(max_length=16)
    rfm_tier = models.CharField(max_length=16)
    total_spent = models.DecimalField(max_digits=14, decimal_places=2)
    avg_order_value = models.DecimalField(max_digits=12, decimal_places=2)
    interest_ids = ArrayField(models.BigIntegerField())
    # Bit i set for the customer's interest with id i, for ids below INTEREST_BITS: "any of
    # these interests" is then one AND, where the array costs a search per row (0016).
    interest_bits = models.BigIntegerField()
    occupation = models.CharField(max_length=100)
    region = models.CharField(max_length=100)
    city = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=20)
    attributes = models.JSONField()
    # OrderHistory's arrays ({} and {0} without orders).
    placed = ArrayField(models.DateTimeField())
    running = ArrayField(models.DecimalField(max_digits=30, decimal_places=2))

    INTEREST_BITS = 63  # a bigint's bits short of its sign

    class Meta:
        verbose_name_plural = "customer facts"

    def __str__(self) -> str:
        return f"Facts of customer {self.customer_id}"


class Segment(models.Model):
    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=300, blank=True)
    # The rule tree, see segmentation.segments.tree for its shape.
    definition = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # Cached figures of the last count (periodic task, or "Recount" on the list).
    size = models.PositiveIntegerField(null=True, blank=True, editable=False)
    reachable_email = models.PositiveIntegerField(null=True, blank=True, editable=False)
    reachable_sms = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # Lifetime value of the members (mean total spent, in the shop's money) for the dashboard.
    average_spent = models.FloatField(null=True, blank=True, editable=False)
    average_orders = models.FloatField(null=True, blank=True, editable=False)
    counted_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("segment_edit", args=[self.pk])
