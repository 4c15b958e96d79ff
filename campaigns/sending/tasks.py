"""The send_batch task, and dispatch(), which enqueues a campaign's batches.

SEGMENTA_SEND_PARALLEL batch tasks run per campaign; each enqueues its successor when it
claimed rows, so a chain runs until the queue is empty. Rows kept for a retry go back to the
same claim by a delayed task. Tasks take ids and are safe to run twice (campaigns.sending.batch).
"""

from celery import shared_task
from django.conf import settings

from campaigns.sending.batch import run_batch


@shared_task(acks_late=True)
def send_batch(
    campaign_id: int, claim: str | None = None, delivery_ids: list[int] | None = None
) -> dict:
    """Claim and send one batch of the campaign, then enqueue the next; with claim and
    delivery_ids, retry those rows of an earlier batch."""
    report = run_batch(campaign_id, claim, delivery_ids)
    if report.retry_ids:
        kwargs = {"campaign_id": campaign_id, "claim": report.claim}
        send_batch.apply_async(
            kwargs={**kwargs, "delivery_ids": report.retry_ids}, countdown=report.retry_in
        )
    if report.more:
        send_batch.delay_on_commit(campaign_id)
    return {"claimed": report.claimed, "sent": report.sent, "failed": report.failed}


def dispatch(campaign_id: int, batches: int | None = None) -> None:
    """Enqueue the campaign's batch tasks once the current transaction commits."""
    for _ in range(batches or settings.SEGMENTA_SEND_PARALLEL):
        send_batch.delay_on_commit(campaign_id)
