"""Recovery (beat): the rows of workers that died, and campaigns whose batches stopped."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from campaigns.models import Campaign, CampaignStatus, Delivery, DeliveryStatus
from campaigns.sending.claims import finish_if_done, give_back
from campaigns.sending.tasks import dispatch

SENDING, PAUSED, CANCELLED = CampaignStatus.SENDING, CampaignStatus.PAUSED, CampaignStatus.CANCELLED
QUEUED, CLAIMED = DeliveryStatus.QUEUED, DeliveryStatus.CLAIMED


def requeue_stale(now: datetime | None = None) -> dict[str, int]:
    """Rows claimed longer than SEGMENTA_SEND_CLAIM_TIMEOUT ago belong to a dead worker: with
    sent_at their message was accepted and committed (sent); without it, back to the queue
    (or cancelled), to be sent again. Then every sending campaign that is done is finished,
    and one whose batches died is restarted. Safe to run twice at once: every change is a
    conditional UPDATE."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.SEGMENTA_SEND_CLAIM_TIMEOUT)
    totals = {"sent": 0, "requeued": 0, "cancelled": 0, "restarted": 0, "finished": 0}
    # Cancelled campaigns only for a day: a dead worker's claims are stale long before that.
    recently_cancelled = Q(status=CANCELLED, finished_at__gte=now - timedelta(days=1))
    active = Campaign.objects.filter(Q(status__in=[SENDING, PAUSED]) | recently_cancelled)
    for campaign_id, status in active.exclude(launched_at=None).values_list("id", "status"):
        stale = Delivery.objects.filter(
            campaign_id=campaign_id, status=CLAIMED, claimed_at__lt=cutoff
        )
        totals["sent"] += stale.exclude(sent_at=None).update(status=DeliveryStatus.SENT)
        totals["cancelled" if status == CANCELLED else "requeued"] += give_back(stale, status)
        if status == SENDING:
            _finish_or_restart(campaign_id, now, totals)
    return totals


def _finish_or_restart(campaign_id: int, now: datetime, totals: dict[str, int]) -> None:
    if finish_if_done(campaign_id):
        totals["finished"] += 1
        return
    quiet = now - timedelta(seconds=settings.SEGMENTA_SEND_STALL_SECONDS)
    rows = Delivery.objects.filter(campaign_id=campaign_id)
    stalled = (
        rows.filter(status=QUEUED).exists()
        and not rows.filter(claimed_at__gte=quiet).exists()
        and Campaign.objects.filter(pk=campaign_id, launched_at__lt=quiet).exists()
    )
    if stalled:
        dispatch(campaign_id)
        totals["restarted"] += 1
