"""Message content: personalisation over a restricted context, the footer, tracked links.

Templates are Django template syntax run by an isolated engine that knows only a few tags and
filters (SAFE_TAGS, SAFE_FILTERS: nothing that loads, includes, turns escaping off or marks
text safe) and sees only plain values: customer fields, declared custom attributes as
``attributes.<key>``, and links. No model instances, no settings (listmonk's templates could
read the server's secrets; ours have nothing to read).

Links: every http(s) link in the rendered HTML (``href`` of ``<a>``/``<area>``) and text is
numbered in order of first appearance, HTML body first, then the text body; a URL that appears
again keeps its first number, so the same render always numbers the same way. With a delivery,
each is replaced by a signed click link carrying (delivery, number); the opt-out and
preference links are left direct. SMS links are not rewritten (every character costs).

The footer (opt-out and preference links; in SMS a short opt-out link) is added after
rendering, outside anything the template left open, so no template can remove or hide it.
"""

import dataclasses
import difflib
import html as htmllib
import re
from collections.abc import Callable, Iterator
from datetime import date
from email.utils import formataddr, make_msgid
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template import (
    Context,
    Engine,
    Library,
    Template,
    TemplateSyntaxError,
    defaultfilters,
    defaulttags,
)
from django.template.base import FilterExpression, Node, Variable
from django.template.defaulttags import TemplateLiteral
from django.utils.html import strip_tags

from campaigns import links
from campaigns.models import Campaign, Delivery, Track, Variant
from segmentation.consent.ledger import list_unsubscribe_headers
from segmentation.customers.models import AttributeDefinition, AttributeType, Channel, Customer
from segmentation.shared import tokens

# Tags and filters a message may use. Deliberately small: anything that reaches templates,
# URLs, settings or the debug context (include, load, url, debug...), or that switches
# escaping off (autoescape, filter, safe), is missing, so using it is a syntax error.
SAFE_TAGS = ("if", "with", "firstof", "now", "comment")
SAFE_FILTERS = (
    "default",
    "default_if_none",
    "upper",
    "lower",
    "title",
    "capfirst",
    "truncatechars",
    "truncatewords",
    "yesno",
    "pluralize",
    "floatformat",
    "add",
    "cut",
    "date",
    "length",
    "slugify",
    "urlencode",
    "linebreaksbr",
)

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
LITERALS = ("True", "False", "None")

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

SMS_OPTOUT_LABEL = "Opt out:"
# Test sends show a real customer's content to someone else: their opt-out and preference
# links must not act for that customer.
SAMPLE_LINK = "#test-message"
# Elements that keep what follows them from showing (or run code): refused by the checker,
# and made harmless text by render() should a variant get past it.
HIDING_ELEMENTS = (
    "script",
    "template",
    "noscript",
    "noembed",
    "noframes",
    "plaintext",
    "xmp",
    "iframe",
    "object",
    "embed",
    "textarea",
)
_HIDING_TAG = re.compile(r"<(?=(?:" + "|".join(HIDING_ELEMENTS) + r")\b)", re.IGNORECASE)
_HREF = re.compile(
    r"""(<(?:a|area)\b[^>]*?\bhref\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""",
    re.IGNORECASE | re.DOTALL,
)
_TEXT_URL = re.compile(r"""https?://[^\s<>"'`]+""", re.IGNORECASE)
_VOID_ELEMENTS = frozenset(
    ("area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta")
    + ("param", "source", "track", "wbr")
)

register = Library()
for _name in SAFE_TAGS:
    register.tag(_name, defaulttags.register.tags[_name])
for _name in SAFE_FILTERS:
    register.filter(_name, defaultfilters.register.filters[_name])


class _IsolatedEngine(Engine):
    """No template loaders, no app libraries, and our library as the only builtins."""

    default_builtins: list[str] = []

    def get_template_builtins(self, builtins: list[str]) -> list[Library]:
        return [register]


_ENGINE = _IsolatedEngine(loaders=[], libraries={})
_CHECK_ENGINE = _IsolatedEngine(loaders=[], libraries={}, debug=True)  # errors carry lines


class ContentError(ValueError):
    """A variant's content does not compile; the message lists the problems."""


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
            template = _CHECK_ENGINE.from_string(source)
        except TemplateSyntaxError:
            continue
        used.update(use.lookups[0] for _, use in _variables(template.nodelist, set()))
    return [text for name, note in _notes.items() if name in used and (text := note(track))]


def available_variables() -> dict[str, str]:
    """Every variable a template may use, with a label for the editor's help panel."""
    names = {**CUSTOMER_FIELDS, **LINK_VARIABLES}
    names.update({name: label for name, (label, _) in _providers.items()})
    for key, label in AttributeDefinition.objects.values_list("key", "label"):
        names[f"attributes.{key}"] = label
    return names


# --- the context -------------------------------------------------------------------------


def _declared_attributes() -> dict[str, str]:
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


def _topic_slug(campaign: Campaign | None) -> str:
    return campaign.topic.slug if campaign is not None and campaign.topic_id else ""


@dataclasses.dataclass(frozen=True)
class _Recipe:
    """What a context needs: channel, topic, which names (None: all), which attributes."""

    channel: str
    topic_slug: str
    attributes: dict[str, str]
    names: frozenset[str] | None = None


def _context(
    customer: Customer,
    delivery: Delivery | None,
    campaign: Campaign | None,
    recipe: _Recipe,
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
    customer: Customer, delivery: Delivery | None, recipe: _Recipe, sample: bool
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
    recipe = _Recipe(channel, _topic_slug(campaign), _declared_attributes())
    return _context(customer, delivery, campaign, recipe)


# --- checking ----------------------------------------------------------------------------

PARTS = {
    "subject": "Subject",
    "text_body": "Text body",
    "html_body": "HTML body",
    "sms_text": "SMS text",
}


def _parts_for(channel: str) -> tuple[str, ...]:
    return ("sms_text",) if channel == Channel.SMS else ("subject", "text_body", "html_body")


def check_variant(variant: Variant, channel: str) -> list[str]:
    """Problems that stop this content from being sent, worded for the person who wrote it."""
    problems = _missing_parts(variant, channel)
    known = _known_names()
    attributes = set(_declared_attributes())
    for field in _parts_for(channel):
        source = getattr(variant, field)
        if not source:
            continue
        label = PARTS[field]
        try:
            template = _CHECK_ENGINE.from_string(source)
        except TemplateSyntaxError as error:
            problems.append(f"{label}: {_explain(error)}")
            continue
        problems += [f"{label}: {p}" for p in _unknown_variables(template, known, attributes)]
        if field == "html_body":
            problems += [f"{label}: {p}" for p in _html_problems(source)]
    return problems


def _missing_parts(variant: Variant, channel: str) -> list[str]:
    if channel == Channel.SMS:
        return [] if variant.sms_text.strip() else ["Write the SMS text."]
    missing = [] if variant.subject.strip() else ["Write a subject."]
    if not (variant.text_body.strip() or variant.html_body.strip()):
        missing.append("Write a text body, an HTML body, or both.")
    return missing


def _known_names() -> set[str]:
    return {*CUSTOMER_FIELDS, *LINK_VARIABLES, *_providers}


_DJANGO_TAGS = frozenset(defaulttags.register.tags) | {"extends", "block", "include", "load"}


def _line(error: TemplateSyntaxError) -> str:
    line = getattr(error, "template_debug", {}).get("line")
    return f"line {line}: " if line else ""


def _explain(error: TemplateSyntaxError) -> str:
    """Django's parser messages, reworded where a marketer would not follow them."""
    message = str(error)
    where = _line(error)
    allowed_tags = ", ".join(SAFE_TAGS)
    if match := re.match(r"Invalid filter: '(\w+)'", message):
        name = match[1]
        return (
            f"{where}the filter |{name} is not available. You can use: {', '.join(SAFE_FILTERS)}."
        )
    if match := re.match(r"Invalid block tag on line \d+: '(\w+)', expected (.+?)\.", message):
        return f"{where}{{% {match[1]} %}} found where {match[2]} was expected."
    if match := re.match(r"Invalid block tag on line \d+: '(\w+)'", message):
        name = match[1]
        if name.startswith("end") or name in ("else", "elif", "empty"):
            return f"{where}{{% {name} %}} has no opening tag to belong to."
        if name in _DJANGO_TAGS:
            return (
                f"{where}the tag {{% {name} %}} is not allowed in messages. "
                f"You can use: {allowed_tags}."
            )
        return f"{where}unknown tag {{% {name} %}}. You can use: {allowed_tags}."
    if match := re.match(r"(\w+) requires 2 arguments, 1 provided", message):
        return f'{where}the filter |{match[1]} needs a value, as in |{match[1]}:"...".'
    if match := re.match(r"(\w+) requires 1 arguments, 2 provided", message):
        return f"{where}the filter |{match[1]} takes no value after a colon."
    if match := re.match(r"Unclosed tag on line \d+: '(\w+)'", message):
        return f"{where}{{% {match[1]} %}} is never closed: add {{% end{match[1]} %}}."
    return where + re.sub(r" on line \d+", "", message)


def _unknown_variables(template: Template, known: set[str], attributes: set[str]) -> list[str]:
    problems: list[str] = []
    for line, variable in _variables(template.nodelist, set()):
        problem = _variable_problem(variable, known, attributes)
        if problem and problem not in problems:
            problems.append(f"line {line}: {problem}" if line else problem)
    return problems


def _variable_problem(variable: "_Use", known: set[str], attributes: set[str]) -> str | None:
    path = variable.lookups
    shown = "{{ " + ".".join(path) + " }}"
    if path[0] == "attributes":
        if len(path) == 2 and path[1] in attributes:
            return None
        declared = ", ".join(sorted(attributes)) or "none yet"
        if len(path) != 2:
            example = "{{ attributes.<key> }}"
            return f"{shown}: write a custom attribute as {example} (declared: {declared})."
        return f"{shown}: there is no custom attribute '{path[1]}' (declared: {declared})."
    if path[0] in known or path[0] in variable.bound or path[0] in LITERALS:
        if len(path) == 1:
            return None
        return f"{shown}: use a filter (such as |upper) instead of a dot after {path[0]}."
    guess = difflib.get_close_matches(path[0], sorted(known), n=1)
    hint = f" Did you mean {{{{ {guess[0]} }}}}?" if guess else ""
    return f"unknown variable {shown}.{hint}"


@dataclasses.dataclass(frozen=True)
class _Use:
    lookups: tuple[str, ...]
    bound: frozenset[str]


def _variables(nodelist: list[Node], bound: set[str]) -> Iterator[tuple[int, _Use]]:
    """Every variable the nodes read, with its line and the names bound around it."""
    for node in nodelist:
        line = getattr(getattr(node, "token", None), "lineno", 0)
        for expression in _expressions(node):
            for variable in _expression_variables(expression):
                yield line, _Use(tuple(variable.lookups), frozenset(bound))
        inner = set(bound)
        inner.update(getattr(node, "extra_context", {}) or {})  # {% with name=... %}
        for child in _child_nodelists(node):
            yield from _variables(child, inner)
        if getattr(node, "asvar", None):  # {% now "Y" as year %} binds for what follows
            bound.add(node.asvar)


def _child_nodelists(node: Node) -> Iterator[list[Node]]:
    if hasattr(node, "conditions_nodelists"):
        for _, nodelist in node.conditions_nodelists:
            yield nodelist
    elif getattr(node, "nodelist", None) is not None and node.__class__.__name__ != "CommentNode":
        yield node.nodelist


def _expressions(node: Node) -> Iterator[FilterExpression]:
    if hasattr(node, "filter_expression"):
        yield node.filter_expression
    for condition, _ in getattr(node, "conditions_nodelists", ()):
        yield from _condition_expressions(condition)
    yield from (getattr(node, "extra_context", None) or {}).values()
    yield from getattr(node, "vars", ())


def _condition_expressions(condition: Any) -> Iterator[FilterExpression]:
    if condition is None:
        return
    if isinstance(condition, TemplateLiteral):
        yield condition.value
        return
    yield from _condition_expressions(condition.first)
    yield from _condition_expressions(condition.second)


def _expression_variables(expression: FilterExpression) -> Iterator[Variable]:
    if isinstance(expression.var, Variable) and expression.var.lookups:
        yield expression.var
    for _, arguments in expression.filters:
        for is_lookup, argument in arguments:
            if is_lookup and isinstance(argument, Variable) and argument.lookups:
                yield argument


def _html_problems(source: str) -> list[str]:
    problems = []
    for name in HIDING_ELEMENTS:
        if re.search(rf"<{name}\b", source, re.IGNORECASE):
            problems.append(f"<{name}> is not allowed in emails.")
    if _open_comment(source):
        problems.append("a comment <!-- is never closed with -->.")
    return problems


def _open_comment(html: str) -> bool:
    return html.rfind("<!--") > html.rfind("-->")


# --- compiling and rendering -------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    sms: str
    links: list[str]  # the tracked URLs as written, by number


@lru_cache(maxsize=512)
def _compile(sources: tuple[str, ...]) -> tuple[Template | None, ...]:
    """Parsed templates by content, so an edited variant is never served stale."""
    return tuple(_ENGINE.from_string(source) if source else None for source in sources)


@dataclasses.dataclass(frozen=True)
class CompiledVariant:
    """A variant parsed once; render() per recipient. Build it once per batch of sends."""

    channel: str
    templates: dict[str, Template | None]
    recipe: _Recipe
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
        context = _context(customer, delivery, campaign, self.recipe, sample)
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
        text = self._fill("text_body", context, autoescape=False) or _text_from_html(html)
        direct = {context["unsubscribe_url"], context["preferences_url"]}
        tracker = _LinkTracker(delivery, direct)
        html = tracker.rewrite_html(html)
        text = tracker.rewrite_text(text)
        footer = _Footer(context["unsubscribe_url"], context["preferences_url"], delivery)
        html = _with_html_footer(html, footer.html()) if html else ""
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
    fields = _parts_for(channel)
    try:
        parsed = _compile(tuple(getattr(variant, field) for field in fields))
    except TemplateSyntaxError as error:
        raise ContentError(_explain(error)) from error
    templates = dict(zip(fields, parsed, strict=True))
    declared = _declared_attributes()
    used = {
        use.lookups: None
        for template in parsed
        if template is not None
        for _, use in _variables(template.nodelist, set())
    }
    names = frozenset(path[0] for path in used)
    attributes = {path[1]: declared[path[1]] for path in used if _is_attribute(path, declared)}
    recipe = _Recipe(channel, _topic_slug(campaign), attributes, names)
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


# --- links -------------------------------------------------------------------------------


class _LinkTracker:
    """Numbers http(s) links in order of first appearance; rewrites them when tracking."""

    def __init__(self, delivery: Delivery | None, direct: set[str]) -> None:
        self.delivery = delivery
        self.direct = direct
        self.urls: list[str] = []
        self._numbers: dict[str, int] = {}
        self._rewritten: dict[int, str] = {}  # a URL written twice is signed once

    def _tracked(self, url: str) -> str:
        """The link to write instead of url (url itself when it is not tracked)."""
        if not url.lower().startswith(("http://", "https://")) or url in self.direct:
            return url
        number = self._numbers.get(url)
        if number is None:
            number = self._numbers[url] = len(self.urls)
            self.urls.append(url)
        if self.delivery is None:
            return url
        if number not in self._rewritten:
            self._rewritten[number] = links.click_url(self.delivery.public_id, number)
        return self._rewritten[number]

    def rewrite_html(self, html: str) -> str:
        def replace(match: re.Match) -> str:
            written = next(group for group in match.groups()[1:] if group is not None)
            url = htmllib.unescape(written).strip()
            tracked = self._tracked(url)
            if tracked == url:
                return match[0]
            return f'{match[1]}"{htmllib.escape(tracked)}"'

        return _HREF.sub(replace, html)

    def rewrite_text(self, text: str) -> str:
        def replace(match: re.Match) -> str:
            url, tail = _trim_url(match[0])
            return self._tracked(url) + tail

        return _TEXT_URL.sub(replace, text)


def _trim_url(candidate: str) -> tuple[str, str]:
    """Sentence punctuation after a URL in text is not part of it ("see https://x.com.")."""
    url = candidate.rstrip(".,;:!?'\"")
    if url.endswith(")") and "(" not in url:
        url = url[:-1]
    return url, candidate[len(url) :]


def _text_from_html(html: str) -> str:
    """A text part for emails written in HTML only: links kept as "label (URL)"."""
    body = re.sub(r"(?is)<(style|script|head|title)\b.*?</\1\s*>", "", html)
    body = re.sub(
        r"""(?is)<a\b[^>]*?\bhref\s*=\s*["']?(https?://[^"'\s>]+)[^>]*>(.*?)</a\s*>""",
        r"\2 (\1)",
        body,
    )
    body = re.sub(r"(?i)<br\s*/?>|</(p|div|h\d|li|tr|table)\s*>", "\n", body)
    lines = (" ".join(line.split()) for line in htmllib.unescape(strip_tags(body)).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --- the footer --------------------------------------------------------------------------

# Inline !important beats any stylesheet rule a template could add to hide the footer.
_FOOTER_STYLE = (
    "display:block!important;visibility:visible!important;opacity:1!important;"
    "position:static!important;transform:none!important;max-height:none!important;"
    "overflow:visible!important;font-size:12px!important;line-height:1.5!important;"
    "color:#555555!important;background:#ffffff!important;padding:16px 0!important;"
    "margin:0!important;clip-path:none!important"
)
_FOOTER_LINK_STYLE = "color:#333333!important;font-size:12px!important;text-decoration:underline"


@dataclasses.dataclass(frozen=True)
class _Footer:
    unsubscribe_url: str
    preferences_url: str
    delivery: Delivery | None

    def text(self) -> str:
        return (
            f"\n\n-- \nUnsubscribe: {self.unsubscribe_url}\n"
            f"Manage your preferences: {self.preferences_url}\n"
        )

    def html(self) -> str:
        unsubscribe = htmllib.escape(self.unsubscribe_url)
        preferences = htmllib.escape(self.preferences_url)
        # One part a line: a line over 998 characters would make Django quoted-printable
        # encode the whole HTML part, which is slow.
        footer = (
            f'\n<div class="segmenta-footer" style="{_FOOTER_STYLE}">\n'
            f'<a href="{unsubscribe}" style="{_FOOTER_LINK_STYLE}">Unsubscribe</a> &middot;\n'
            f'<a href="{preferences}" style="{_FOOTER_LINK_STYLE}">Manage your preferences</a>'
            "\n</div>\n"
        )
        if self.delivery is not None:
            pixel = htmllib.escape(links.open_url(self.delivery.public_id))
            footer += (
                f'<img src="{pixel}" width="1" height="1" alt="" '
                'style="display:block;width:1px;height:1px;border:0">\n'
            )
        return footer


# A comment, or a tag with its attributes (quoted values may hold ">").
_MARKUP = re.compile(
    r"""<!--.*?-->|<(/?)([a-zA-Z][^\s/>]*)[^'">]*(?:(?:"[^"]*"|'[^']*')[^'">]*)*>""", re.S
)
_RAW_TEXT = ("style", "title")  # nothing inside them is markup, up to their end tag


@dataclasses.dataclass
class _OpenElements:
    """Which elements are open at the end (or at the real </body>), to close them first.
    A regular-expression scan: html.parser is several times slower on big newsletters."""

    stack: list[str] = dataclasses.field(default_factory=list)
    body_end: int | None = None
    open_at_body_end: list[str] = dataclasses.field(default_factory=list)

    @classmethod
    def scan(cls, html: str) -> "_OpenElements":
        elements, stack, skip_to = cls(), [], 0
        elements.stack = stack
        for match in _MARKUP.finditer(html):
            closing, name = match.group(1, 2)
            if name is None or match.start() < skip_to:  # a comment, or inside <style>
                continue
            tag = name.lower()
            if closing:
                elements._end(tag, match.start())
            elif tag not in _VOID_ELEMENTS:  # "/>" on other elements means nothing in HTML
                stack.append(tag)
                if tag in _RAW_TEXT:
                    end = re.compile(rf"</{tag}\s*>", re.I).search(html, match.end())
                    if end is None:
                        break
                    skip_to = end.end()
                    stack.pop()
        return elements

    def _end(self, tag: str, at: int) -> None:
        if tag == "body":
            self.body_end = at
            start = self.stack.index("body") + 1 if "body" in self.stack else 0
            self.open_at_body_end = self.stack[start:]
        if tag in self.stack:
            del self.stack[len(self.stack) - 1 - self.stack[::-1].index(tag) :]


def _closing(tags: list[str]) -> str:
    return "".join(f"</{tag}>" for tag in reversed(tags) if tag not in ("html", "body"))


def _with_html_footer(html: str, footer: str) -> str:
    """Put the footer before the real </body> (or at the end), after closing every element
    and comment the template left open, so that none of them can hide it."""
    html = _HIDING_TAG.sub("&lt;", html)
    if _open_comment(html):
        html += "-->"
    elements = _OpenElements.scan(html)
    if elements.body_end is None:
        return html + _closing(elements.stack) + footer
    cut = elements.body_end
    return html[:cut] + _closing(elements.open_at_body_end) + footer + html[cut:]


# --- SMS length ----------------------------------------------------------------------------

# GSM 03.38: the basic table (one septet each) and the extension table (escape + septet: two).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
# (one message, each part of a concatenated one): the rest of a part carries its header.
SMS_LIMITS = {"GSM-7": (160, 153), "UCS-2": (70, 67)}


def sms_segments(text: str) -> tuple[str, int, int]:
    """(encoding, characters as the network counts them, segments). One character outside
    GSM-7 makes the whole message UCS-2, where characters beyond U+FFFF count twice. A
    two-unit character never straddles two parts."""
    if all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text):
        encoding, weights = "GSM-7", [2 if char in GSM7_EXTENSION else 1 for char in text]
    else:
        encoding, weights = "UCS-2", [2 if ord(char) > 0xFFFF else 1 for char in text]
    total = sum(weights)
    single, part = SMS_LIMITS[encoding]
    if total <= single:
        return encoding, total, 1 if total else 0
    segments, used = 1, 0
    for weight in weights:
        if used + weight > part:
            segments, used = segments + 1, 0
        used += weight
    return encoding, total, segments


# --- the email ---------------------------------------------------------------------------


def mail_domain() -> str:
    return settings.SEGMENTA_MAIL_DOMAIN or urlsplit(settings.SITE_URL).hostname or "localhost"


def message_id(delivery: Delivery | None = None) -> str:
    """A delivery's Message-ID is derived from its public id: a send retried after a crash
    carries the same one, so receiving servers can tell it is the same message."""
    if delivery is None:
        return make_msgid(domain=mail_domain())
    return f"<{delivery.public_id.hex}@{mail_domain()}>"


def list_id(campaign: Campaign) -> str:
    """RFC 2919: one list per topic; campaigns without a topic go to the general list."""
    topic = campaign.topic if campaign.topic_id else None
    label = f"{topic.slug}.topics" if topic else "marketing"
    # formataddr quotes or encodes the name as a header needs; the "address" is the list id.
    return formataddr((topic.name if topic else "Marketing", f"{label}.{mail_domain()}"))


def sender(campaign: Campaign) -> str:
    if not campaign.sender_email:
        return settings.DEFAULT_FROM_EMAIL
    return formataddr((campaign.sender_name, campaign.sender_email))


def build_email(
    rendered: Rendered,
    campaign: Campaign,
    customer: Customer,
    delivery: Delivery | None = None,
    connection: BaseEmailBackend | None = None,
    to: str | None = None,
) -> EmailMultiAlternatives:
    """The email of one rendered message: text with an HTML alternative, Message-ID,
    List-Id and the one-click List-Unsubscribe headers (with the delivery as ref).

    to: a test send to that address (render it with sample=True). It gets no
    List-Unsubscribe: a mailbox's unsubscribe button would act for the sample customer.
    """
    headers = {"Message-ID": message_id(delivery), "List-Id": list_id(campaign)}
    if to is None:
        ref = delivery.public_id.hex if delivery is not None else ""
        headers.update(list_unsubscribe_headers(customer, _topic_slug(campaign), ref))
    email = EmailMultiAlternatives(
        rendered.subject,
        rendered.text,
        sender(campaign),
        [to or customer.email],
        headers=headers,
        connection=connection,
    )
    if rendered.html:
        email.attach_alternative(rendered.html, "text/html")
    return email
