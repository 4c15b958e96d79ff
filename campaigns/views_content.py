"""A track's content: its variants (A, B, C...) edited together in one form, the preview of a
variant for a real customer of the track, test sends, and the live SMS counter.

The page is one form, like the segment builder: without JavaScript each button posts it to
the page (action=save, add_variant, remove:B, preview:A, test); with htmx the preview and the
SMS counter answer with their region only. Previews and tests use the content as posted (what
is on screen), so a marketer can look before saving; only "save" writes, and only content that
passes the checks.
"""

import re
import smtplib
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from campaigns import links, sms
from campaigns.forms import TestSendForm, VariantForm
from campaigns.models import Campaign, CampaignStatus, Track, Variant
from campaigns.rendering import compiled
from campaigns.rendering.checks import PARTS
from campaigns.rendering.context import available_variables, variable_notes
from campaigns.rendering.footer import SMS_OPTOUT_LABEL
from campaigns.rendering.mail import build_email
from campaigns.rendering.sms_length import sms_segments
from campaigns.views import CHANGE, VIEW, _get_campaign_for_user, _get_track, _refuse_unless_draft
from segmentation.customers.models import Channel, Customer
from segmentation.segments.catalogue import reachable_q
from segmentation.segments.tree import RuleError, members
from segmentation.shared.access import role_required

TRACK = "campaigns/track_content.html"
LABELS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MAX_VARIANTS = 6
LABEL = re.compile(r"^[A-Z]$")
SMS_FIELD = re.compile(r"^[A-Z]-sms_text$")


@require_http_methods(["GET", "POST"])
@role_required(VIEW)
def track_content(request: HttpRequest, pk: int, track_id: int) -> HttpResponse:
    campaign = _get_campaign_for_user(request, pk)
    track = _get_track(campaign, track_id)
    if request.method == "GET":
        return _page(request, campaign, track, _saved_forms(campaign, track))
    action = request.POST.get("action", "save")
    if action.startswith("preview:"):  # looks, changes nothing: every role that sees it
        return _preview(request, campaign, track, action.removeprefix("preview:"))
    if not request.user.has_perm(CHANGE):
        raise PermissionDenied
    if refused := _refuse_unless_draft(request, campaign):
        return refused
    if action == "test":
        return _test_send(request, campaign, track)
    if action == "add_variant":
        return _add_variant(request, campaign, track)
    if action.startswith("remove:"):
        return _remove_variant(request, campaign, track, action.removeprefix("remove:"))
    return _save(request, campaign, track)


def _page(request, campaign, track, forms, status=200, **extra) -> HttpResponse:
    editable = campaign.status == CampaignStatus.DRAFT and request.user.has_perm(CHANGE)
    for form in forms:
        form.sms_count = sms_count(_value(form, "sms_text"))
        if not editable:
            for field in form.fields.values():
                field.disabled = True
    context = {
        "campaign": campaign,
        "track": track,
        "forms": forms,
        "editable": editable,
        "sms": campaign.channel == Channel.SMS,
        "variables": available_variables(),
        "test_form": extra.pop("test_form", None) or TestSendForm(channel=campaign.channel),
        "can_add": len(forms) < MAX_VARIANTS,
        "variable_notes": variable_notes(
            track, [_value(form, part) for form in forms for part in PARTS]
        ),
        "section": "campaigns",
        **extra,
    }
    return render(request, TRACK, context, status=status)


def _value(form: VariantForm, name: str) -> str:
    if name not in form.fields:
        return ""
    value = form[name].value()
    return value if isinstance(value, str) else ""


def _saved_forms(campaign: Campaign, track: Track) -> list[VariantForm]:
    return [
        VariantForm(instance=variant, prefix=variant.label, channel=campaign.channel)
        for variant in track.variants.all()
    ]


# --- what was posted ----------------------------------------------------------------------------


def _posted_labels(request: HttpRequest, track: Track) -> list[str]:
    """The variants on screen, in order; the saved ones if the list makes no sense."""
    labels = request.POST.getlist("label")
    sane = (
        0 < len(labels) <= MAX_VARIANTS
        and all(LABEL.match(label) for label in labels)
        and len(set(labels)) == len(labels)
    )
    return labels if sane else [v.label for v in track.variants.all()]


def _posted_values(request: HttpRequest, label: str, saved: Variant | None) -> dict:
    """One variant's fields as posted; a field not posted (disabled: read-only) as saved."""
    values = {}
    for name in ("weight", "subject", "text_body", "html_body", "sms_text"):
        fallback = getattr(saved, name, "") if saved is not None else ""
        values[name] = request.POST.get(f"{label}-{name}", fallback)
    return values


def _unbound_forms(campaign, track, variants: list[tuple[str, dict]]) -> list[VariantForm]:
    """Forms showing posted values without judging them (after add / remove)."""
    return [
        VariantForm(
            initial=values,
            prefix=label,
            instance=Variant(track=track, label=label),
            channel=campaign.channel,
        )
        for label, values in variants
    ]


def _on_screen(request, track) -> list[tuple[str, dict]]:
    saved = {v.label: v for v in track.variants.all()}
    return [
        (label, _posted_values(request, label, saved.get(label)))
        for label in _posted_labels(request, track)
    ]


# --- add, remove, save ---------------------------------------------------------------------------


def _add_variant(request, campaign, track) -> HttpResponse:
    variants = _on_screen(request, track)
    if len(variants) >= MAX_VARIANTS:
        messages.error(request, f"A track has at most {MAX_VARIANTS} variants.")
        return _page(request, campaign, track, _unbound_forms(campaign, track, variants), 400)
    label = next(letter for letter in LABELS if letter not in {lab for lab, _ in variants})
    variants.append((label, {"subject": "", "text_body": "", "html_body": "", "sms_text": ""}))
    # An even split to start from (34/33/33): the marketer changes it as they like.
    share, extra = divmod(100, len(variants))
    for i, (_, values) in enumerate(variants):
        values["weight"] = share + (1 if i < extra else 0)
    forms = _unbound_forms(campaign, track, variants)
    note = f"Added variant {label} (not saved yet); the weights were split evenly."
    return _page(request, campaign, track, forms, note=note)


def _remove_variant(request, campaign, track, label: str) -> HttpResponse:
    variants = [(lab, values) for lab, values in _on_screen(request, track) if lab != label]
    if not variants:
        variants = _on_screen(request, track)
        messages.error(request, "A track needs at least one variant.")
        return _page(request, campaign, track, _unbound_forms(campaign, track, variants), 400)
    # Labels stay A, B, C... without gaps: C becomes B when B goes.
    relabelled = [(LABELS[i], values) for i, (_, values) in enumerate(variants)]
    forms = _unbound_forms(campaign, track, relabelled)
    note = f"Removed variant {label} (not saved yet): check the weights, then save."
    return _page(request, campaign, track, forms, note=note)


def _save(request, campaign, track) -> HttpResponse:
    saved = {v.label: v for v in track.variants.all()}
    labels = _posted_labels(request, track)
    forms = [
        VariantForm(
            request.POST,
            prefix=label,
            instance=saved.get(label) or Variant(track=track, label=label),
            channel=campaign.channel,
        )
        for label in labels
    ]
    weight_error = _check(forms)
    if weight_error or any(form.errors for form in forms):
        return _page(request, campaign, track, forms, 400, failed=True, weight_error=weight_error)
    with transaction.atomic():
        track.variants.exclude(label__in=labels).delete()
        for form in forms:
            variant = form.save(commit=False)
            variant.track, variant.label = track, form.prefix
            variant.save()
    messages.success(request, f"Saved the content of '{track.segment.name}'.")
    return redirect("track_content", campaign.pk, track.pk)


def _check(forms: list[VariantForm]) -> str:
    """Every form checked (fields, then content); the weights' sum, worded for a person."""
    weights = []
    for form in forms:
        if form.is_valid():
            form.check_content()
        weights.append(form.cleaned_data.get("weight"))
    if None in weights or sum(weights) == 100:
        return ""
    spelled = " + ".join(str(w) for w in weights)
    return f"The weights add up to {sum(weights)} ({spelled}): they must add up to 100."


# --- preview and test send ----------------------------------------------------------------------


def sample_customer(track: Track, channel: str) -> Customer | None:
    """A real member of the track, one who could receive it if there is one."""
    try:
        people = members(track.segment.definition, track.segment_id).order_by("pk")
    except RuleError:
        return None
    return people.filter(reachable_q(channel)).first() or people.first()


def _posted_variant(request, track, label: str) -> Variant:
    saved = track.variants.filter(label=label).first()
    values = _posted_values(request, label, saved)
    values.pop("weight")
    return Variant(track=track, label=label, **values)


def _preview(request, campaign, track, label: str) -> HttpResponse:
    if not LABEL.match(label):
        label = "A"
    context = {"campaign": campaign, "track": track, "label": label}
    context.update(_render_sample(track, _posted_variant(request, track, label), campaign))
    if request.htmx:
        return render(request, f"{TRACK}#preview", context)
    forms = _unbound_forms(campaign, track, _on_screen(request, track))
    return _page(request, campaign, track, forms, shown=context)


def _render_sample(track, variant, campaign) -> dict:
    customer = sample_customer(track, campaign.channel)
    if customer is None:
        return {"preview_error": "This track's segment has no members to preview with."}
    try:
        rendered = compiled.render(variant, customer, channel=campaign.channel, sample=True)
    except compiled.ContentError as error:
        return {"preview_error": f"Fix the content to see it: {error}"}
    return {"rendered": rendered, "customer": customer, "count": sms_count(rendered.sms)}


def _test_send(request, campaign, track) -> HttpResponse:
    label = request.POST.get("test_variant", "A")
    label = label if LABEL.match(label) else "A"
    test_form = TestSendForm(request.POST, channel=campaign.channel)
    forms = _unbound_forms(campaign, track, _on_screen(request, track))
    if not test_form.is_valid():
        return _page(request, campaign, track, forms, 400, test_form=test_form)
    to = test_form.cleaned_data["to"]
    variant = _posted_variant(request, track, label)
    # Someone must fill the template: a member of the track, or nobody (empty fields).
    customer = sample_customer(track, campaign.channel) or Customer(email=to)
    try:
        rendered = compiled.render(variant, customer, channel=campaign.channel, sample=True)
        _deliver_test(campaign, customer, rendered, to)
    except compiled.ContentError as error:
        result, status = (False, f"Not sent: fix the content first. {error}"), 400
    except (OSError, smtplib.SMTPException, TestSendError) as error:
        result, status = (False, f"Not sent: {error}"), 502
    else:
        note = "Test messages are not counted as deliveries."
        result, status = (True, f"Sent variant {label} to {to}. {note}"), 200
    return _page(request, campaign, track, forms, status, test_result=result)


class TestSendError(Exception):
    pass


def _deliver_test(campaign: Campaign, customer: Customer, rendered, to: str) -> None:
    if campaign.channel == Channel.SMS:
        message = sms.SmsMessage(to=to, text=rendered.sms, sender=campaign.sms_sender)
        backend = sms.get_backend()
        backend.open()
        try:
            result = backend.send_messages([message])[0]
        finally:
            backend.close()
        if not result.ok:
            raise TestSendError(result.error)
        return
    build_email(rendered, campaign, customer, to=to).send()


# --- the SMS counter ------------------------------------------------------------------------------

# Every SMS ends with an opt-out line; a link of a real delivery is as long as this one.
_FOOTER_EXAMPLE = uuid.UUID(int=0)


def sms_count(text: str) -> dict:
    """Encoding, characters and segments of the text with the opt-out line added."""
    footer = f"\n{SMS_OPTOUT_LABEL} {links.sms_optout_url(_FOOTER_EXAMPLE)}"
    encoding, characters, segments = sms_segments(text.strip() + footer)
    return {
        "encoding": encoding,
        "characters": characters,
        "segments": segments,
        "footer": len(footer),
    }


@require_POST
@role_required(VIEW)
def sms_counter(request: HttpRequest) -> HttpResponse:
    """The live counter under an SMS text (htmx, on input); the field is named in "field"."""
    field = request.POST.get("field", "")
    if not SMS_FIELD.match(field):
        field = ""
    text = request.POST.get(field, "") if field else ""
    context = {"label": field[:1] or "A", "count": sms_count(text[:5000])}
    return render(request, f"{TRACK}#sms_count", context)
