"""Segments: the list with cached sizes, the builder with its live preview, the overlap matrix.

The builder is one HTML form (see segmentation.segments.form for how its inputs encode the rule
tree). Without JavaScript every button posts the whole form to the page, which comes back with
the edit applied and the preview computed; with htmx the same buttons and inputs post to
`segment_preview`, which answers with the preview region and, after a structural edit, the
rules region out of band.
"""

import datetime as dt
import re

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from segmentation.customers import rfm
from segmentation.customers.models import Customer, StatsSnapshot
from segmentation.segments import form as rule_form
from segmentation.segments import tasks
from segmentation.segments.catalogue import Field, catalogue
from segmentation.segments.models import Segment
from segmentation.segments.preview import Preview, preview, sample_customers, warnings_for
from segmentation.segments.stats import base_summary, exact_result
from segmentation.segments.tree import RuleError, check, compile_definition, empty
from segmentation.shared.access import role_required

BUILDER = "segmentation/segment_builder.html"
PAGE_SIZE = 50
OVERLAP_MAX = 20
OVERLAP_DEFAULT = 10
# The preview region asks for the exact figures once a second, this many times, then stops.
EXACT_POLLS = 60
EXACT_KEY = re.compile(r"^[0-9a-f]{32}$")
# Inputs whose change alters which inputs a rule shows: the rules region is drawn again.
STRUCTURAL = re.compile(r"^n(\.\d+)*\.(field|op|negate)$|^action$")

VIEW = "segmentation.view_segment"
ADD = "segmentation.add_segment"
CHANGE = "segmentation.change_segment"
DELETE = "segmentation.delete_segment"


class SegmentForm(forms.ModelForm):
    class Meta:
        model = Segment
        fields = ["name", "description"]
        widgets = {"description": forms.TextInput()}
        error_messages = {"name": {"required": "Give the segment a name."}}

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        others = Segment.objects.filter(name__iexact=name).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(
                f"There is already a segment called '{name}': choose another name."
            )
        return name


def _get_segment_for_user(request: HttpRequest, pk: int) -> Segment:
    # Segments are the marketing team's shared work: every role that sees them sees them all.
    return get_object_or_404(Segment, pk=pk)


# --- list -----------------------------------------------------------------------------------


@require_GET
@role_required(VIEW)
def segment_list(request: HttpRequest) -> HttpResponse:
    segments = Segment.objects.select_related("created_by").order_by("name")
    page = Paginator(segments, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for segment in page.object_list:
        segment.counted_ago = _ago(segment.counted_at, now)
    context = {"page": page, "section": "segments"}
    if not page.object_list or request.GET.get("starters"):
        # Starters compute a median basket: only when they are shown.
        context["starters"] = _starters_to_offer()
    return render(request, "segmentation/segment_list.html", context)


def _ago(moment, now) -> str:
    if moment is None:
        return ""
    return "just now" if now - moment < dt.timedelta(minutes=1) else f"{timesince(moment, now)} ago"


def _starters_to_offer() -> list[tuple[str, str]]:
    taken = {name.lower() for name in Segment.objects.values_list("name", flat=True)}
    return [
        (name, text) for name, text, _ in rfm.starter_definitions() if name.lower() not in taken
    ]


@require_POST
@role_required(VIEW, ADD)
def segment_starters(request: HttpRequest) -> HttpResponse:
    name = request.POST.get("name", "")
    starter = next((s for s in rfm.starter_definitions() if s[0] == name), None)
    if starter is None:
        messages.error(request, "There is no starter segment of that name.")
        return _bad_starter(request)
    name, description, definition = starter
    if Segment.objects.filter(name__iexact=name).exists():
        messages.error(request, f"A segment called '{name}' already exists.")
        return redirect("segment_list")
    try:
        with transaction.atomic():
            segment = Segment.objects.create(
                name=name, description=description[:300], definition=definition,
                created_by=request.user,
            )  # fmt: skip
            tasks.recount_segment.delay_on_commit(segment.pk)
    except IntegrityError:  # created by someone else a moment ago
        messages.error(request, f"A segment called '{name}' already exists.")
        return redirect("segment_list")
    messages.success(request, f"Created the starter segment '{name}'.")
    return redirect(segment)


def _bad_starter(request: HttpRequest) -> HttpResponse:
    response = redirect("segment_list")
    response.status_code = 400
    return response


@require_POST
@role_required(VIEW, CHANGE)
def segment_recount(request: HttpRequest, pk: int) -> HttpResponse:
    segment = _get_segment_for_user(request, pk)
    tasks.recount_segment.delay_on_commit(segment.pk)
    messages.success(request, f"Recounting '{segment.name}': reload the list in a moment.")
    return redirect("segment_list")


# --- builder --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(VIEW, ADD)
def segment_new(request: HttpRequest) -> HttpResponse:
    return _builder(request, None)


@require_http_methods(["GET", "POST"])
@role_required(VIEW)
def segment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    segment = _get_segment_for_user(request, pk)
    if request.method == "POST" and not request.user.has_perm(CHANGE):
        raise PermissionDenied
    return _builder(request, segment)


def _builder(request: HttpRequest, segment: Segment | None) -> HttpResponse:
    fields = catalogue()
    if request.method == "GET":
        definition = rule_form.normalise(segment.definition if segment else empty(), fields)
        return _page(request, segment, SegmentForm(instance=segment), definition, fields)
    definition = _posted_definition(request, fields)
    if "save" not in request.POST:
        details = SegmentForm(initial=_posted_details(request), instance=segment)
        return _page(request, segment, details, definition, fields)
    details = SegmentForm(request.POST, instance=segment)
    problems = check(definition, segment.pk if segment else None)
    if details.is_valid() and not problems:
        return _save(request, details, definition)
    return _page(request, segment, details, definition, fields, status=400, failed=True)


def _posted_definition(request: HttpRequest, fields: dict[str, Field]) -> dict:
    definition = rule_form.decode(request.POST, fields)
    action = request.POST.get("action", "")
    return rule_form.apply(definition, action) if action else definition


def _posted_details(request: HttpRequest) -> dict:
    return {"name": request.POST.get("name", ""), "description": request.POST.get("description")}


def _save(request: HttpRequest, details: SegmentForm, definition: dict) -> HttpResponse:
    segment = details.save(commit=False)
    creating = segment.pk is None
    segment.definition = definition
    if creating:
        segment.created_by = request.user
    try:
        figures = preview(definition, segment.pk)
    except RuleError:  # a referenced segment changed since the check: count it later
        figures = None
    exact = figures is not None and figures.summary.exact
    if exact:
        _cache_figures(segment, figures)
    try:
        with transaction.atomic():
            segment.save()
            if not exact:
                tasks.recount_segment.delay_on_commit(segment.pk)
    except IntegrityError:
        details.add_error("name", "There is already a segment with this name: choose another.")
        fields = catalogue()
        page = segment if not creating else None
        return _page(request, page, details, definition, fields, status=400, failed=True)
    messages.success(request, f"Saved the segment '{segment.name}'.")
    if request.htmx:
        return HttpResponseClientRedirect(reverse("segment_list"))
    return redirect("segment_list")


def _cache_figures(segment: Segment, figures: Preview) -> None:
    segment.size = figures.summary.count
    segment.reachable_email = figures.summary.reachable_email
    segment.reachable_sms = figures.summary.reachable_sms
    segment.counted_at = figures.summary.taken_at or timezone.now()


def _page(request, segment, details, definition, fields, status=200, failed=False):
    context = _builder_context(definition, segment.pk if segment else None, fields)
    context.update(
        segment=segment,
        details=details,
        failed=failed,
        section="segments",
        save_url=segment.get_absolute_url() if segment else reverse("segment_new"),
        may_save=request.user.has_perm(CHANGE if segment else ADD),
    )
    return render(request, BUILDER, context, status=status)


def _builder_context(definition: dict, segment_id: int | None, fields: dict[str, Field]) -> dict:
    try:
        result, problems = preview(definition, segment_id), []
    except RuleError as error:
        result, problems = None, error.problems
    root = rule_form.tree(definition, fields, problems)
    return {
        "tree": root,
        "nodes": list(rule_form.walk(root)),
        "preview": result,
        "problems": problems,
        "summary_problems": [str(p) for p in problems],
        "field_groups": rule_form.field_groups(fields),
        "segment_id": segment_id,
        "exact_polls": EXACT_POLLS,
        "preview_url": reverse("segment_preview"),
        # Called by the template only when it draws the rules (not for a value edit).
        "countries": StatsSnapshot.known_countries,
    }


@require_POST
@role_required(VIEW)
def segment_preview(request: HttpRequest) -> HttpResponse:
    """The builder's live region: the preview, plus the rules after an edit (htmx)."""
    fields = catalogue()
    segment = _posted_segment(request)
    definition = _posted_definition(request, fields)
    if not request.htmx:
        details = SegmentForm(initial=_posted_details(request), instance=segment)
        return _page(request, segment, details, definition, fields)
    context = _builder_context(definition, segment.pk if segment else None, fields)
    structural = bool(STRUCTURAL.match(request.htmx.trigger_name or ""))
    parts = [f"{BUILDER}#preview", f"{BUILDER}#{'rules' if structural else 'rule_problems'}"]
    context["oob"] = True
    html = "".join(render_to_string(part, context, request) for part in parts)
    return HttpResponse(html)


def _posted_segment(request: HttpRequest) -> Segment | None:
    raw = request.POST.get("segment_id", "")
    return Segment.objects.filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 12 else None


@require_GET
@role_required(VIEW)
def segment_exact(request: HttpRequest, key: str) -> HttpResponse:
    """Polled by an estimated preview: the exact figures once the background count is done."""
    if not EXACT_KEY.match(key):
        raise Http404
    tries = _int(request.GET.get("try"), 1)
    summary = exact_result(key)
    if summary is None:
        context = {"exact_key": key, "tries": tries + 1, "exact_polls": EXACT_POLLS}
        return render(request, f"{BUILDER}#poller", context)
    result = Preview(summary=summary, base=base_summary())
    result.sample = sample_customers(summary.sample_ids)
    shown = Segment.objects.in_bulk(list(summary.overlaps))
    result.overlaps = sorted(
        ((shown[pk], share) for pk, share in summary.overlaps.items() if pk in shown and share > 0),
        key=lambda item: -item[1],
    )
    result.warnings = warnings_for(result)
    response = render(request, f"{BUILDER}#figures", {"preview": result})
    return reswap(retarget(response, "#figures"), "outerHTML")


def _int(raw: str | None, default: int) -> int:
    return int(raw) if raw and raw.isdigit() and len(raw) < 6 else default


# --- delete ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(VIEW, DELETE)
def segment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    segment = _get_segment_for_user(request, pk)
    referrers = referring_segments(segment)
    context = {"segment": segment, "referrers": referrers, "section": "segments"}
    if request.method == "GET":
        return render(request, "segmentation/segment_delete.html", context)
    if referrers:
        names = ", ".join(f"'{s.name}'" for s in referrers)
        messages.error(request, f"'{segment.name}' is used by {names}: change those first.")
        return render(request, "segmentation/segment_delete.html", context, status=409)
    segment.delete()
    messages.success(request, f"Deleted the segment '{segment.name}'.")
    return redirect("segment_list")


def referring_segments(segment: Segment) -> list[Segment]:
    """Saved segments whose rules say "member of" this one."""
    wanted = str(segment.pk)
    return [
        other
        for other in Segment.objects.exclude(pk=segment.pk).only("pk", "name", "definition")
        if wanted in _segment_refs(other.definition)
    ]


def _segment_refs(node, depth: int = 0) -> set[str]:
    if not isinstance(node, dict) or depth > 20:
        return set()
    if node.get("type") == "condition" and node.get("field") == "segment":
        value = node.get("value")
        return {str(v) for v in value} if isinstance(value, list) else {str(value)}
    children = node.get("children")
    if not isinstance(children, list):
        return set()
    return set().union(*(_segment_refs(child, depth + 1) for child in children))


# --- overlap --------------------------------------------------------------------------------


@require_GET
@role_required(VIEW)
def segment_overlap(request: HttpRequest) -> HttpResponse:
    everything = list(Segment.objects.order_by("-updated_at", "pk").only("pk", "name"))
    chosen_ids = _chosen_ids(request, everything)
    context = {"segments": sorted(everything, key=lambda s: s.name.lower()), "section": "segments"}
    context.update(chosen=chosen_ids, limit=OVERLAP_MAX)
    if len(chosen_ids) > OVERLAP_MAX:
        context["error"] = (
            f"You chose {len(chosen_ids)} segments: compare at most {OVERLAP_MAX} at a time."
        )
    elif len(chosen_ids) < 2:
        context["error"] = "Choose at least two segments to compare." if everything else ""
    else:
        context.update(overlap_matrix(Segment.objects.filter(pk__in=chosen_ids).order_by("name")))
    return render(request, "segmentation/segment_overlap.html", context)


def _chosen_ids(request: HttpRequest, everything: list[Segment]) -> set[int]:
    if "chosen" not in request.GET:  # first visit: the most recently changed
        return {s.pk for s in everything[:OVERLAP_DEFAULT]}
    known = {s.pk for s in everything}
    picked = {int(v) for v in request.GET.getlist("s") if v.isdigit() and len(v) < 12}
    return picked & known


def overlap_matrix(segments) -> dict:
    """Sizes and pairwise intersections of the segments, in one aggregate query."""
    compiled, broken, now = [], [], timezone.now()
    for segment in segments:
        try:
            compiled.append((segment, compile_definition(segment.definition, segment.pk)))
        except RuleError:
            broken.append(segment)
    aggregates = {f"n{i}": Count("pk", filter=q) for i, (_, q) in enumerate(compiled)}
    for i, (_, qa) in enumerate(compiled):
        for j in range(i + 1, len(compiled)):
            aggregates[f"p{i}_{j}"] = Count("pk", filter=qa & compiled[j][1])
    counts = Customer.objects.aggregate(**aggregates) if aggregates else {}
    sizes = [counts[f"n{i}"] for i in range(len(compiled))]
    rows, pairs = [], []
    for i, (segment, _) in enumerate(compiled):
        cells = []
        for j in range(len(compiled)):
            both = sizes[i] if i == j else counts[f"p{min(i, j)}_{max(i, j)}"]
            cell = _pair(compiled[i][0], compiled[j][0], sizes[i], sizes[j], both)
            cells.append(cell)
            if i < j:
                pairs.append(cell)
        rows.append({"segment": segment, "size": sizes[i], "cells": cells})
    pairs.sort(key=lambda c: (-c["jaccard"], -c["both"], c["a"].name))
    return {"rows": rows, "pairs": pairs, "broken": broken, "counted_at": now}


def _pair(a: Segment, b: Segment, size_a: int, size_b: int, both: int) -> dict:
    union = size_a + size_b - both
    return {
        "a": a,
        "b": b,
        "both": both,
        "share_of_a": both / size_a if size_a else 0.0,
        "share_of_b": both / size_b if size_b else 0.0,
        "jaccard": both / union if union else 0.0,
        "same": a.pk == b.pk,
    }
