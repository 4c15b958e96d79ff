"""Forms of the campaign pages: the basics of a campaign and one variant's content.

A track's variants are edited together (their weights must add up to 100), each as a
VariantForm with the variant's label as prefix ("A-weight", "B-subject"...).
"""

import datetime as dt
import json
import zoneinfo
from functools import lru_cache

from django import forms
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign, Variant
from campaigns.rendering.checks import PARTS, check_variant
from segmentation.consent.models import Topic
from segmentation.customers.models import E164, Channel

NOW, LATER = "now", "later"
AB_FIELDS = ("ab_mode", "test_percent", "winner_metric", "winner_wait_hours", "winner_fallback")
COMMON_ZONES = ("UTC", "Europe/Berlin", "Europe/London", "Europe/Paris", "America/New_York")


@lru_cache(maxsize=1)
def timezone_choices() -> list[tuple[str, str]]:
    zones = sorted(zoneinfo.available_timezones() - set(COMMON_ZONES))
    return [(zone, zone) for zone in (*COMMON_ZONES, *zones)]


class CampaignForm(forms.ModelForm):
    """The basics; the schedule is "now" or a local date-time in a chosen time zone."""

    send = forms.ChoiceField(
        label="When",
        choices=[(NOW, "When I launch it"), (LATER, "At a date and time")],
        widget=forms.RadioSelect,
        initial=NOW,
    )
    send_at = forms.DateTimeField(
        label="Date and time",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    schedule_timezone = forms.ChoiceField(label="Time zone", choices=timezone_choices)

    class Meta:
        model = Campaign
        fields = [
            "name", "channel", "sender_name", "sender_email", "sms_sender", "topic",
            "holdout_percent", "conversion_window_days", "cost",
            "ab_mode", "test_percent", "winner_metric", "winner_wait_hours", "winner_fallback",
        ]  # fmt: skip
        widgets = {"ab_mode": forms.RadioSelect}
        labels = {
            "test_percent": "Test share (%)",
            "winner_metric": "Pick the winner on",
            "winner_wait_hours": "Wait before picking (hours)",
            "winner_fallback": "If no variant is significantly better",
            "holdout_percent": "Holdout (%)",
            "conversion_window_days": "Conversion window (days)",
            "cost": "Cost",
        }
        help_texts = {
            "sender_name": "Shown as the email's sender name.",
            "sms_sender": "An alphanumeric sender id (up to 11 characters) or a number.",
            "conversion_window_days": "Orders this many days after the send count as its result.",
            "cost": "What the campaign costs, for its return on investment.",
        }
        error_messages = {"name": {"required": "Give the campaign a name."}}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = Topic.objects.filter(is_active=True)
        self.fields["topic"].empty_label = "No topic: everyone who consented to the channel"
        campaign = self.instance
        if campaign.scheduled_at and not self.is_bound:
            zone = _zone(campaign.schedule_timezone)
            self.initial["send"] = LATER
            self.initial["send_at"] = campaign.scheduled_at.astimezone(zone).replace(tzinfo=None)
        self.initial.setdefault("schedule_timezone", campaign.schedule_timezone or "UTC")
        for name in AB_FIELDS:
            # A campaign without variants to test need not say how to test them.
            self.fields[name].required = False

    def clean(self) -> dict:
        data = super().clean()
        for name in AB_FIELDS:
            if data.get(name) in (None, "") and name not in self.errors:
                data[name] = getattr(self.instance, name)
        if data.get("channel") == Channel.SMS and data.get("winner_metric") == "open":
            # Text messages carry no open pixel.
            self.add_error("winner_metric", "Text messages have no opens: pick another measure.")
        if data.get("send") != LATER:
            data["scheduled_at"] = None
            return data
        local = data.get("send_at")
        if local is None:
            if "send_at" not in self.errors:
                self.add_error("send_at", "Choose the date and time to send at.")
            return data
        # The browser sends a wall-clock time: it means that time in the chosen zone.
        zone = _zone(data.get("schedule_timezone") or "UTC")
        when = timezone.make_aware(local.replace(tzinfo=None), zone)
        if when <= timezone.now():
            self.add_error("send_at", "Choose a time in the future (or send when you launch).")
        data["scheduled_at"] = when
        return data

    def save(self, commit: bool = True) -> Campaign:
        campaign = super().save(commit=False)
        campaign.scheduled_at = self.cleaned_data.get("scheduled_at")
        campaign.schedule_timezone = self.cleaned_data.get("schedule_timezone") or "UTC"
        if commit:
            campaign.save()
        return campaign


def _zone(name: str) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


# check_variant's messages start with the part's label, or name what is missing.
_MISSING = {
    "Write a subject.": "subject",
    "Write a text body, an HTML body, or both.": "text_body",
    "Write the SMS text.": "sms_text",
}


def content_fields(channel: str) -> list[str]:
    return ["sms_text"] if channel == Channel.SMS else ["subject", "text_body", "html_body"]


class VariantForm(forms.ModelForm):
    class Meta:
        model = Variant
        fields = ["weight", "subject", "text_body", "html_body", "sms_text"]
        labels = {"weight": "Weight (%)", "html_body": "HTML body", "sms_text": "SMS text"}
        widgets = {
            "weight": forms.NumberInput(attrs={"min": 1, "max": 100, "class": "weight"}),
            "text_body": forms.Textarea(attrs={"rows": 6}),
            "html_body": forms.Textarea(attrs={"rows": 8, "class": "code"}),
            "sms_text": forms.Textarea(attrs={"rows": 4}),
        }
        error_messages = {
            "weight": {
                "invalid": "Enter the weight as a whole number from 1 to 100.",
                "required": "Enter a weight from 1 to 100.",
                "min_value": "A weight is at least 1.",
                "max_value": "A weight is at most 100.",
            }
        }

    def __init__(self, *args, channel: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.channel = channel
        for name in ("subject", "text_body", "html_body", "sms_text"):
            if name not in content_fields(channel):
                del self.fields[name]
        if "sms_text" in self.fields:
            # The live counter: htmx posts the form on input, the field named in "field".
            self.fields["sms_text"].widget.attrs.update({
                "hx-post": reverse("campaign_sms_count"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": f"#sms-count-{self.prefix}",
                "hx-swap": "outerHTML",
                "hx-vals": json.dumps({"field": f"{self.prefix}-sms_text"}),
            })  # fmt: skip

    @property
    def label(self) -> str:
        return self.prefix

    def content(self) -> list:
        return [self[name] for name in content_fields(self.channel)]

    def check_content(self) -> None:
        """The renderer's checks, each shown next to the field it is about."""
        variant = self.instance
        for name, value in self.cleaned_data.items():
            setattr(variant, name, value)
        for problem in check_variant(variant, self.channel):
            self.add_error(_field_of(problem), problem)


def _field_of(problem: str) -> str | None:
    if problem in _MISSING:
        return _MISSING[problem]
    for field, label in PARTS.items():
        if problem.startswith(f"{label}:"):
            return field
    return None


class TestSendForm(forms.Form):
    """Where a test message goes: an email address, or a phone number for SMS."""

    to = forms.CharField(label="Send a test to", max_length=254)

    def __init__(self, *args, channel: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.channel = channel
        attrs = self.fields["to"].widget.attrs
        if channel == Channel.SMS:
            attrs.update(type="tel", placeholder="+4915112345678", autocomplete="tel")
        else:
            attrs.update(type="email", placeholder="you@example.com", autocomplete="email")

    def clean_to(self) -> str:
        to = self.cleaned_data["to"].strip()
        if self.channel == Channel.SMS:
            E164(to.replace(" ", ""))
            return to.replace(" ", "")
        forms.EmailField().clean(to)
        return to
