"""A variant compiled once per batch and rendered per recipient.

Rendering fills the templates from the recipient's context (context.py), numbers and tracks
the links (tracked_links.py) and adds the footer (footer.py). Rendering a delivery's message
again gives the same text, the same links and the same Message-ID (mail.py).
"""

import dataclasses

from django.template import Context, Template, TemplateSyntaxError

from campaigns import links
from campaigns.models import Campaign, Delivery, Variant
from campaigns.rendering.checks import explain, parts_for
from campaigns.rendering.context import Recipe, build_context, declared_attributes, topic_slug
from campaigns.rendering.footer import SMS_OPTOUT_LABEL, Footer, with_html_footer
from campaigns.rendering.sandbox import parse, variables
from campaigns.rendering.tracked_links import LinkTracker, text_from_html
from segmentation.customers.models import Channel, Customer


class ContentError(ValueError):
    """A variant's content does not compile; the message lists the problems."""


@dataclasses.dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    sms: str
    links: list[str]  # the tracked URLs as written, by number


@dataclasses.dataclass(frozen=True)
class CompiledVariant:
    """A variant parsed once; render() per recipient. Build it once per batch of sends."""

    channel: str
    templates: dict[str, Template | None]
    recipe: Recipe
    campaign: Campaign | None = None

    def render(
        self,
        customer: Customer,
        delivery: Delivery | None = None,
        campaign: Campaign | None = None,
        *,
        sample: bool = False,
    ) -> Rendered:
        """sample: a preview or test send (no delivery), whose footer links do nothing."""
        campaign = campaign if campaign is not None else self.campaign
        context = build_context(customer, delivery, campaign, self.recipe, sample)
        if self.channel == Channel.SMS:
            return self._render_sms(context, delivery)
        return self._render_email(context, delivery)

    def _fill(self, field: str, context: dict, autoescape: bool) -> str:
        template = self.templates[field]
        return template.render(Context(context, autoescape=autoescape)) if template else ""

    def _render_sms(self, context: dict, delivery: Delivery | None) -> Rendered:
        body = self._fill("sms_text", context, autoescape=False).strip()
        opt_out = (
            links.sms_optout_url(delivery.public_id)
            if delivery is not None
            else context["unsubscribe_url"]
        )
        return Rendered("", "", "", f"{body}\n{SMS_OPTOUT_LABEL} {opt_out}", [])

    def _render_email(self, context: dict, delivery: Delivery | None) -> Rendered:
        subject = " ".join(self._fill("subject", context, autoescape=False).split())
        html = self._fill("html_body", context, autoescape=True)
        text = self._fill("text_body", context, autoescape=False) or text_from_html(html)
        direct = {context["unsubscribe_url"], context["preferences_url"]}
        tracker = LinkTracker(delivery, direct)
        html = tracker.rewrite_html(html)
        text = tracker.rewrite_text(text)
        footer = Footer(context["unsubscribe_url"], context["preferences_url"], delivery)
        html = with_html_footer(html, footer.html()) if html else ""
        return Rendered(subject, text.rstrip() + footer.text(), html, "", tracker.urls)


def compile_variant(
    variant: Variant, channel: str | None = None, campaign: Campaign | None = None
) -> CompiledVariant:
    """Parse a variant's templates (cached by content) and fetch what every render needs.

    Raises ContentError when the content does not parse (check_variant says why).
    """
    if campaign is None:
        campaign = variant.track.campaign
    channel = channel or campaign.channel
    fields = parts_for(channel)
    try:
        parsed = parse(tuple(getattr(variant, field) for field in fields))
    except TemplateSyntaxError as error:
        raise ContentError(explain(error)) from error
    templates = dict(zip(fields, parsed, strict=True))
    declared = declared_attributes()
    used = {
        use.lookups: None
        for template in parsed
        if template is not None
        for _, use in variables(template.nodelist, set())
    }
    names = frozenset(path[0] for path in used)
    attributes = {path[1]: declared[path[1]] for path in used if _is_attribute(path, declared)}
    recipe = Recipe(channel, topic_slug(campaign), attributes, names)
    return CompiledVariant(channel, templates, recipe, campaign)


def _is_attribute(path: tuple[str, ...], declared: dict[str, str]) -> bool:
    return len(path) == 2 and path[0] == "attributes" and path[1] in declared


def render(
    variant: Variant,
    customer: Customer,
    delivery: Delivery | None = None,
    channel: str | None = None,
    *,
    sample: bool = False,
) -> Rendered:
    """One message for one customer. With a delivery: tracked links, pixel, attributed opt-out.
    Without: plain links, nothing tracked; sample=True for previews and test sends (the
    footer's links then do nothing, as they would act for the sample customer)."""
    campaign = delivery.campaign if delivery is not None else variant.track.campaign
    compiled = compile_variant(variant, channel, campaign)
    return compiled.render(customer, delivery, campaign, sample=sample)
