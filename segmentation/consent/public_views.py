"""Pages customers reach from links in messages: no login, a signed token is the credential.

Every token problem (tampered, unknown person) answers the same 404 page and changes nothing.
"""

import contextlib
import functools
import uuid

from django import forms
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from segmentation.consent import ledger, signals
from segmentation.consent.gdpr import export_customer
from segmentation.consent.ledger import ConsentRefused, Context
from segmentation.consent.models import ConsentSource, ConsentWording, Topic
from segmentation.customers.models import Channel, ConsentStatus, Customer, Frequency
from segmentation.shared import tokens
from segmentation.shared.ratelimit import client_ip, rate_limited

ONE_CLICK_BODY = "List-Unsubscribe=One-Click"


class InvalidLinkResponse(Http404):
    pass


def invalid_link(request: HttpRequest) -> HttpResponse:
    return render(request, "public/invalid_link.html", status=404)


def _resolve(purpose: str, token: str, max_age: int | None = None) -> tuple[Customer, list[str]]:
    """The customer a token names, or InvalidLinkResponse for anything that is not right."""
    try:
        parts = tokens.read(purpose, token, max_age=max_age)
        customer = Customer.objects.filter(public_id=uuid.UUID(hex=parts[0])).first()
    except (tokens.InvalidLink, ValueError, IndexError) as error:
        raise InvalidLinkResponse from error
    if customer is None:
        raise InvalidLinkResponse
    return customer, parts


def _context(request: HttpRequest, source: str, evidence: str = "", wording=None) -> Context:
    return Context(
        source=source,
        ip=client_ip(request) or None,
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        evidence=evidence,
        wording=wording,
    )


def _topics(slugs: str) -> list[Topic]:
    return list(Topic.objects.filter(slug__in=[s for s in slugs.split(",") if s]))


def public_view(view):
    """Rate limit, and turn any bad-token outcome into the one 404 page."""

    @rate_limited("public")
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except InvalidLinkResponse:
            return invalid_link(request)

    return wrapped


# RFC 8058: mailbox providers POST here without cookies or CSRF token; the signed URL is the
# only credential. GET (which mail scanners follow) only shows a page and changes nothing.
@csrf_exempt
@require_http_methods(["GET", "POST"])
@public_view
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    customer, (_, channel, topic_slug, ref) = _resolve("unsubscribe", token)
    if channel not in Channel.values:
        raise InvalidLinkResponse
    topic = Topic.objects.filter(slug=topic_slug).first() if topic_slug else None
    page = {
        "channel": Channel(channel).label,
        "topic": topic,
        "preferences_url": tokens.preferences_url(customer),
    }
    if request.method == "GET":
        return render(request, "public/unsubscribe.html", page)
    one_click = request.body.decode(errors="replace").strip() == ONE_CLICK_BODY
    how = "one-click (RFC 8058)" if one_click else "unsubscribe page"
    evidence = f"{how}; message {ref}" if ref else how
    context = _context(request, ConsentSource.UNSUBSCRIBE_LINK, evidence)
    ledger.withdraw(customer, channel, context, topic=topic)
    if ref:  # campaigns marks the delivery the link came from
        signals.unsubscribed.send(sender=Customer, customer=customer, channel=channel, ref=ref)
    return render(request, "public/unsubscribed.html", page)


class PreferencesForm(forms.Form):
    email = forms.BooleanField(required=False, label="Email")
    sms = forms.BooleanField(required=False, label="Text messages (SMS)")
    topics = forms.ModelMultipleChoiceField(
        queryset=Topic.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    frequency_days = forms.TypedChoiceField(
        choices=[("", "As often as there is news"), *Frequency.choices],
        coerce=int,
        empty_value=None,
        required=False,
        label="How often",
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("topics") and not data.get("email"):
            self.add_error("topics", "Topics come by email: tick Email to receive them.")
        return data


def _wanted(status: str) -> bool:
    return status in (ConsentStatus.GRANTED, ConsentStatus.PENDING)


def _preferences_initial(customer: Customer) -> dict:
    granted = customer.topic_consents.filter(channel=Channel.EMAIL).values_list("topic", "status")
    return {
        "email": _wanted(customer.email_consent),
        "sms": _wanted(customer.sms_consent),
        "topics": [topic for topic, status in granted if _wanted(status)],
        "frequency_days": customer.frequency_days,
    }


def _apply_preferences(request: HttpRequest, customer: Customer, data: dict) -> list[str]:
    """Withdraw what was unticked, start a double opt-in for what was ticked. Returns notes."""
    context = _context(request, ConsentSource.PREFERENCE_CENTER)
    initial = _preferences_initial(customer)
    notes: list[str] = []
    topics = set(data["topics"])
    before = set(Topic.objects.filter(pk__in=initial["topics"]))
    for topic in before - topics:
        ledger.withdraw(customer, Channel.EMAIL, context, topic=topic)
    new_topics = topics - before
    for channel in Channel.values:
        if initial[channel] and not data[channel]:
            ledger.withdraw(customer, channel, context)
    wanted = {channel for channel in Channel.values if data[channel] and not initial[channel]}
    try:
        if new_topics:
            # A confirmed topic also confirms email, so one link covers both.
            ledger.request_opt_in(customer, Channel.EMAIL, context, topics=new_topics)
            wanted.discard(Channel.EMAIL)
        for channel in sorted(wanted):
            ledger.request_opt_in(customer, channel, context)
    except ConsentRefused as refusal:
        notes.append(str(refusal))
    else:
        if new_topics or wanted:
            notes.append(f"We sent a link to {customer.email}: open it to confirm.")
    if data["frequency_days"] != customer.frequency_days:
        customer.frequency_days = data["frequency_days"]
        customer.save(update_fields=["frequency_days", "updated_at"])
    return notes


@require_http_methods(["GET", "POST"])
@public_view
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    customer, _ = _resolve("preferences", token, settings.SEGMENTA_PREFERENCES_MAX_AGE)
    notes: list[str] = []
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            notes = _apply_preferences(request, customer, form.cleaned_data)
            customer.refresh_from_db()
            form = PreferencesForm(initial=_preferences_initial(customer))
            notes.insert(0, "Your preferences are saved.")
    else:
        form = PreferencesForm(initial=_preferences_initial(customer))
    page = {"customer": customer, "form": form, "notes": notes, "token": token}
    page["pending"] = customer.topic_consents.filter(status=ConsentStatus.PENDING)
    return render(request, "public/preferences.html", page)


@require_GET
@public_view
def preferences_export(request: HttpRequest, token: str) -> HttpResponse:
    customer, _ = _resolve("preferences", token, settings.SEGMENTA_PREFERENCES_MAX_AGE)
    response = JsonResponse(
        export_customer(customer), encoder=DjangoJSONEncoder, json_dumps_params={"indent": 2}
    )
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@public_view
def preferences_erase(request: HttpRequest, token: str) -> HttpResponse:
    customer, _ = _resolve("preferences", token, settings.SEGMENTA_PREFERENCES_MAX_AGE)
    if request.method == "GET" or request.POST.get("confirm") != "erase":
        return render(request, "public/erase.html", {"customer": customer, "token": token})
    ledger.erase(customer, _context(request, ConsentSource.PREFERENCE_CENTER, "erase me"))
    return render(request, "public/erased.html")


@require_http_methods(["GET", "POST"])
@public_view
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    max_age = settings.SEGMENTA_CONFIRMATION_MAX_AGE
    try:
        customer, (_, channel, slugs) = _resolve("confirm", token, max_age)
    except InvalidLinkResponse as error:
        if isinstance(error.__cause__, tokens.ExpiredLink):
            return render(request, "public/confirm_expired.html", status=410)
        raise
    if channel not in Channel.values:
        raise InvalidLinkResponse
    topics = _topics(slugs)
    page = {"customer": customer, "channel": Channel(channel).label, "topics": topics}
    if request.method == "GET":
        return render(request, "public/confirm.html", page)
    context = _context(request, ConsentSource.SIGNUP_FORM, "double opt-in link")
    confirmed = [ledger.confirm(customer, channel, t, context) for t in topics or [None]]
    page["already"] = not any(confirmed)
    return render(request, "public/confirmed.html", page)


class SignupForm(forms.Form):
    email = forms.EmailField(max_length=254)
    first_name = forms.CharField(max_length=100, required=False)
    topics = forms.ModelMultipleChoiceField(
        queryset=Topic.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # Bots fill every field; people never see this one.
    website = forms.CharField(required=False, widget=forms.HiddenInput)


def _signup(request: HttpRequest, data: dict, wording) -> None:
    if data["website"]:
        return
    customer, created = Customer.objects.get_or_create(
        email=data["email"].strip().lower(), defaults={"first_name": data["first_name"]}
    )
    evidence = "new signup" if created else "signup by an existing customer"
    context = _context(request, ConsentSource.SIGNUP_FORM, evidence, wording=wording)
    # The page says the same either way: no enumeration of who is subscribed.
    with contextlib.suppress(ConsentRefused):
        ledger.request_opt_in(customer, Channel.EMAIL, context, topics=data["topics"])


# Embeddable in other sites' pages (an iframe gets no first-party cookies, so no CSRF cookie
# either). A POST can only start a double opt-in, which needs the mailbox owner's click.
@csrf_exempt
@xframe_options_exempt
@require_http_methods(["GET", "POST"])
@public_view
def subscribe(request: HttpRequest) -> HttpResponse:
    wording = ConsentWording.objects.order_by("-created_at").first()
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _signup(request, form.cleaned_data, wording)
        return render(request, "public/subscribe_sent.html", {"email": form.cleaned_data["email"]})
    return render(request, "public/subscribe.html", {"form": form, "wording": wording})
