"""Campaign figures for the dashboard, read from the results snapshots (campaigns.results)
and never from delivery rows, so that the dashboard costs the same at a million customers.

recent() gives the newest launched campaigns with their headline rates; by_segment() adds up
the tracks of the newest campaigns per segment: which segment responds, and to what.
The dashboard shows no A/B verdicts, so it adds up the snapshot's counts itself (across
campaigns, opens over email only) instead of building the results page's report
(campaigns.verdicts.build) for each campaign; rates and ROI are the same definitions.
"""

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.conf import settings
from django.db.models import F
from django.db.models.fields.json import KeyTransform

from campaigns.models import Campaign, Channel
from campaigns.tasks import request_refresh
from campaigns.verdicts import Rate, roi

RECENT = 8
# The segment table adds up this many campaigns at most: a bounded read however many run.
ACROSS = 50


@dataclass
class Figures:
    """Counts of sent messages added up from snapshot variants; rates per message sent."""

    sent: int = 0
    clicked: int = 0
    converted: int = 0
    revenue: float = 0.0
    email_sent: int = 0  # opens are only measured in email
    opened: int = 0

    def add(self, variant: dict[str, Any], email: bool) -> None:
        self.sent += variant["sent"]
        self.clicked += variant["clicked"]
        self.converted += variant["converted"]
        self.revenue += variant["revenue_sum"]
        if email:
            self.email_sent += variant["sent"]
            self.opened += variant["opened"]

    @property
    def open_rate(self) -> Rate | None:
        return Rate.of(self.opened, self.email_sent) if self.email_sent else None

    @property
    def click_rate(self) -> Rate | None:
        return Rate.of(self.clicked, self.sent) if self.sent else None

    @property
    def conversion_rate(self) -> Rate | None:
        return Rate.of(self.converted, self.sent) if self.sent else None

    @property
    def revenue_per_recipient(self) -> float | None:
        return self.revenue / self.sent if self.sent else None


def _is_email(campaign: Campaign) -> bool:
    return campaign.channel == Channel.EMAIL


@dataclass
class CampaignLine:
    campaign: Campaign
    figures: Figures | None  # None: no snapshot yet

    @property
    def roi_percent(self) -> float | None:
        if self.figures is None:
            return None
        value = roi(self.figures.revenue, float(self.campaign.cost))
        return None if value is None else 100 * value


@dataclass
class Best:
    """The variant a segment answered best: among those sent to enough recipients to be
    compared at all (SEGMENTA_AB_MIN_PER_VARIANT), the highest lower end of the conversion
    rate's 95% interval, then of the click rate's; so a lucky handful does not win."""

    campaign: Campaign
    label: str
    subject: str
    figures: Figures

    @cached_property
    def key(self) -> tuple[bool, float, float]:
        enough = self.figures.sent >= settings.SEGMENTA_AB_MIN_PER_VARIANT
        conversion, click = self.figures.conversion_rate, self.figures.click_rate
        return enough, conversion.low if conversion else 0.0, click.low if click else 0.0


@dataclass
class SegmentLine:
    segment_id: int
    segment: str
    campaign_ids: set[int] = field(default_factory=set)
    figures: Figures = field(default_factory=Figures)
    best: Best | None = None

    @property
    def campaigns(self) -> int:
        return len(self.campaign_ids)

    def add(self, campaign: Campaign, track: dict[str, Any]) -> None:
        self.campaign_ids.add(campaign.pk)
        for variant in track["variants"]:
            self.figures.add(variant, _is_email(campaign))
            alone = Figures()
            alone.add(variant, _is_email(campaign))
            best = Best(campaign, variant["label"], variant.get("subject", ""), alone)
            if alone.sent and (self.best is None or best.key > self.best.key):
                self.best = best


def _launched(limit: int) -> list[Campaign]:
    """The newest launched campaigns with the tracks of their snapshot (only that part of
    the JSON: the timeline can be long), in one query."""
    return list(
        Campaign.objects.filter(launched_at__isnull=False)
        .annotate(
            snapshot_at=F("result__computed_at"),
            snapshot_tracks=KeyTransform("tracks", "result__data"),
        )
        .order_by("-launched_at", "-id")[:limit]
    )


def _figures(campaign: Campaign) -> Figures | None:
    if campaign.snapshot_at is None or campaign.snapshot_tracks is None:
        return None
    figures = Figures()
    for track in campaign.snapshot_tracks:
        for variant in track["variants"]:
            figures.add(variant, _is_email(campaign))
    return figures


def recent(campaigns: list[Campaign], limit: int = RECENT) -> list[CampaignLine]:
    """The newest launched campaigns. Those without a snapshot get one computed in the
    background (at most one queued per campaign at a time)."""
    lines = [CampaignLine(campaign, _figures(campaign)) for campaign in campaigns[:limit]]
    for line in lines:
        if line.figures is None:
            request_refresh(line.campaign)
    return lines


def by_segment(campaigns: list[Campaign]) -> list[SegmentLine]:
    """Each segment's response across the campaigns that had a track for it, most recipients
    first. The name is the newest snapshot's (campaigns come newest first)."""
    segments: dict[int, SegmentLine] = {}
    for campaign in campaigns:
        for track in campaign.snapshot_tracks or []:
            line = segments.setdefault(
                track["segment_id"], SegmentLine(track["segment_id"], track["segment"])
            )
            line.add(campaign, track)
    found = [line for line in segments.values() if line.figures.sent]
    return sorted(found, key=lambda line: (-line.figures.sent, line.segment))


def dashboard() -> tuple[list[CampaignLine], list[SegmentLine]]:
    """Recent campaigns and segments across campaigns, from one read of the snapshots."""
    campaigns = _launched(max(RECENT, ACROSS))
    return recent(campaigns), by_segment(campaigns)
