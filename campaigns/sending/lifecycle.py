"""A campaign's states: draft -> scheduled -> sending -> sent, plus paused and cancelled.

Launching checks the campaign, then schedules it or starts it: the audience is frozen
(campaigns.audience) into one delivery row per recipient, and the batch tasks are enqueued.
Every transition is a conditional UPDATE, so two clicks or two beats change a state once.
"""

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from campaigns import audience
from campaigns.models import (
    AbMode,
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryStatus,
    Track,
    WinnerMetric,
)
from campaigns.rendering.checks import check_variant
from campaigns.sending.tasks import dispatch
from segmentation.customers.models import Channel
from segmentation.segments.tree import check

log = logging.getLogger(__name__)

DRAFT, SCHEDULED = CampaignStatus.DRAFT, CampaignStatus.SCHEDULED
SENDING, PAUSED, CANCELLED = CampaignStatus.SENDING, CampaignStatus.PAUSED, CampaignStatus.CANCELLED


class LaunchError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(" ".join(problems))


def launch_problems(campaign: Campaign) -> list[str]:
    """What stops this campaign from being launched, worded for the marketer."""
    if campaign.status != DRAFT:
        return ["Only a draft can be launched."]
    tracks = list(campaign.tracks.select_related("segment").prefetch_related("variants"))
    if not tracks:
        return ["Add at least one track: a segment and its message."]
    problems = []
    for number, track in enumerate(tracks, start=1):
        problems += _track_problems(campaign, track, f"Track {number} ({track.segment.name})")
    return problems + _winner_problems(campaign, tracks)


def _track_problems(campaign: Campaign, track: Track, where: str) -> list[str]:
    problems = [f"{where}: {p}" for p in check(track.segment.definition, track.segment_id)]
    variants = list(track.variants.all())
    if not variants:
        return [*problems, f"{where}: add a variant."]
    total = sum(variant.weight for variant in variants)
    if total != 100:
        problems.append(f"{where}: the variants' weights add up to {total}, not 100.")
    for variant in variants:
        for problem in check_variant(variant, campaign.channel):
            problems.append(f"{where}, variant {variant.label}: {problem}")
    return problems


def _winner_problems(campaign: Campaign, tracks: list[Track]) -> list[str]:
    if campaign.ab_mode != AbMode.WINNER:
        return []
    if not any(len(track.variants.all()) >= 2 for track in tracks):
        return ["Test-then-winner needs a track with at least two variants to test."]
    if campaign.channel == Channel.SMS and campaign.winner_metric == WinnerMetric.OPEN:
        return ["Text messages have no opens: pick the winner on another measure."]
    return []


def launch(campaign: Campaign, now: datetime | None = None) -> audience.Plan | None:
    """Schedule the campaign (scheduled_at in the future: None) or freeze and start it now
    (the frozen plan). Raises LaunchError with the problems that stop it."""
    problems = launch_problems(campaign)
    if problems:
        raise LaunchError(problems)
    now = now or timezone.now()
    if campaign.scheduled_at and campaign.scheduled_at > now:
        scheduled = Campaign.objects.filter(pk=campaign.pk, status=DRAFT)
        if not scheduled.update(status=SCHEDULED):
            raise LaunchError(["This campaign was launched already."])
        campaign.status = SCHEDULED
        return None
    plan = start(campaign.pk, now)
    if plan is None:
        raise LaunchError(["This campaign was launched already."])
    campaign.refresh_from_db(fields=["status", "launched_at", "skipped"])
    return plan


def start(campaign_id: int, now: datetime | None = None) -> audience.Plan | None:
    """Freeze a draft or scheduled campaign and start its batches; None if it was not one."""
    now = now or timezone.now()
    with transaction.atomic():
        # The transition first, as a conditional UPDATE: a second start at the same moment
        # (two beats) waits for this transaction and then changes nothing.
        claimed = Campaign.objects.filter(pk=campaign_id, status__in=[DRAFT, SCHEDULED])
        if not claimed.update(status=SENDING, launched_at=now):
            return None
        plan = audience.freeze(Campaign.objects.get(pk=campaign_id), now)
        dispatch(campaign_id)
    return plan


def start_due(now: datetime | None = None) -> list[int]:
    """Start scheduled campaigns whose time has come (beat). Safe to run twice at once."""
    now = now or timezone.now()
    due = Campaign.objects.filter(status=SCHEDULED, scheduled_at__lte=now)
    started = []
    for campaign in due.order_by("scheduled_at"):
        campaign.status = DRAFT  # launch_problems checks the content, not the state
        problems = launch_problems(campaign)
        if problems:
            # Edited into an unsendable state since it was scheduled: back to the marketer.
            log.warning("campaign %s not started: %s", campaign.pk, " ".join(problems))
            due.filter(pk=campaign.pk).update(status=DRAFT)
            continue
        if start(campaign.pk, now) is not None:
            started.append(campaign.pk)
    return started


def pause(campaign: Campaign) -> bool:
    """Batches stop claiming at once; one in flight stops within a second."""
    changed = Campaign.objects.filter(pk=campaign.pk, status=SENDING).update(status=PAUSED)
    campaign.refresh_from_db(fields=["status"])
    return bool(changed)


def resume(campaign: Campaign) -> bool:
    with transaction.atomic():
        changed = Campaign.objects.filter(pk=campaign.pk, status=PAUSED).update(status=SENDING)
        if changed:
            dispatch(campaign.pk)
    campaign.refresh_from_db(fields=["status"])
    return bool(changed)


def cancel(campaign: Campaign) -> bool:
    """Nothing queued is sent any more; a batch in flight stops within a second."""
    with transaction.atomic():
        changed = Campaign.objects.filter(
            pk=campaign.pk, status__in=[SCHEDULED, SENDING, PAUSED]
        ).update(status=CANCELLED, finished_at=timezone.now())
        if changed:
            waiting = [DeliveryStatus.QUEUED, DeliveryStatus.WAITING]
            Delivery.objects.filter(campaign=campaign, status__in=waiting).update(
                status=DeliveryStatus.CANCELLED
            )
    campaign.refresh_from_db(fields=["status", "finished_at"])
    return bool(changed)
