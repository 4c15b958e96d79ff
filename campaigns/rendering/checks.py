"""What stops a variant's content from being sent, worded for the person who wrote it.

Django's parser messages are reworded where a marketer would not follow them; unknown
variables get a "did you mean"; HTML that could hide the footer is refused.
"""

import difflib
import re

from django.template import Template, TemplateSyntaxError, defaulttags

from campaigns.models import Variant
from campaigns.rendering.context import declared_attributes, known_names
from campaigns.rendering.footer import HIDING_ELEMENTS, open_comment
from campaigns.rendering.sandbox import CHECK_ENGINE, SAFE_FILTERS, SAFE_TAGS, Use, variables
from segmentation.customers.models import Channel

LITERALS = ("True", "False", "None")
PARTS = {
    "subject": "Subject",
    "text_body": "Text body",
    "html_body": "HTML body",
    "sms_text": "SMS text",
}


def parts_for(channel: str) -> tuple[str, ...]:
    return ("sms_text",) if channel == Channel.SMS else ("subject", "text_body", "html_body")


def check_variant(variant: Variant, channel: str) -> list[str]:
    """Problems that stop this content from being sent, worded for the person who wrote it."""
    problems = _missing_parts(variant, channel)
    known = known_names()
    attributes = set(declared_attributes())
    for field in parts_for(channel):
        source = getattr(variant, field)
        if not source:
            continue
        label = PARTS[field]
        try:
            template = CHECK_ENGINE.from_string(source)
        except TemplateSyntaxError as error:
            problems.append(f"{label}: {explain(error)}")
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


_DJANGO_TAGS = frozenset(defaulttags.register.tags) | {"extends", "block", "include", "load"}


def _line(error: TemplateSyntaxError) -> str:
    line = getattr(error, "template_debug", {}).get("line")
    return f"line {line}: " if line else ""


def explain(error: TemplateSyntaxError) -> str:
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
    for line, variable in variables(template.nodelist, set()):
        problem = _variable_problem(variable, known, attributes)
        if problem and problem not in problems:
            problems.append(f"line {line}: {problem}" if line else problem)
    return problems


def _variable_problem(variable: Use, known: set[str], attributes: set[str]) -> str | None:
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


def _html_problems(source: str) -> list[str]:
    problems = []
    for name in HIDING_ELEMENTS:
        if re.search(rf"<{name}\b", source, re.IGNORECASE):
            problems.append(f"<{name}> is not allowed in emails.")
    if open_comment(source):
        problems.append("a comment <!-- is never closed with -->.")
    return problems
