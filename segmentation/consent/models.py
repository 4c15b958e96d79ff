"""The consent ledger: topics, wordings, append-only events and the states derived from them."""

from django.db import models
from django.utils import timezone

from segmentation.customers.models import Channel, ConsentStatus, Customer


class ConsentAction(models.TextChoices):
    REQUESTED = "requested", "Requested (double opt-in sent)"
    CONFIRMED = "confirmed", "Confirmed (double opt-in)"
    GRANTED = "granted", "Granted"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ConsentSource(models.TextChoices):
    IMPORT = "import", "Import"
    SIGNUP_FORM = "signup_form", "Signup form"
    UNSUBSCRIBE_LINK = "unsubscribe_link", "Unsubscribe link"
    PREFERENCE_CENTER = "preference_center", "Preference center"
    ADMIN = "admin", "Admin"
    API = "api", "API"


class Topic(models.Model):
    """A subscription topic within a channel (newsletter, promotions, product news...)."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True, help_text="Inactive topics are not offered.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ConsentWording(models.Model):
    """The text a person was shown when asked; immutable so that it stays proof."""

    version = models.CharField(max_length=50, unique=True)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        get_latest_by = "created_at"

    def __str__(self) -> str:
        return self.version


class ConsentEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Consent events are append-only: they cannot be updated.")

    def delete(self):
        raise TypeError("Consent events are append-only: they cannot be deleted.")


class ConsentEvent(models.Model):
    """One change of one person's consent, append-only. Current state is derived from these."""

    # SET_NULL on erasure: the entry stays, identified only by its keyed address hash.
    # Indexed by consent_customer_idx (customer first), as is the address hash (exact lookups
    # only: no LIKE copy) in Meta.
    customer = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consent_events",
        db_index=False,
    )
    address_hash = models.CharField(
        max_length=64, help_text="Keyed hash of the email or phone at the time."
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, null=True, blank=True)
    action = models.CharField(max_length=10, choices=ConsentAction.choices)
    source = models.CharField(max_length=20, choices=ConsentSource.choices)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.CharField(max_length=150, blank=True, help_text="Staff user, if any.")
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    wording = models.ForeignKey(ConsentWording, on_delete=models.PROTECT, null=True, blank=True)
    evidence = models.TextField(blank=True, help_text="Reason, import file and row, link used...")
    # A confirmation points at the request it confirms.
    request = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="confirmations"
    )

    objects = ConsentEventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["customer", "channel", "topic"], name="consent_customer_idx"),
            models.Index(fields=["address_hash"], name="consent_address_idx"),
        ]

    def __str__(self) -> str:
        topic = f"/{self.topic.slug}" if self.topic_id else ""
        return f"{self.channel}{topic} {self.action} via {self.source}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise TypeError("Consent events are append-only: they cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Consent events are append-only: they cannot be deleted.")


class TopicConsent(models.Model):
    """Current state of one customer's subscription to one topic, derived from the ledger."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="topic_consents", db_index=False
    )
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, db_index=False)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(max_length=10, choices=ConsentStatus.choices)
    changed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "topic", "channel"], name="topic_consent_unique"
            )
        ]
        indexes = [models.Index(fields=["topic", "channel", "status"], name="topic_consent_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.channel}/{self.topic_id}: {self.status}"


class Suppression(models.Model):
    """An erased person's address, kept only as a keyed hash, so nothing re-adds them."""

    address_hash = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    created_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.channel} {self.address_hash[:12]}..."
