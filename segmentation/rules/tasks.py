"""Background work of the segment builder (listed in CELERY_IMPORTS)."""

from celery import shared_task

from segmentation.rules import preview


@shared_task
def exact_preview(key: str) -> None:
    """Exact preview figures of a draft that ran past the preview budget (safe to run twice)."""
    preview.compute_exact(key)
