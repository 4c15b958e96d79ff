"""Customers, their interests and orders, and the figures derived from them."""

import uuid
from datetime import timedelta
from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

E164 = RegexValidator(
    r"^\+[1-9]\d{6,14}$", "Enter the phone number in E.164 form, e.g. +4915112345678."
)
COUNTRY_CODE = RegexValidator(r"^[A-Z]{2}$", "Use the two-letter ISO 3166 country code, e.g. DE.")


class Gender(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    NONBINARY = "nonbinary", "Non-binary"


class Education(models.TextChoices):
    PRIMARY = "primary", "Primary"
    SECONDARY = "secondary", "Secondary"
    VOCATIONAL = "vocational", "Vocational"
    BACHELOR = "bachelor", "Bachelor"
    MASTER = "master", "Master"
    DOCTORATE = "doctorate", "Doctorate"


class DeviceType(models.TextChoices):
    DESKTOP = "desktop", "Desktop"
    MOBILE = "mobile", "Mobile"
    TABLET = "tablet", "Tablet"


class OperatingSystem(models.TextChoices):
    WINDOWS = "windows", "Windows"
    MACOS = "macos", "macOS"
    LINUX = "linux", "Linux"
    IOS = "ios", "iOS"
    ANDROID = "android", "Android"
    OTHER = "other", "Other"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"


class ConsentStatus(models.TextChoices):
    NONE = "none", "Not asked"
    PENDING = "pending", "Awaiting confirmation"
    GRANTED = "granted", "Granted"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Frequency(models.IntegerChoices):
    """A customer's preferred maximum: at most one message every N days."""

    DAILY = 1, "At most one message a day"
    WEEKLY = 7, "At most one message a week"
    MONTHLY = 30, "At most one message a month"


class RfmTier(models.TextChoices):
    CHAMPIONS = "champions", "Champions"
    LOYAL = "loyal", "Loyal"
    POTENTIAL = "potential", "Potential loyalists"
    NEW = "new", "New"
    AT_RISK = "at_risk", "At risk"
    CANT_LOSE = "cant_lose", "Can't lose them"
    HIBERNATING = "hibernating", "Hibernating"
    LOST = "lost", "Lost"


class Interest(models.Model):
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CustomerQuerySet(models.QuerySet):
    def search(self, query: str) -> "CustomerQuerySet":
        """Exact or prefix matches only, so that every branch can use an index at 1M rows."""
        query = query.strip()
        if not query:
            return self
        if "@" in query:
            return self.filter(email__startswith=query.lower())
        if query.startswith("+") or query.replace(" ", "").isdigit():
            return self.filter(phone__startswith=query.replace(" ", ""))
        needle = query.lower()
        return self.filter(
            Q(email__startswith=needle)
            | Q(last_name_lower__startswith=needle)
            | Q(first_name_lower__startswith=needle)
            | Q(external_id=query)
        )


class Customer(models.Model):
    # The customer's identity in public links (never the sequential id).
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Identity. Emails are stored lower-cased (see save()), which the check constraint enforces,
    # so the plain unique index is a case-insensitive one and exact lookups stay index scans.
    email = models.EmailField(max_length=254, unique=True, null=True, blank=True)
    # Unique by a constraint in Meta (unique=True would add a LIKE index no search uses);
    # NULL when absent, so that customers without one do not collide in it.
    external_id = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001
    # Searched by prefix: indexed in Meta, once, with the operator class LIKE 'x%' needs.
    phone = models.CharField(max_length=16, blank=True, validators=[E164])
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    # Lower-cased copies of the names for indexed prefix search on both databases.
    first_name_lower = models.CharField(max_length=100, blank=True, editable=False)
    last_name_lower = models.CharField(max_length=100, blank=True, editable=False)
    locale = models.CharField(max_length=10, blank=True, help_text="e.g. de-DE")

    # Demographics.
    birth_date = models.DateField(null=True, blank=True)
    gender = models.CharField(max_length=16, choices=Gender.choices, blank=True)
    income = models.PositiveIntegerField(null=True, blank=True, help_text="Yearly income")
    education = models.CharField(max_length=16, choices=Education.choices, blank=True)
    occupation = models.CharField(max_length=100, blank=True)

    # Geography.
    country = models.CharField(max_length=2, blank=True, validators=[COUNTRY_CODE])
    region = models.CharField(max_length=100, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)

    # Interests and technographics.
    interests = models.ManyToManyField(Interest, through="CustomerInterest", blank=True)
    device_type = models.CharField(max_length=16, choices=DeviceType.choices, blank=True)
    os = models.CharField("OS", max_length=16, choices=OperatingSystem.choices, blank=True)
    attributes = models.JSONField(default=dict, blank=True)

    # Behavioural metrics, derived from orders by segmentation.customers.metrics (set-based SQL).
    order_count = models.PositiveIntegerField(default=0, editable=False)
    total_spent = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0"), editable=False
    )
    avg_order_value = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0"), editable=False
    )
    first_order_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_order_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Current consent per channel: derived from the ConsentEvent ledger by segmentation.consent,
    # in the same transaction as the event. Never written anywhere else.
    email_consent = models.CharField(
        max_length=10, choices=ConsentStatus.choices, default=ConsentStatus.NONE, editable=False
    )
    sms_consent = models.CharField(
        max_length=10, choices=ConsentStatus.choices, default=ConsentStatus.NONE, editable=False
    )
    frequency_days = models.PositiveSmallIntegerField(
        "preferred frequency", choices=Frequency.choices, null=True, blank=True
    )

    # RFM scores (1-5 quintiles, 5 best) and tier, recomputed set-based by customers.rfm.
    rfm_recency = models.PositiveSmallIntegerField("RFM recency", null=True, editable=False)
    rfm_frequency = models.PositiveSmallIntegerField("RFM frequency", null=True, editable=False)
    rfm_monetary = models.PositiveSmallIntegerField("RFM monetary", null=True, editable=False)
    rfm_tier = models.CharField(
        "RFM tier", max_length=16, choices=RfmTier.choices, blank=True, default="", editable=False
    )

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(email=Lower("email")), name="customer_email_lowercase"
            ),
            models.UniqueConstraint(fields=["external_id"], name="customer_external_id_key"),
        ]
        # db_index on a PostgreSQL varchar makes two indexes, a plain one and a
        # varchar_pattern_ops copy for LIKE 'x%' (outside the C collation). The prefix-searched
        # columns need only the second (it serves = too): every index costs each write, and
        # time when a big import rebuilds them.
        indexes = [
            *(
                models.Index(
                    fields=[name], name=f"customer_{name}_idx", opclasses=["varchar_pattern_ops"]
                )
                for name in ("phone", "first_name_lower", "last_name_lower")
            ),
            models.Index(fields=["country", "id"], name="customer_country_idx"),
            # Rare values (non-binary, tablet) would otherwise be counted by a full scan.
            models.Index(fields=["gender", "id"], name="customer_gender_idx"),
            models.Index(fields=["device_type", "id"], name="customer_device_idx"),
            models.Index(fields=["created_at"], name="customer_created_idx"),
            models.Index(fields=["last_order_at"], name="customer_last_order_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs) -> None:
        self.normalise()
        if kwargs.get("update_fields") is not None:
            # Keep the derived search columns in step with the names they copy.
            fields = set(kwargs["update_fields"])
            fields |= {f"{name}_lower" for name in ("first_name", "last_name") if name in fields}
            kwargs["update_fields"] = fields
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("customer_detail", args=[self.pk])

    @property
    def display_name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.email or self.phone or f"Customer {self.pk}"

    @property
    def age(self) -> int | None:
        if not self.birth_date:
            return None
        today = timezone.localdate()
        before_birthday = (today.month, today.day) < (self.birth_date.month, self.birth_date.day)
        return today.year - self.birth_date.year - before_birthday

    def consent_for(self, channel: str) -> str:
        return getattr(self, f"{channel}_consent")

    def address_for(self, channel: str) -> str | None:
        return self.email if channel == Channel.EMAIL else (self.phone or None)

    def clean_fields(self, exclude=None) -> None:
        # Normalise before validating, so "de" is accepted as DE and " A@B.com" as a@b.com.
        self.normalise()
        super().clean_fields(exclude=exclude)

    def normalise(self) -> None:
        self.email = self.email.strip().lower() if self.email else None
        self.external_id = (self.external_id or "").strip() or None
        self.phone = (self.phone or "").replace(" ", "")
        self.country = (self.country or "").strip().upper()
        self.first_name_lower = self.first_name.strip().lower()
        self.last_name_lower = self.last_name.strip().lower()


class CustomerInterest(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, db_index=False)
    interest = models.ForeignKey(Interest, on_delete=models.CASCADE, db_index=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "interest"], name="customer_interest_unique"
            )
        ]
        indexes = [models.Index(fields=["interest", "customer"], name="interest_customer_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id}:{self.interest_id}"


class Order(models.Model):
    # SET_NULL: erasing a customer unlinks their orders; revenue figures stay true. Indexed by
    # order_customer_placed_idx, which starts with it.
    customer = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
        db_index=False,
    )
    # Unique by a constraint in Meta, as the customers' (looked up exactly, no LIKE copy).
    external_id = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001
    placed_at = models.DateTimeField(default=timezone.now)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    items = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="order_external_id_key")
        ]
        indexes = [
            models.Index(fields=["customer", "placed_at"], name="order_customer_placed_idx"),
            models.Index(fields=["placed_at"], name="order_placed_idx"),
        ]

    def __str__(self) -> str:
        return self.external_id or f"Order {self.pk}"


class OrderHistory(models.Model):
    """Each customer's order times (ascending) and running totals.

    "At least N orders / X spent in the last D days" become a binary search in one short row
    per customer instead of an aggregate over the orders of the window. Kept by
    recompute_customer_metrics beside order_count, so exactly as fresh.
    """

    # DO_NOTHING: the database deletes the row with its customer (ON DELETE CASCADE), which
    # spares Django's delete collector a query per deleted customer.
    customer = models.OneToOneField(
        Customer, primary_key=True, on_delete=models.DO_NOTHING, related_name="+"
    )
    placed = ArrayField(models.DateTimeField())
    # running[1] = 0, running[k + 1] = the first k orders' totals added up.
    running = ArrayField(models.DecimalField(max_digits=30, decimal_places=2))

    class Meta:
        verbose_name_plural = "order histories"

    def __str__(self) -> str:
        return f"Orders of customer {self.customer_id}"


class StatsSnapshot(models.Model):
    """Headline figures of the dashboard, taken in the background by a periodic task.

    Adding up millions of orders on every page view would be far too slow, so the dashboard
    reads the newest snapshot and says when it was taken.
    """

    NEW_CUSTOMER_DAYS = 30

    taken_at = models.DateTimeField(default=timezone.now, db_index=True)
    customers = models.PositiveBigIntegerField(default=0)
    customers_with_orders = models.PositiveBigIntegerField(default=0)
    new_customers = models.PositiveBigIntegerField(
        default=0, help_text=f"Created in the {NEW_CUSTOMER_DAYS} days before the snapshot."
    )
    orders = models.PositiveBigIntegerField(default=0)
    # Money is added up per currency only: [{"currency", "orders", "revenue"}], most orders first.
    revenue = models.JSONField(default=list, blank=True)
    # Customers per country, most first: [["DE", 1200], ...]. Also suggests country filters.
    countries = models.JSONField(default=list, blank=True)

    class Meta:
        get_latest_by = "taken_at"

    def __str__(self) -> str:
        return f"Snapshot {self.taken_at:%Y-%m-%d %H:%M}"

    @classmethod
    def take(cls) -> "StatsSnapshot":
        """Aggregate customers and orders now (a few table scans) and keep only this snapshot."""
        now = timezone.now()
        since = now - timedelta(days=cls.NEW_CUSTOMER_DAYS)
        people = Customer.objects.aggregate(
            total=Count("pk"),
            with_orders=Count("pk", filter=Q(order_count__gt=0)),
            new=Count("pk", filter=Q(created_at__gte=since)),
        )
        by_currency = (
            Order.objects.order_by()
            .values("currency")
            .annotate(n=Count("pk"), total=Sum("total"))
            .order_by("-n", "currency")
        )
        countries = (
            Customer.objects.exclude(country="")
            .order_by()
            .values("country")
            .annotate(n=Count("pk"))
            .order_by("-n", "country")
        )
        with transaction.atomic():
            snapshot = cls.objects.create(
                taken_at=now,
                customers=people["total"],
                customers_with_orders=people["with_orders"],
                new_customers=people["new"],
                orders=sum(row["n"] for row in by_currency),
                revenue=[
                    {"currency": row["currency"], "orders": row["n"], "revenue": str(row["total"])}
                    for row in by_currency
                ],
                countries=[[row["country"], row["n"]] for row in countries],
            )
            cls.objects.filter(taken_at__lt=now).delete()
        return snapshot

    @classmethod
    def current(cls) -> "StatsSnapshot":
        """The newest snapshot; taken here only when there is none worth showing yet."""
        snapshot = cls.objects.order_by("-taken_at", "-pk").first()
        # A snapshot of an empty database is not trusted once customers exist (first import).
        if snapshot is None or (snapshot.customers == 0 and Customer.objects.exists()):
            snapshot = cls.take()
        return snapshot

    @classmethod
    def known_countries(cls) -> list[str]:
        """Country codes seen by the newest snapshot (never takes one: used on every list page)."""
        snapshot = cls.objects.order_by("-taken_at", "-pk").only("countries").first()
        return [code for code, _ in snapshot.countries] if snapshot else []

    def revenue_by_currency(self) -> list[dict]:
        """Revenue and average order value per currency, most orders first."""
        lines = []
        for row in self.revenue:
            revenue = Decimal(row["revenue"])
            average = (revenue / row["orders"]).quantize(Decimal("0.01")) if row["orders"] else 0
            lines.append({**row, "revenue": revenue, "average": average})
        return lines


class AttributeType(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    BOOLEAN = "boolean", "Yes / no"
    DATE = "date", "Date (YYYY-MM-DD)"


class AttributeDefinition(models.Model):
    """A key of Customer.attributes that marketers may segment on, with its type."""

    key = models.CharField(
        max_length=50,
        unique=True,
        validators=[
            RegexValidator(
                r"^[a-z][a-z0-9_]*$", "Lower-case letters, digits and _; start with a letter."
            )
        ],
    )
    label = models.CharField(max_length=100)
    type = models.CharField(max_length=10, choices=AttributeType.choices)
    help_text = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label
