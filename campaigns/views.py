"""Campaign pages: the list, the wizard (basics and tracks), review and launch, the detail page
with its progress region, and pause / resume / cancel.

The wizard edits drafts only: once launched, the audience and content are frozen in delivery
rows, so every page of a launched campaign is read-only and every edit posted to it is refused
with a message (never applied, never a 500). Content per track: campaigns.views_content.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from campaigns import audience, winner
from campaigns.forms import CampaignForm
from campaigns.models import (
    AbMode,
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryStatus,
    Track,
    Variant,
)
from campaigns.rendering.checks import PARTS
from campaigns.rendering.context import variable_notes
from campaigns.sending import lifecycle
from campaigns.sending.progress import progress
from campaigns.views_outbox import email_outbox_in_use
from segmentation.segments.models import Segment
from segmentation.segments.tree import RuleError
from segmentation.shared.access import role_required

VIEW = "campaigns.view_campaign"
ADD = "campaigns.add_campaign"
CHANGE = "campaigns.change_campaign"
DELETE = "campaigns.delete_campaign"
PAGE_SIZE = 25
# The detail page's progress region asks again every 2 s while any of these holds.
LIVE = (CampaignStatus.SCHEDULED, CampaignStatus.SENDING, CampaignStatus.PAUSED)


def _get_campaign_for_user(request: HttpRequest, pk: int) -> Campaign:
    # Campaigns are the marketing team's shared work: every role that sees them sees them all.
    return get_object_or_404(Campaign.objects.select_related("topic"), pk=pk)


def _refuse_unless_draft(request: HttpRequest, campaign: Campaign) -> HttpResponse | None:
    """A launched campaign's content is what was sent: an edit posted to it is refused."""
    if campaign.status == CampaignStatus.DRAFT:
        return None
    messages.error(request, f"'{campaign.name}' was launched: it cannot be changed any more.")
    response = redirect(campaign)
    response.status_code = 303
    return response


# --- list -----------------------------------------------------------------------------------


@require_GET
@role_required(VIEW)
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = Campaign.objects.annotate(track_count=Count("tracks")).order_by(
        "-created_at", "-id"
    )
    page = Paginator(campaigns, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = _delivery_counts([c.pk for c in page.object_list])
    for campaign in page.object_list:
        campaign.frozen, campaign.sent = counts.get(campaign.pk, (0, 0))
    context = {"page": page, "outbox_in_use": email_outbox_in_use(), "section": "campaigns"}
    return render(request, "campaigns/campaign_list.html", context)


def _delivery_counts(ids: list[int]) -> dict[int, tuple[int, int]]:
    """(frozen, sent) per campaign of one page, in one query after paginating."""
    rows = (
        Delivery.objects.filter(campaign_id__in=ids)
        .order_by()
        .values("campaign_id")
        .annotate(frozen=Count("id"), sent=Count("id", filter=Q(status=DeliveryStatus.SENT)))
    )
    return {row["campaign_id"]: (row["frozen"], row["sent"]) for row in rows}


# --- wizard: basics and tracks ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(VIEW, ADD)
def campaign_new(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        campaign = form.save(commit=False)
        campaign.created_by = request.user
        campaign.save()
        messages.success(request, f"Created '{campaign.name}'. Now add its tracks.")
        return redirect("campaign_edit", campaign.pk)
    status = 400 if form.is_bound else 200
    return _edit_page(request, None, form, status)


@require_http_methods(["GET", "POST"])
@role_required(VIEW)
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 1 and 2 of the wizard: the basics form and the list of tracks."""
    campaign = _get_campaign_for_user(request, pk)
    if request.method == "GET":
        return _edit_page(request, campaign, CampaignForm(instance=campaign))
    if not request.user.has_perm(CHANGE):
        raise PermissionDenied
    if refused := _refuse_unless_draft(request, campaign):
        return refused
    form = CampaignForm(request.POST, instance=campaign)
    if not form.is_valid():
        return _edit_page(request, campaign, form, 400)
    form.save()
    messages.success(request, f"Saved '{campaign.name}'.")
    return redirect("campaign_edit", campaign.pk)


def _edit_page(request, campaign, form, status=200, track_error="") -> HttpResponse:
    context = {"campaign": campaign, "form": form, "section": "campaigns"}
    if campaign is not None:
        tracks = list(campaign.tracks.select_related("segment").prefetch_related("variants"))
        used = {t.segment_id for t in tracks}
        context.update(
            tracks=tracks,
            segments=Segment.objects.exclude(pk__in=used).order_by("name"),
            editable=campaign.status == CampaignStatus.DRAFT and request.user.has_perm(CHANGE),
            track_error=track_error,
        )
    return render(request, "campaigns/campaign_edit.html", context, status=status)


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 12 else None


@require_POST
@role_required(VIEW, CHANGE)
def track_add(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _get_campaign_for_user(request, pk)
    if refused := _refuse_unless_draft(request, campaign):
        return refused
    segment = Segment.objects.filter(pk=_int(request.POST.get("segment"))).first()
    if segment is None:
        error = "Choose one of the segments to add as a track."
        return _edit_page(request, campaign, CampaignForm(instance=campaign), 400, error)
    try:
        with transaction.atomic():
            last = campaign.tracks.aggregate(last=Max("position"))["last"]
            track = Track.objects.create(
                campaign=campaign, segment=segment, position=0 if last is None else last + 1
            )
            # Every track starts with one variant that gets everyone; B, C... are added later.
            Variant.objects.create(track=track, label="A", weight=100)
    except IntegrityError:
        error = f"'{segment.name}' is a track of this campaign already."
        return _edit_page(request, campaign, CampaignForm(instance=campaign), 400, error)
    messages.success(request, f"Added the track '{segment.name}'. Write its message.")
    return redirect("track_content", campaign.pk, track.pk)


def _get_track(campaign: Campaign, track_id: int) -> Track:
    return get_object_or_404(campaign.tracks.select_related("segment"), pk=track_id)


@require_POST
@role_required(VIEW, CHANGE)
def track_move(request: HttpRequest, pk: int, track_id: int) -> HttpResponse:
    """Up or down by one: earlier tracks win customers who are in several."""
    campaign = _get_campaign_for_user(request, pk)
    if refused := _refuse_unless_draft(request, campaign):
        return refused
    track = _get_track(campaign, track_id)
    step = -1 if request.POST.get("direction") == "up" else 1
    with transaction.atomic():
        order = list(campaign.tracks.select_for_update().order_by("position", "id"))
        i = next(i for i, t in enumerate(order) if t.pk == track.pk)
        j = i + step
        if 0 <= j < len(order):
            order[i], order[j] = order[j], order[i]
        for position, each in enumerate(order):
            Track.objects.filter(pk=each.pk).update(position=position)
    return redirect("campaign_edit", campaign.pk)


@require_POST
@role_required(VIEW, CHANGE)
def track_remove(request: HttpRequest, pk: int, track_id: int) -> HttpResponse:
    campaign = _get_campaign_for_user(request, pk)
    if refused := _refuse_unless_draft(request, campaign):
        return refused
    track = _get_track(campaign, track_id)
    track.delete()
    messages.success(request, f"Removed the track '{track.segment.name}' and its content.")
    return _go(request, reverse("campaign_edit", args=[campaign.pk]))


@require_POST
@role_required(VIEW, DELETE)
def campaign_delete(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _get_campaign_for_user(request, pk)
    if refused := _refuse_unless_draft(request, campaign):
        return refused
    campaign.delete()
    messages.success(request, f"Deleted the draft '{campaign.name}'.")
    return _go(request, reverse("campaign_list"))


def _go(request: HttpRequest, url: str) -> HttpResponse:
    """After a form posted by htmx (to ask for confirmation first), load the next page whole."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


# --- review and launch -------------------------------------------------------------------------


@require_GET
@role_required(VIEW)
def campaign_review(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _get_campaign_for_user(request, pk)
    if campaign.status != CampaignStatus.DRAFT:
        return redirect(campaign)
    return _review_page(request, campaign)


def _review_page(request, campaign, status=200, problems=None) -> HttpResponse:
    problems = lifecycle.launch_problems(campaign) if problems is None else problems
    plan = _plan_or_none(campaign)
    context = {
        "campaign": campaign,
        "problems": problems,
        "plan": plan,
        "notes": _content_notes(campaign),
        "section": "campaigns",
    }
    if plan is not None:
        for track in plan.tracks:
            track.reasons = [row for row in reason_rows(track.skipped) if row[2]]
        context["skipped"] = reason_rows(plan.skipped)
    return render(request, "campaigns/campaign_review.html", context, status=status)


def _content_notes(campaign: Campaign) -> list[str]:
    """What other apps say about variables the content uses (a survey link on a track
    without a survey): worth knowing before launch, not a reason to refuse it."""
    notes = []
    tracks = campaign.tracks.select_related("segment").prefetch_related("variants")
    for track in tracks:
        sources = [getattr(v, part) for v in track.variants.all() for part in PARTS]
        notes += [f"{track.segment.name}: {note}" for note in variable_notes(track, sources)]
    return notes


REASON_LABELS = {
    audience.EARLIER_TRACK: "In an earlier track (gets that track's message)",
    audience.NO_CONSENT: "No consent or no address for the channel",
    audience.TOPIC: "Not subscribed to the topic",
    audience.FREQUENCY_PREFERENCE: "Asked for fewer messages (own frequency)",
    audience.FREQUENCY_CAP: "Capped: reached the global frequency cap",
}


def reason_rows(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    """(reason, label, count) for every reason, in the order freezing applies them."""
    return [(key, text, counts.get(key, 0)) for key, text in REASON_LABELS.items()]


def _plan_or_none(campaign: Campaign) -> audience.Plan | None:
    """The counts, when the tracks can be counted (every one has a variant and valid rules)."""
    tracks = list(campaign.tracks.prefetch_related("variants"))
    if not tracks or any(not t.variants.all() for t in tracks):
        return None
    try:
        return audience.plan(campaign)
    except RuleError:  # a segment's rules broke since: launch_problems says which
        return None


@require_POST
@role_required(VIEW, CHANGE)
def campaign_launch(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _get_campaign_for_user(request, pk)
    if refused := _refuse_unless_draft(request, campaign):
        return refused
    try:
        lifecycle.launch(campaign)
    except lifecycle.LaunchError as error:
        return _review_page(request, campaign, 409, error.problems)
    if campaign.status == CampaignStatus.SCHEDULED:
        messages.success(request, f"Scheduled '{campaign.name}'.")
    else:
        messages.success(request, f"Launched '{campaign.name}': sending now.")
    return redirect(campaign)


# --- detail, progress and the sending controls -------------------------------------------------


@require_GET
@vary_on_headers("HX-Request")
@role_required(VIEW)
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _get_campaign_for_user(request, pk)
    template = "campaigns/campaign_detail.html"
    context = _progress_context(campaign)
    if request.htmx:
        return render(request, template + "#progress", context)
    tracks = campaign.tracks.select_related("segment").prefetch_related("variants")
    context.update(tracks=tracks, section="campaigns")
    return render(request, template, context)


def _progress_context(campaign: Campaign) -> dict:
    figures = progress(campaign)
    to_send = figures["frozen"] - figures["holdout"]
    done = to_send - figures["remaining"]
    return {
        "campaign": campaign,
        "progress": figures,
        "to_send": to_send,
        "done": done,
        "percent": round(100 * done / to_send) if to_send else 100,
        "live": campaign.status in LIVE,
        "freeze_reasons": [row for row in reason_rows(figures["skipped_at_freeze"]) if row[2]],
        "ab_tracks": _ab_tracks(campaign) if campaign.ab_mode == AbMode.WINNER else [],
    }


def _ab_tracks(campaign: Campaign) -> list[dict]:
    """Test-then-winner per track: the decision made, or when it is due."""
    rows = []
    tracks = campaign.tracks.select_related("segment", "decision__winner").prefetch_related(
        "variants"
    )
    for track in tracks:
        if len(track.variants.all()) < 2:
            continue
        decision = getattr(track, "decision", None)
        due = None if decision or not campaign.launched_at else winner.due_at(track)
        rows.append({"track": track, "decision": decision, "due": due})
    return rows


def _control(request: HttpRequest, pk: int, action, done: str, not_done: str) -> HttpResponse:
    campaign = _get_campaign_for_user(request, pk)
    if action(campaign):
        messages.success(request, done.format(name=campaign.name))
    else:
        messages.error(request, not_done.format(status=campaign.get_status_display().lower()))
    return _go(request, campaign.get_absolute_url())


@require_POST
@role_required(VIEW, CHANGE)
def campaign_pause(request: HttpRequest, pk: int) -> HttpResponse:
    return _control(
        request, pk, lifecycle.pause,
        "Paused '{name}': nothing more is sent until you resume.",
        "Only a campaign that is sending can be paused; this one is {status}.",
    )  # fmt: skip


@require_POST
@role_required(VIEW, CHANGE)
def campaign_resume(request: HttpRequest, pk: int) -> HttpResponse:
    return _control(
        request, pk, lifecycle.resume,
        "Resumed '{name}'.",
        "Only a paused campaign can be resumed; this one is {status}.",
    )  # fmt: skip


@require_POST
@role_required(VIEW, CHANGE)
def campaign_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _control(
        request, pk, lifecycle.cancel,
        "Cancelled '{name}': messages not sent yet will not be sent.",
        "This campaign is {status}: there is nothing to cancel.",
    )  # fmt: skip
