"""Background work of segments: exact previews, recounts, the facts table's upkeep."""

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from segmentation.segments import facts, sketches, stats
from segmentation.segments.models import Segment
from segmentation.segments.tree import RuleError, compile_definition


@shared_task
def exact_preview(key: str) -> None:
    """Exact preview figures of a draft that ran past the preview budget (safe to run twice)."""
    stats.compute_exact(key)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def recount_segment(segment_id: int) -> bool:
    """Count a saved segment and cache its size and reach on the row ("Recount" and beat).

    Safe to run twice: it writes the figures of the moment. A segment deleted meanwhile, or
    whose rules no longer compile (a field removed), is left as it is; its page says why.
    """
    segment = Segment.objects.filter(pk=segment_id).only("pk", "definition", "updated_at").first()
    if segment is None:
        return False
    try:
        q = compile_definition(segment.definition, segment.pk)
    except RuleError:
        return False
    summary = stats.summarise(q)
    sketches.store(segment, q)
    # update(), not save(): a count must neither move updated_at nor overwrite an edit.
    Segment.objects.filter(pk=segment_id).update(
        size=summary.count,
        reachable_email=summary.reachable_email,
        reachable_sms=summary.reachable_sms,
        average_spent=_mean(summary.stats["total_spent"]),
        average_orders=_mean(summary.stats["order_count"]),
        counted_at=timezone.now(),
    )
    return True


def _mean(stat: stats.Stat | None) -> float | None:
    return stat.mean if stat else None


@shared_task
def recount_segments() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE): one recount task per segment, so workers share them."""
    ids = list(Segment.objects.order_by("pk").values_list("pk", flat=True))
    for segment_id in ids:
        recount_segment.delay(segment_id)
    return len(ids)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def maintain_facts() -> str:
    """Periodic (CELERY_BEAT_SCHEDULE): compacts the preview's facts table when mass updates
    have bloated it, vacuums it when too few of its pages are marked all-visible. Safe to
    run twice; gives up and retries when its lock is not had soon."""
    return facts.maintain()
