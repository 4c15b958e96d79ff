"""Background work of the consent ledger: the double opt-in mail."""

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from segmentation.consent import emails
from segmentation.consent.models import ConsentAction, ConsentEvent
from segmentation.shared import tokens


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
