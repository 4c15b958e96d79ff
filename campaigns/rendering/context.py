"""What a template sees: the personalisation context, and the variables other apps fill.

Only plain values: customer fields, declared custom attributes as ``attributes.<key>``, the
opt-out and preference links, and variables provided by other apps (feedback: survey_url). No
model instances, no settings (listmonk's templates could read the server's secrets; ours
have nothing to read).
"""

import dataclasses
from collections.abc import Callable
from datetime import date
from typing import Any

from django.template import TemplateSyntaxError

from campaigns.models import Campaign, Delivery, Track
from campaigns.rendering.sandbox import CHECK_ENGINE, variables
from segmentation.customers.models import AttributeDefinition, AttributeType, Channel, Customer
from segmentation.shared import tokens

CUSTOMER_FIELDS = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email address",
    "phone": "Phone number",
    "city": "City",
    "region": "Region",
    "postal_code": "Postal code",
    "country": "Country code (e.g. DE)",
    "locale": "Language (e.g. de-DE)",
}
LINK_VARIABLES = {
    "unsubscribe_url": "Opt-out link (the footer has one anyway)",
    "preferences_url": "Preference center link",
}


# Variables other apps fill (feedback: survey_url), by name: provider(customer, delivery,
# campaign) -> str. Runs once per message when a template uses the variable: keep it cheap.
ContextProvider = Callable[[Customer, Delivery | None, Campaign | None], str]
_providers: dict[str, tuple[str, ContextProvider]] = {
    "survey_url": ("Feedback survey link (empty until a survey is attached)", lambda *_: ""),
}

# Notes for the content editor from the apps that fill variables (feedback: "no survey is
# attached to this track"), by variable: note(track) -> a sentence, or "" for none.
TrackNote = Callable[[Track], str]
_notes: dict[str, TrackNote] = {}

# Test sends show a real customer's content to someone else: their opt-out and preference
# links must not act for that customer.
SAMPLE_LINK = "#test-message"


def provide_variable(name: str, label: str, provider: ContextProvider) -> None:
    """Let another app fill a template variable (call it from that app's AppConfig.ready)."""
    _providers[name] = (label, provider)


def provide_note(name: str, note: TrackNote) -> None:
    """Let the app that fills a variable say something about a track whose content uses it."""
    _notes[name] = note


def variable_notes(track: Track, sources: list[str]) -> list[str]:
    """The notes about the provided variables these templates use. Templates that do not
    parse are skipped: check_variant() reports them."""
    used: set[str] = set()
    for source in sources:
        try:
            template = CHECK_ENGINE.from_string(source)
        except TemplateSyntaxError:
            continue
        used.update(use.lookups[0] for _, use in variables(template.nodelist, set()))
    return [text for name, note in _notes.items() if name in used and (text := note(track))]


def available_variables() -> dict[str, str]:
    """Every variable a template may use, with a label for the editor's help panel."""
    names = {**CUSTOMER_FIELDS, **LINK_VARIABLES}
    names.update({name: label for name, (label, _) in _providers.items()})
    for key, label in AttributeDefinition.objects.values_list("key", "label"):
        names[f"attributes.{key}"] = label
    return names


def declared_attributes() -> dict[str, str]:
    return dict(AttributeDefinition.objects.values_list("key", "type"))


def _plain_attribute(value: Any, kind: str) -> Any:
    """JSON scalars as they are (dates as dates); anything else (lists, objects) as ""."""
    if kind == AttributeType.DATE and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    if value is None or isinstance(value, dict | list):
        return ""
    return value


def topic_slug(campaign: Campaign | None) -> str:
    return campaign.topic.slug if campaign is not None and campaign.topic_id else ""


@dataclasses.dataclass(frozen=True)
class Recipe:
    """What a context needs: channel, topic, which names (None: all), which attributes."""

    channel: str
    topic_slug: str
    attributes: dict[str, str]
    names: frozenset[str] | None = None


def build_context(
    customer: Customer,
    delivery: Delivery | None,
    campaign: Campaign | None,
    recipe: Recipe,
    sample: bool = False,
) -> dict[str, Any]:
    wanted = recipe.names
    values: dict[str, Any] = {
        name: getattr(customer, name) or ""
        for name in CUSTOMER_FIELDS
        if wanted is None or name in wanted
    }
    stored = customer.attributes if isinstance(customer.attributes, dict) else {}
    values["attributes"] = {
        key: _plain_attribute(stored.get(key), kind) for key, kind in recipe.attributes.items()
    }
    values.update(_own_links(customer, delivery, recipe, sample))
    for name, (_, provider) in _providers.items():
        if wanted is None or name in wanted:
            values[name] = str(provider(customer, delivery, campaign) or "")
    return values


def _own_links(
    customer: Customer, delivery: Delivery | None, recipe: Recipe, sample: bool
) -> dict[str, str]:
    if sample:
        return {"unsubscribe_url": SAMPLE_LINK, "preferences_url": SAMPLE_LINK}
    ref = delivery.public_id.hex if delivery is not None else ""
    unsubscribe = tokens.unsubscribe_url(customer, recipe.channel, recipe.topic_slug, ref)
    return {"unsubscribe_url": unsubscribe, "preferences_url": tokens.preferences_url(customer)}


def context_for(
    customer: Customer, delivery: Delivery | None = None, campaign: Campaign | None = None
) -> dict[str, Any]:
    """The whole context a template of this campaign sees for this customer (plain values).

    Custom attributes are under ``attributes`` (``{{ attributes.vip }}``): declared keys only,
    "" where the customer has no value, dates as dates.
    """
    campaign = campaign if campaign is not None else getattr(delivery, "campaign", None)
    channel = campaign.channel if campaign is not None else Channel.EMAIL
    recipe = Recipe(channel, topic_slug(campaign), declared_attributes())
    return build_context(customer, delivery, campaign, recipe)


def known_names() -> set[str]:
    """The variables a template may use, besides custom attributes."""
    return {*CUSTOMER_FIELDS, *LINK_VARIABLES, *_providers}
