"""Forms of the marketing UI: they turn query strings into domain values or say what is wrong."""

from django import forms
from django.db.models import Q
from django.http import QueryDict

from segmentation.customers.models import COUNTRY_CODE, CustomerQuerySet, DeviceType, Gender

HAS_ORDERS = {"yes": Q(order_count__gt=0), "no": Q(order_count=0)}
FILTERS = ("q", "country", "gender", "device", "has_orders")
MAX_ID = 2**63 - 1  # a bigger cursor would overflow the database's bigint, not just miss


class CountryField(forms.CharField):
    """A two-letter country code, accepted in any case ("de" means DE)."""

    default_validators = [COUNTRY_CODE]

    def to_python(self, value) -> str:
        return super().to_python(value).upper()


class AutoSubmitSelect(forms.Select):
    """A select whose change reloads the results (see hx-trigger on the form)."""

    def __init__(self, attrs=None, choices=()):
        super().__init__({"data-autosubmit": "", **(attrs or {})}, choices)


class CustomerFilterForm(forms.Form):
    """Search and filters of the customer list, plus the keyset cursor (`after` / `before`)."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Email, name, phone or external ID"}
        ),
        help_text="Matches the start of an email, first or last name, or phone number.",
    )
    country = CountryField(
        required=False,
        widget=forms.TextInput(
            attrs={
                "placeholder": "e.g. DE",
                "maxlength": 2,
                "autocomplete": "off",
                "list": "country-list",
                "data-autosubmit": "",
            }
        ),
    )
    gender = forms.ChoiceField(
        required=False, choices=[("", "Any"), *Gender.choices], widget=AutoSubmitSelect
    )
    device = forms.ChoiceField(
        required=False, choices=[("", "Any"), *DeviceType.choices], widget=AutoSubmitSelect
    )
    has_orders = forms.ChoiceField(
        label="Orders",
        required=False,
        choices=[("", "Any"), ("yes", "Has ordered"), ("no", "Never ordered")],
        widget=AutoSubmitSelect,
    )
    after = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput
    )
    before = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("after") and cleaned.get("before"):
            raise forms.ValidationError("Use either “after” or “before”, not both.")
        return cleaned

    def filter(self, customers: CustomerQuerySet) -> CustomerQuerySet:
        """Apply search and filters (not the cursor). Call only on a valid form."""
        data = self.cleaned_data
        customers = customers.search(data["q"])
        if data["country"]:
            customers = customers.filter(country=data["country"])
        if data["gender"]:
            customers = customers.filter(gender=data["gender"])
        if data["device"]:
            customers = customers.filter(device_type=data["device"])
        if data["has_orders"]:
            customers = customers.filter(HAS_ORDERS[data["has_orders"]])
        return customers

    def is_filtered(self) -> bool:
        return any(self.cleaned_data.get(name) for name in FILTERS)

    def query(self) -> QueryDict:
        """The filters in use as a query string (no empty values, no cursor): for page links."""
        query = QueryDict(mutable=True)
        for name in FILTERS:
            if self.cleaned_data.get(name):
                query[name] = self.cleaned_data[name]
        return query
