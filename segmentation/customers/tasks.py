"""Background work on customers' figures. Tasks take ids and are safe to run twice."""

from celery import shared_task
from django.db import OperationalError

from segmentation.customers import rfm
from segmentation.customers.metrics import recompute_customer_metrics
from segmentation.customers.models import StatsSnapshot


@shared_task(acks_late=True)
def recompute_metrics(customer_ids: list[int] | None = None) -> int:
    """Safe to run twice: it converges on the values the orders imply."""
    return recompute_customer_metrics(customer_ids)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=8)
def recompute_rfm() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE) and after order imports. Safe to run twice: it converges
    on the scores the metrics imply. It steps back from rows another writer holds (lock
    timeout, an OperationalError) and is retried whole, with growing pauses."""
    return rfm.recompute_rfm()


@shared_task(acks_late=True)
def refresh_stats() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE). Safe to run twice: each run keeps only its snapshot."""
    return StatsSnapshot.take().pk
