"""Campaigns: an ordered list of tracks (a segment each, with its own content in A/B
variants), frozen into one delivery row per (campaign, customer) and sent from those rows."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from segmentation.consent.models import Topic
from segmentation.customers.models import Channel, Customer, Order
from segmentation.segments.models import Segment


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    SENDING = "sending", "Sending"
    PAUSED = "paused", "Paused"
    SENT = "sent", "Sent"
    CANCELLED = "cancelled", "Cancelled"


class AbMode(models.TextChoices):
    SPLIT = "split", "Split the whole audience between the variants"
    WINNER = "winner", "Test on a share, then send the winner to the rest"


class WinnerMetric(models.TextChoices):
    OPEN = "open", "Open rate"
    CLICK = "click", "Click rate"
    CONVERSION = "conversion", "Conversion rate"
    REVENUE = "revenue", "Revenue per recipient"


class WinnerFallback(models.TextChoices):
    LEADER = "leader", "Send the leading variant anyway"
    SPLIT = "split", "Keep the split for the rest"


class Campaign(models.Model):
    name = models.CharField(max_length=150)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    status = models.CharField(
        max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    # Sender identity: "Name <address>" for email, an alphanumeric sender id or number for SMS.
    sender_name = models.CharField(max_length=100, blank=True)
    sender_email = models.EmailField(blank=True)
    sms_sender = models.CharField("SMS sender", max_length=15, blank=True)
    topic = models.ForeignKey(
        Topic,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text="If set, only customers who subscribed to this topic receive the campaign.",
    )
    scheduled_at = models.DateTimeField(null=True, blank=True, help_text="Empty: send at launch.")
    schedule_timezone = models.CharField(max_length=50, default="UTC")
    holdout_percent = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(50)],
        help_text="A random control group that is not sent, to measure lift.",
    )
    conversion_window_days = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    cost = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="What the campaign cost, for its return on investment.",
    )
    # A/B: split everyone, or test on a share of each track and send the winner to the rest.
    ab_mode = models.CharField(
        "A/B mode", max_length=10, choices=AbMode.choices, default=AbMode.SPLIT
    )
    test_percent = models.PositiveSmallIntegerField(
        default=20,
        validators=[MinValueValidator(5), MaxValueValidator(50)],
        help_text="Share of each track that receives the test.",
    )
    winner_metric = models.CharField(
        max_length=10, choices=WinnerMetric.choices, default=WinnerMetric.CLICK
    )
    winner_wait_hours = models.PositiveSmallIntegerField(
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(336)],
        help_text="How long after the test is sent the winner is picked.",
    )
    winner_fallback = models.CharField(
        max_length=10,
        choices=WinnerFallback.choices,
        default=WinnerFallback.LEADER,
        help_text="What the rest receive when no variant is significantly better.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    launched_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Freezing counts each skipped customer once, by its first reason: {"no_consent": 12, ...}.
    skipped = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("campaign_detail", args=[self.pk])


class Track(models.Model):
    """One segment of the audience with its own content; earlier tracks win overlaps."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="tracks", db_index=False
    )
    position = models.PositiveSmallIntegerField(default=0)
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="tracks")

    class Meta:
        ordering = ["campaign", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "segment"], name="track_segment_once")
        ]

    def __str__(self) -> str:
        return f"{self.campaign} / {self.segment}"


class Variant(models.Model):
    track = models.ForeignKey(
        Track, on_delete=models.CASCADE, related_name="variants", db_index=False
    )
    label = models.CharField(max_length=2, default="A")  # A, B, C...
    weight = models.PositiveSmallIntegerField(
        default=100, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    subject = models.CharField(max_length=200, blank=True)
    text_body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    sms_text = models.TextField("SMS text", blank=True)

    class Meta:
        ordering = ["track", "label"]
        constraints = [
            models.UniqueConstraint(fields=["track", "label"], name="variant_label_once")
        ]

    def __str__(self) -> str:
        return f"{self.track} / {self.label}"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    CLAIMED = "claimed", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped at send time"  # consent gone since freezing, say
    HOLDOUT = "holdout", "Holdout (not sent)"
    WAITING = "waiting", "Waiting for the A/B winner"
    CANCELLED = "cancelled", "Cancelled"


class Delivery(models.Model):
    """The truth about one recipient of one campaign: unique, claimed before sending."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    # Erasure keeps the row (counts stay right) without the person.
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, related_name="deliveries", db_index=False
    )
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="deliveries")
    variant = models.ForeignKey(
        Variant, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=300, blank=True)
    # Tracking.
    opened_at = models.DateTimeField(null=True, blank=True)
    opens = models.PositiveIntegerField(default=0)
    clicked_at = models.DateTimeField(null=True, blank=True)
    clicks = models.PositiveIntegerField(default=0)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    converted_at = models.DateTimeField(null=True, blank=True)
    conversion_order = models.ForeignKey(
        Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revenue = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer"], name="delivery_once")
        ]
        indexes = [
            models.Index(fields=["campaign", "status", "id"], name="delivery_queue_idx"),
            models.Index(fields=["customer", "sent_at"], name="delivery_customer_idx"),
            models.Index(fields=["campaign", "track", "variant"], name="delivery_results_idx"),
            # Results read a campaign's converters (a few percent of its rows) twice.
            models.Index(
                fields=["campaign", "converted_at"],
                condition=models.Q(converted_at__isnull=False),
                name="delivery_converted_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} -> {self.customer_id}"


class OrderAttribution(models.Model):
    """An order credited to the delivery that last touched its customer before it (once)."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="attribution")
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attributions")
    attributed_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        # Each run recomputes the deliveries its new rows name.
        indexes = [models.Index(fields=["attributed_at"], name="attribution_time_idx")]

    def __str__(self) -> str:
        return f"{self.order_id} -> {self.delivery_id}"


class WinnerDecision(models.Model):
    """The test-then-winner choice for one track: made once, with the figures it rested on."""

    track = models.OneToOneField(Track, on_delete=models.CASCADE, related_name="decision")
    decided_at = models.DateTimeField(default=timezone.now)
    metric = models.CharField(max_length=10, choices=WinnerMetric.choices)
    # None: no winner, the rest keep the split.
    winner = models.ForeignKey(
        Variant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    significant = models.BooleanField(default=False)
    summary = models.CharField(max_length=500)
    figures = models.JSONField(default=dict)
    released = models.PositiveIntegerField(default=0)  # rows of the rest queued by it

    def __str__(self) -> str:
        return f"{self.track}: {self.summary}"


class CampaignResult(models.Model):
    """The newest computed results of a campaign: the page reads this, a task refreshes it."""

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="result")
    computed_at = models.DateTimeField()
    took_ms = models.PositiveIntegerField(default=0)
    data = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"{self.campaign} at {self.computed_at:%Y-%m-%d %H:%M}"
