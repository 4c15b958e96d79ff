from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError

from segmentation import emails, facts, rfm, tokens
from segmentation.metrics import recompute_customer_metrics
from segmentation.models import ConsentAction, ConsentEvent, StatsSnapshot


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


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_confirmation(event_ids: list[int]) -> bool:
    """Email one double opt-in link covering these request events (one person, one channel)."""
    events = list(
        ConsentEvent.objects.select_related("customer", "topic")
        .filter(pk__in=event_ids, action=ConsentAction.REQUESTED)
        .exclude(customer=None)
    )
    if not events:
        return False
    # A retried task must not mail the person twice (the cache is shared in production). The
    # key names the request by id and time, so it cannot match a later request's.
    first = min(events, key=lambda event: event.pk)
    key = f"confirmation-sent:{first.pk}:{first.created_at.timestamp()}"
    if not cache.add(key, 1, timeout=7 * 24 * 3600):
        return False
    customer, channel = events[0].customer, events[0].channel
    topics = [event.topic for event in events if event.topic]
    context = {
        "customer": customer,
        "topics": topics,
        "channel": events[0].get_channel_display(),
        "confirm_url": tokens.confirm_url(customer, channel, [t.slug for t in topics]),
    }
    message = emails.build("confirm", customer.email, context, settings.SEGMENTA_TRANSACTIONAL_FROM)
    message.send()
    return True


@shared_task(acks_late=True)
def refresh_stats() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE). Safe to run twice: each run keeps only its snapshot."""
    return StatsSnapshot.take().pk


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def maintain_facts() -> str:
    """Periodic (CELERY_BEAT_SCHEDULE): compacts the preview's facts table when mass updates
    have bloated it, vacuums it when too few of its pages are marked all-visible. Safe to
    run twice; gives up and retries when its lock is not had soon."""
    return facts.maintain()
