"""A sending campaign's progress figures, from one pass over its delivery rows."""

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from campaigns.models import Campaign, CampaignStatus, Delivery, DeliveryStatus

QUEUED, CLAIMED, SENT = DeliveryStatus.QUEUED, DeliveryStatus.CLAIMED, DeliveryStatus.SENT
FAILED, SKIPPED = DeliveryStatus.FAILED, DeliveryStatus.SKIPPED


def progress(campaign: Campaign, now: datetime | None = None) -> dict[str, Any]:
    """Frozen, sent, failed, skipped by reason, holdout, remaining, and messages per second
    over the last minute."""
    now = now or timezone.now()
    window = 60.0
    if campaign.launched_at:
        window = min(window, max(1.0, (now - campaign.launched_at).total_seconds()))
    rows = Delivery.objects.filter(campaign=campaign)
    counts = rows.aggregate(
        frozen=Count("id"),
        queued=Count("id", filter=Q(status=QUEUED)),
        claimed=Count("id", filter=Q(status=CLAIMED)),
        # Claimed rows with sent_at: accepted and committed, the batch has not flipped them yet.
        in_flight=Count("id", filter=Q(status=CLAIMED, sent_at__isnull=False)),
        sent=Count("id", filter=Q(status=SENT)),
        failed=Count("id", filter=Q(status=FAILED)),
        skipped=Count("id", filter=Q(status=SKIPPED)),
        holdout=Count("id", filter=Q(status=DeliveryStatus.HOLDOUT)),
        waiting=Count("id", filter=Q(status=DeliveryStatus.WAITING)),
        cancelled=Count("id", filter=Q(status=DeliveryStatus.CANCELLED)),
        recent=Count("id", filter=Q(sent_at__gte=now - timedelta(seconds=window))),
    )
    at_freeze = {k: v for k, v in (campaign.skipped or {}).items() if v}
    at_send = _skipped_at_send(rows) if counts["skipped"] else {}
    # Rows waiting for an A/B winner are still to be sent.
    remaining = counts["queued"] + counts["claimed"] - counts["in_flight"] + counts["waiting"]
    return {
        "status": campaign.status,
        "frozen": counts["frozen"],
        "sent": counts["sent"] + counts["in_flight"],
        "failed": counts["failed"],
        "holdout": counts["holdout"],
        "waiting": counts["waiting"],
        "cancelled": counts["cancelled"],
        "remaining": remaining,
        "skipped_at_freeze": at_freeze,
        "skipped_at_send": at_send,
        "skipped": sum(at_freeze.values()) + counts["skipped"],
        "rate": round(counts["recent"] / window, 1),
        "done": campaign.status in (CampaignStatus.SENT, CampaignStatus.CANCELLED)
        and remaining == 0,
    }


def _skipped_at_send(rows: Any) -> dict[str, int]:
    reasons = rows.filter(status=SKIPPED).order_by().values_list("error").annotate(Count("id"))
    return {reason or "unknown": n for reason, n in reasons}
