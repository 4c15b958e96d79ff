from celery import shared_task

from segmentation.metrics import recompute_customer_metrics


@shared_task(acks_late=True)
def recompute_metrics(customer_ids: list[int] | None = None) -> int:
    """Safe to run twice: it converges on the values the orders imply."""
    return recompute_customer_metrics(customer_ids)
