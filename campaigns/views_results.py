"""The campaign results page and its export: per track (segment) and variant the funnel with
95% intervals, the A/B verdicts in words, holdout lift, ROI and three charts with their tables.

The page renders from the stored snapshot (campaigns.results), never from the delivery rows:
a small campaign without one gets it computed during the request, a large one gets a refresh
queued. While a newer snapshot is on its way, a small status region asks every few seconds
whether it has arrived (one cheap read); when it has, the whole results region is swapped in
once, so the page does not jump under a reader while nothing changed.
"""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import reswap, retarget

from campaigns import charts, export, results, verdicts
from campaigns.models import AbMode, Campaign, CampaignResult, WinnerDecision, WinnerMetric
from campaigns.tasks import request_refresh
from campaigns.views import CHANGE, VIEW, _get_campaign_for_user
from segmentation.shared.access import role_required

TEMPLATE = "campaigns/results.html"
POLL_SECONDS = 3
MAX_POLLS = 40  # two minutes; then the page stops asking and offers "Refresh now"
COMPARED = [("click", "Click rate"), ("conversion", "Conversion rate")]
FORMATS = ("csv", "xlsx")


@dataclass
class TrackSection:
    """One track's results with what the page adds around them."""

    track: verdicts.TrackResult
    number: int
    decision: WinnerDecision | None
    waiting: int
    said: list[tuple[str, list[verdicts.Verdict]]]  # (measure, verdicts) with something said
    funnel: charts.FunnelChart
    compare: charts.ComparisonChart
    timeline: charts.TimelineChart

    @property
    def chart_id(self) -> str:
        return f"track-{self.track.id}"

    @property
    def lift_id(self) -> str:
        return f"lift-track-{self.track.id}"

    @property
    def decision_summary(self) -> str:
        # The summary is a sentence; the page continues it with who got what.
        return self.decision.summary.rstrip(".") if self.decision else ""


def current(campaign: Campaign) -> CampaignResult | None:
    """The snapshot to show. A small campaign without one is computed here and now; a large
    one, or a stale one still changing, gets a refresh enqueued (the page polls for it)."""
    result = CampaignResult.objects.filter(campaign=campaign).first()
    if result is None and results.small(campaign):
        return results.refresh(campaign)
    if result is None or (results.stale(result) and results.still_changing(campaign)):
        request_refresh(campaign)
    return result


@require_GET
@vary_on_headers("HX-Request")
@role_required(VIEW)
def campaign_results(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _get_campaign_for_user(request, pk)
    context = {"campaign": campaign, "section": "campaigns", "launched": bool(campaign.launched_at)}
    if not campaign.launched_at:  # a draft or a scheduled campaign: no deliveries yet
        return render(request, TEMPLATE, context)
    snapshot = current(campaign)
    context.update(_status(request, campaign, snapshot))
    polled = request.htmx and request.GET.get("region") == "status"
    if polled and context["refreshing"]:
        return render(request, TEMPLATE + "#status", context)
    if snapshot is not None:
        context.update(_report_context(campaign, snapshot))
    if polled:  # the newer snapshot is here: replace the whole region, once
        response = render(request, TEMPLATE + "#results", context)
        return reswap(retarget(response, "#results"), "outerHTML")
    return render(request, TEMPLATE, context)


def _status(request: HttpRequest, campaign: Campaign, snapshot: CampaignResult | None) -> dict:
    """Whether the page waits for a newer snapshot, and its next question if so."""
    shown = _shown(request)
    if snapshot is None:
        refreshing = True
    elif shown is not None:  # the page shows `shown` and waits for a newer one
        refreshing = snapshot.computed_at <= shown
    elif request.GET.get("region") == "status":  # it waited for the first one: here it is
        refreshing = False
    else:
        refreshing = results.stale(snapshot) and results.still_changing(campaign)
    poll = _int(request.GET.get("poll"))
    after = shown or (snapshot.computed_at if snapshot else None)
    return {
        "snapshot": snapshot,
        "refreshing": refreshing,
        "polling": refreshing and poll < MAX_POLLS,
        "poll_url": _poll_url(campaign, after, poll + 1),
        "poll_seconds": POLL_SECONDS,
    }


def _shown(request: HttpRequest) -> datetime | None:
    """The time of the snapshot the page shows (from the poll's URL); anything else: None."""
    try:
        shown = parse_datetime(request.GET.get("after", ""))
    except ValueError:
        return None
    return shown if shown and timezone.is_aware(shown) else None


def _int(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and len(raw) < 6 else 0


def _poll_url(campaign: Campaign, after: datetime | None, poll: int) -> str:
    query = {"region": "status", "poll": poll} | ({"after": after.isoformat()} if after else {})
    return reverse("campaign_results", args=[campaign.pk]) + "?" + urlencode(query)


def _report_context(campaign: Campaign, snapshot: CampaignResult) -> dict:
    report = verdicts.build(campaign, snapshot.data)
    decisions = {
        d.track_id: d
        for d in WinnerDecision.objects.filter(track__campaign=campaign).select_related("winner")
    }
    sections = [
        _section(report, track, n, decisions.get(track.id))
        for n, track in enumerate(report.tracks, start=1)
    ]
    has_opens = str(WinnerMetric.OPEN) in report.metrics
    winner_mode = campaign.ab_mode == AbMode.WINNER
    return {
        "report": report,
        "sections": sections,
        "has_opens": has_opens,
        "winner_mode": winner_mode,
        "winner_metric": WinnerMetric(campaign.winner_metric).label.lower(),
        # The holdout row's note spans the funnel's columns after "Frozen".
        "holdout_span": 8 + has_opens + len(report.extra_labels) + winner_mode,
    }


def _section(
    report: verdicts.Report,
    track: verdicts.TrackResult,
    number: int,
    decision: WinnerDecision | None,
) -> TrackSection:
    labels = dict(WinnerMetric.choices)
    said = [(labels[m], track.verdicts[m]) for m in report.metrics if track.verdicts.get(m)]
    entries = [e for e in report.timeline if e["track"] == track.id]
    with_opens = str(WinnerMetric.OPEN) in report.metrics
    return TrackSection(
        track=track,
        number=number,
        decision=decision,
        waiting=sum(v.counts.get("waiting", 0) for v in track.variants),
        said=said,
        funnel=charts.funnel(track.variants, with_opens),
        compare=charts.comparison(track.variants, COMPARED),
        timeline=charts.timeline(entries, [(v.id, v.label) for v in track.variants]),
    )


class CostForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["cost"]


@require_POST
@role_required(CHANGE)
def campaign_cost(request: HttpRequest, pk: int) -> HttpResponse:
    """The cost is often known only after the send (the invoice): it may change whenever,
    unlike the rest of a launched campaign; ROI is computed from it on each view."""
    campaign = _get_campaign_for_user(request, pk)
    form = CostForm(request.POST, instance=campaign)
    if form.is_valid():
        form.save()
        messages.success(request, "Cost saved: ROI uses it from now on.")
    else:
        messages.error(request, "Cost: " + " ".join(form.errors.get("cost", ["not valid."])))
    return _see_other(reverse("campaign_results", args=[campaign.pk]))


@require_POST
@role_required(VIEW)
def campaign_results_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue a recomputation (at most one per campaign at a time) and wait for it on the page."""
    campaign = _get_campaign_for_user(request, pk)
    url = reverse("campaign_results", args=[campaign.pk])
    if not campaign.launched_at:
        return _see_other(url)
    shown = CampaignResult.objects.filter(campaign=campaign).only("computed_at").first()
    if request_refresh(campaign):
        messages.success(request, "Refreshing the results: the page shows them when ready.")
        # The page then waits for a snapshot newer than the one it showed.
        after = "?" + urlencode({"after": shown.computed_at.isoformat()}) if shown else ""
        return _see_other(url + after)
    messages.info(request, "A refresh is already on its way: the page shows it when ready.")
    return _see_other(url)


def _see_other(url: str) -> HttpResponse:
    response = redirect(url)
    response.status_code = 303
    return response


@require_GET
@role_required(VIEW)
def campaign_results_export(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _get_campaign_for_user(request, pk)
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        return HttpResponseBadRequest(
            "Unknown export format: use ?format=csv or ?format=xlsx.",
            content_type="text/plain; charset=utf-8",
        )
    if not campaign.launched_at:  # nothing sent: the columns without rows
        return export.response(verdicts.build(campaign, {"tracks": []}), fmt)
    snapshot = current(campaign)
    if snapshot is None:
        response = HttpResponse(
            "The results are still being computed: try again in a minute.",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = "30"
        return response
    return export.response(verdicts.build(campaign, snapshot.data), fmt)
