"""The periodic tasks of sending (CELERY_BEAT_SCHEDULE). Safe to run twice at once."""

from celery import shared_task

from campaigns.sending import lifecycle, requeue


@shared_task(acks_late=True)
def start_due_campaigns() -> list[int]:
    """Start scheduled campaigns whose time has come."""
    return lifecycle.start_due()


@shared_task(acks_late=True)
def requeue_stale() -> dict:
    """Give rows of dead workers back, restart stalled campaigns, finish those with nothing
    left to send."""
    return requeue.requeue_stale()
