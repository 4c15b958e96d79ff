"""The consent panel of the customer page: state per channel and topic, the full ledger, and
the form with which a data admin records a change (with a mandatory reason)."""

from django import forms
from django.http import HttpRequest

from segmentation import consent
from segmentation.consent import Context
from segmentation.models import (
    Channel,
    ConsentAction,
    ConsentSource,
    ConsentStatus,
    Customer,
    Topic,
)

ADMIN_ACTIONS = [
    (ConsentAction.WITHDRAWN, "Withdraw consent"),
    (ConsentAction.REQUESTED, "Send a double opt-in request"),
    (ConsentAction.GRANTED, "Record consent given (e.g. on paper)"),
]


class ConsentChangeForm(forms.Form):
    channel = forms.ChoiceField(choices=Channel.choices)
    topic = forms.ModelChoiceField(
        queryset=Topic.objects.filter(is_active=True), required=False, empty_label="(whole channel)"
    )
    action = forms.ChoiceField(choices=ADMIN_ACTIONS)
    reason = forms.CharField(
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "e.g. customer asked by phone on 3 May"}),
        help_text="Kept in the ledger with your name.",
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if len(reason) < 5:
            raise forms.ValidationError("Say why, in a few words: the reason is kept as proof.")
        return reason


def consent_panel(customer: Customer, form: ConsentChangeForm | None = None) -> dict:
    topics = {state.topic_id: state for state in customer.topic_consents.select_related("topic")}
    return {
        "channels": [
            {
                "label": label,
                "status": ConsentStatus(customer.consent_for(value)).label,
                "code": customer.consent_for(value),
                "address": customer.address_for(value),
            }
            for value, label in Channel.choices
        ],  # fmt: skip
        "topic_states": sorted(topics.values(), key=lambda s: s.topic.name),
        "events": customer.consent_events.select_related("topic", "wording").order_by(
            "-created_at", "-id"
        ),
        "consent_form": form or ConsentChangeForm(),
    }


def apply_change(request: HttpRequest, customer: Customer, data: dict) -> str:
    """Record what the form asked for; returns the note to show. Raises ConsentRefused."""
    context = Context(
        source=ConsentSource.ADMIN, actor=request.user.get_username(), evidence=data["reason"]
    )
    channel, topic, action = data["channel"], data["topic"], data["action"]
    if action == ConsentAction.REQUESTED:
        sent = consent.request_opt_in(customer, channel, context, topics=[topic] if topic else [])
        return f"Confirmation link sent to {customer.email}." if sent else "Already granted."
    changed = consent.record(customer, channel, action, context, topic=topic)
    return "Recorded." if changed else "Nothing changed: that was already the state."
