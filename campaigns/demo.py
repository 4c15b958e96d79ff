"""A finished demo campaign, so that a fresh `make run` shows results: two tracks (German
customers, everyone else) with A/B variants and a 10% holdout, sent ten days ago.

The audience is frozen by the real code (campaigns.audience.freeze: consent, holdout,
variants); what no demo machine can produce, people opening, clicking and buying, is drawn
with a seeded random generator (B does better, so the page has a verdict to show); the
orders go through the real attribution, and the results snapshot is computed as a worker
would. Demo data only: `manage.py demo_campaign` makes it once, on demo customers.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from campaigns import attribution, audience, results
from campaigns.models import Campaign, CampaignStatus, Delivery, DeliveryStatus, Track, Variant
from segmentation.customers.metrics import recompute_customer_metrics
from segmentation.customers.models import Order
from segmentation.segments.models import Segment

NAME = "Spring sale (demo)"
TRACKS = (
    ("Customers in Germany (demo)", {"field": "country", "op": "in", "value": ["DE"]}),
    ("Everyone (demo)", None),
)
CONTENT = {
    "A": ("Spring is here, {{ first_name|default:'friend' }}", "20% off everything this week."),
    "B": ("{{ first_name|default:'Hello' }}, your spring gift: 20% off", "Your 20% is waiting."),
}
# Per variant: open, click, conversion probabilities for a recipient; order totals.
BEHAVIOUR = {"A": (0.24, 0.05, 0.03), "B": (0.31, 0.08, 0.06)}
HOLDOUT_CONVERSION = 0.015


def _segment(name: str, condition: dict | None) -> Segment:
    children = [{"type": "condition", **condition}] if condition else []
    definition = {"type": "group", "op": "and", "negate": False, "children": children}
    return Segment.objects.get_or_create(name=name, defaults={"definition": definition})[0]


def _campaign(launched) -> Campaign:
    campaign = Campaign.objects.create(
        name=NAME,
        sender_name="Demo shop",
        sender_email="news@shop.example",
        holdout_percent=10,
        conversion_window_days=7,
        cost=Decimal("150.00"),
    )
    for position, (name, condition) in enumerate(TRACKS):
        track = Track.objects.create(
            campaign=campaign, segment=_segment(name, condition), position=position
        )
        for label, (subject, line) in CONTENT.items():
            Variant.objects.create(
                track=track,
                label=label,
                weight=50,
                subject=subject,
                text_body=f"Hi {{{{ first_name|default:'there' }}}},\n\n{line}",
                html_body=f"<p>Hi {{{{ first_name|default:'there' }}}},</p><p>{line}</p>",
            )
    return campaign


def _behave(rows: list[Delivery], launched, rng: random.Random) -> list[Order]:
    """Mark rows sent, opened, clicked; return the orders that recipients placed."""
    orders = []
    for row in rows:
        at = launched + timedelta(minutes=rng.randint(1, 30))
        if row.status == DeliveryStatus.HOLDOUT:
            if rng.random() < HOLDOUT_CONVERSION:
                orders.append(_order(row, launched, rng))
            continue
        opens, clicks, buys = BEHAVIOUR[row.variant.label]
        row.status, row.sent_at = DeliveryStatus.SENT, at
        if rng.random() < opens:
            row.opened_at, row.opens = at + timedelta(hours=rng.randint(1, 30)), 1
            if rng.random() < clicks / opens:
                row.clicked_at, row.clicks = row.opened_at + timedelta(minutes=2), 1
        if rng.random() < buys:
            orders.append(_order(row, at, rng))
    return orders


def _order(row: Delivery, after, rng: random.Random) -> Order:
    placed = after + timedelta(hours=rng.randint(2, 6 * 24))
    total = Decimal(rng.randint(2000, 16000)) / 100
    return Order(customer_id=row.customer_id, placed_at=placed, total=total)


def make_demo_campaign(seed: int = 42) -> Campaign | None:
    """The demo campaign, once; None if it exists already or there is nobody to send to."""
    if Campaign.objects.filter(name=NAME).exists():
        return None
    rng = random.Random(seed)
    launched = timezone.now() - timedelta(days=10)
    with transaction.atomic():
        campaign = _campaign(launched)
        plan = audience.freeze(campaign, launched)
        if not plan.eligible:
            transaction.set_rollback(True)
            return None
        rows = list(Delivery.objects.filter(campaign=campaign).select_related("variant"))
        orders = _behave(rows, launched, rng)
        fields = ["status", "sent_at", "opened_at", "opens", "clicked_at", "clicks"]
        Delivery.objects.bulk_update(rows, fields, batch_size=1000)
        Order.objects.bulk_create(orders, batch_size=1000)
        # The buyers' order counts, spend and order history (segment windows) include these.
        recompute_customer_metrics({order.customer_id for order in orders})
        Campaign.objects.filter(pk=campaign.pk).update(
            status=CampaignStatus.SENT,
            launched_at=launched,
            finished_at=launched + timedelta(minutes=30),
        )
        campaign.refresh_from_db()
    attribution.attribute_conversions(launched)
    results.refresh(campaign)
    return campaign
