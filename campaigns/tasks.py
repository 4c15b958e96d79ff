"""Celery tasks of campaigns. Tasks take ids or plain values and are safe to run twice."""

from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from campaigns import attribution

# --- conversions (attribution.py) --------------------------------------------------------


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def attribute_conversions(since: str | None = None) -> int:
    """Periodic (CELERY_BEAT_SCHEDULE) and after orders arrive. Safe to run twice: each order
    is credited once. Without since it looks back SEGMENTA_ATTRIBUTION_LOOKBACK_DAYS."""
    if since:
        start = datetime.fromisoformat(since)
    else:
        start = timezone.now() - timedelta(days=settings.SEGMENTA_ATTRIBUTION_LOOKBACK_DAYS)
    return attribution.attribute_conversions(start)


def attribute_after_orders(sender, since: datetime | None = None, **kwargs) -> None:
    """segmentation.signals.orders_recorded: credit the new orders once they are committed."""
    attribute_conversions.delay_on_commit(since.isoformat() if since else None)


# --- end of conversions ------------------------------------------------------------------
