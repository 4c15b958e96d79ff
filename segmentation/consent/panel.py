"""The consent panel of the customer page: state per channel and topic, the full ledger, and
the form with which a data admin records a change (with a mandatory reason).

The customer page shows it as a registered section (segmentation.apps); the form posts here.
"""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from segmentation.consent import ledger
from segmentation.consent.ledger import Context
from segmentation.consent.models import ConsentAction, ConsentSource, Topic
from segmentation.customers.models import Channel, ConsentStatus, Customer
from segmentation.customers.views import customer_page
from segmentation.shared.access import role_required

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
        sent = ledger.request_opt_in(customer, channel, context, topics=[topic] if topic else [])
        return f"Confirmation link sent to {customer.email}." if sent else "Already granted."
    changed = ledger.record(customer, channel, action, context, topic=topic)
    return "Recorded." if changed else "Nothing changed: that was already the state."


@require_POST
@role_required("segmentation.view_customer", "segmentation.add_consentevent")
def customer_consent_change(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    form = ConsentChangeForm(request.POST)
    if form.is_valid():
        try:
            note = apply_change(request, customer, form.cleaned_data)
        except ledger.ConsentRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, note)
            if not request.htmx:
                return redirect(f"{customer.get_absolute_url()}#consent")
            customer.refresh_from_db()
            page = {"customer": customer, "section": consent_panel(customer)}
            return render(request, "segmentation/customer_consent.html#panel", page)
    if request.htmx:
        page = {"customer": customer, "section": consent_panel(customer, form)}
        return render(request, "segmentation/customer_consent.html#panel", page)
    page = customer_page(customer, {"consent": consent_panel(customer, form)})
    return render(request, "segmentation/customer_detail.html", page, status=400)
