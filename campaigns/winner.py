"""Test-then-winner: each track's test share is sent first; after the wait the winner on the
campaign's measure goes to the rest of the track.

Freezing (campaigns.audience) marks the rest "waiting". A track is due once its test share
has nothing left to send and winner_wait_hours have passed since its last test message. The
beat (decide_due) then decides each due track once:

- the leader on the measure, if it beats every other variant significantly (Holm-corrected,
  campaigns.verdicts.pick_winner), is the winner;
- otherwise the fallback: send the leader anyway, or keep the split (each waiting row keeps
  the variant the split gave it).

The decision row (WinnerDecision, one per track) and the release of the waiting rows to the
queue happen in one transaction under a lock on the track, and the release touches only
rows still waiting: the rest is queued exactly once, and never a row that was sent.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from campaigns import attribution, results, verdicts
from campaigns.models import (
    AbMode,
    CampaignStatus,
    Delivery,
    DeliveryStatus,
    Track,
    WinnerDecision,
    WinnerFallback,
    WinnerMetric,
)
from campaigns.sending.tasks import dispatch

log = logging.getLogger(__name__)
WAITING = DeliveryStatus.WAITING
UNSENT = [DeliveryStatus.QUEUED, DeliveryStatus.CLAIMED]


def _candidates():
    """Tracks of sending winner-mode campaigns that still have rows waiting and no decision."""
    waiting = Delivery.objects.filter(track=OuterRef("pk"), status=WAITING)
    return Track.objects.filter(
        campaign__ab_mode=AbMode.WINNER,
        campaign__status=CampaignStatus.SENDING,
        decision__isnull=True,
    ).filter(Exists(waiting))


def due_at(track: Track) -> datetime | None:
    """When the track's decision is due: the wait after its last test message; None while
    the test is still being sent."""
    rows = Delivery.objects.filter(track=track)
    if rows.filter(status__in=UNSENT).exists():
        return None
    last = rows.exclude(status=WAITING).aggregate(last=Max("sent_at"))["last"]
    start = last or track.campaign.launched_at or timezone.now()
    return start + timedelta(hours=track.campaign.winner_wait_hours)


def decide_due(now: datetime | None = None) -> list[int]:
    """Decide every due track (beat). Returns the ids of the decisions made."""
    now = now or timezone.now()
    made, credited = [], set()
    for track in _candidates().select_related("campaign"):
        when = due_at(track)
        if when is None or when > now:
            continue
        if track.campaign_id not in credited:  # once per campaign, not per track
            _credit_orders(track.campaign)
            credited.add(track.campaign_id)
        decision = decide(track, now, credited=True)
        if decision is not None:
            made.append(decision.pk)
    return made


def _credit_orders(campaign) -> None:
    """Orders that arrived since the last periodic run count too (orders-based measures)."""
    metric = campaign.winner_metric
    if metric in (WinnerMetric.CONVERSION, WinnerMetric.REVENUE) and campaign.launched_at:
        attribution.attribute_conversions(campaign.launched_at)


def decide(
    track: Track, now: datetime | None = None, credited: bool = False
) -> WinnerDecision | None:
    """Pick the track's winner and queue the rest; None if it was decided already.
    credited: the campaign's new orders were just credited (decide_due does it once)."""
    now = now or timezone.now()
    campaign = track.campaign
    metric = campaign.winner_metric
    if not credited:
        _credit_orders(campaign)
    with transaction.atomic():
        # Two beats at once: the second waits here, then finds the decision.
        Track.objects.select_for_update().filter(pk=track.pk).first()
        if WinnerDecision.objects.filter(track=track).exists():
            return None
        variants = [verdicts.variant_result(raw) for raw in results.track_variants(track)]
        tested = [v for v in variants if v.sent]
        pick = verdicts.pick_winner(tested, metric)
        winner = _winner(pick, campaign.winner_fallback)
        released = _release(track, winner)
        decision = WinnerDecision.objects.create(
            track=track,
            decided_at=now,
            metric=metric,
            winner_id=winner.id if winner else None,
            significant=pick.significant,
            summary=_summary(pick, winner),
            figures=pick.figures,
            released=released,
        )
        dispatch(campaign.pk)
    log.info("campaign %s track %s: %s", campaign.pk, track.pk, decision.summary)
    return decision


def _winner(pick: verdicts.Pick, fallback: str) -> verdicts.VariantResult | None:
    if pick.significant or fallback == WinnerFallback.LEADER:
        return pick.leader
    return None


def _release(track: Track, winner: verdicts.VariantResult | None) -> int:
    """Queue the rows still waiting: with the winner's variant, or their own (the split)."""
    waiting = Delivery.objects.filter(track=track, status=WAITING)
    if winner is None:
        return waiting.update(status=DeliveryStatus.QUEUED)
    return waiting.update(status=DeliveryStatus.QUEUED, variant_id=winner.id)


def _summary(pick: verdicts.Pick, winner: verdicts.VariantResult | None) -> str:
    if pick.significant:
        return f"{pick.summary} The rest get {winner.label}."
    if winner is not None:
        return f"{pick.summary} As set for that case, the rest get the leader, {winner.label}."
    return f"{pick.summary} As set for that case, the rest keep the split."
