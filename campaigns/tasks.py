"""Celery tasks of conversions (attribution), results and A/B winners, beside those modules;
sending's tasks are in campaigns.sending. Tasks take ids or plain values and are safe to run
twice."""

from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError
from django.utils import timezone

from campaigns import attribution, results, winner
from campaigns.models import Campaign

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
    """On orders_recorded (segmentation.customers.signals): credit the new orders once they
    are committed."""
    attribute_conversions.delay_on_commit(since.isoformat() if since else None)


# --- results (results.py) ------------------------------------------------------------------


@shared_task(acks_late=True)
def refresh_results(campaign_id: int) -> int | None:
    """Compute one campaign's results snapshot; its time in ms (None: no such campaign)."""
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        return None
    return results.refresh(campaign).took_ms


def request_refresh(campaign: Campaign) -> bool:
    """Enqueue one refresh (at most one per campaign at a time); True if one was queued."""
    timeout = settings.SEGMENTA_RESULTS_MAX_AGE
    if not cache.add(results.refresh_key(campaign), 1, timeout=timeout):
        return False
    refresh_results.delay_on_commit(campaign.pk)
    return True


@shared_task(acks_late=True)
def refresh_changing_results() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE): a refresh for each campaign whose figures still move
    (sending, or within its conversion window), so that pages find fresh ones."""
    return sum(request_refresh(campaign) for campaign in results.changing())


# --- A/B winners (winner.py) ---------------------------------------------------------------


@shared_task(acks_late=True)
def decide_winners() -> list[int]:
    """Periodic (CELERY_BEAT_SCHEDULE): pick the A/B winner of every track whose test is
    done and whose wait is over, and send it to the rest of the track."""
    return winner.decide_due()
