"""The template sandbox: Django template syntax run by an isolated engine.

The engine knows only a few tags and filters (SAFE_TAGS, SAFE_FILTERS: nothing that loads,
includes, turns escaping off or marks text safe), has no loaders and no app libraries, and
templates see only the plain values of the personalisation context (context.py). variables()
lists what a parsed template reads, for the checks and for building only the context needed.
"""

import dataclasses
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from django.template import Engine, Library, Template, defaultfilters, defaulttags
from django.template.base import FilterExpression, Node, Variable
from django.template.defaulttags import TemplateLiteral

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


ENGINE = _IsolatedEngine(loaders=[], libraries={})
CHECK_ENGINE = _IsolatedEngine(loaders=[], libraries={}, debug=True)  # errors carry lines


@lru_cache(maxsize=512)
def parse(sources: tuple[str, ...]) -> tuple[Template | None, ...]:
    """Parsed templates by content, so an edited variant is never served stale."""
    return tuple(ENGINE.from_string(source) if source else None for source in sources)


@dataclasses.dataclass(frozen=True)
class Use:
    lookups: tuple[str, ...]
    bound: frozenset[str]


def variables(nodelist: list[Node], bound: set[str]) -> Iterator[tuple[int, "Use"]]:
    """Every variable the nodes read, with its line and the names bound around it."""
    for node in nodelist:
        line = getattr(getattr(node, "token", None), "lineno", 0)
        for expression in _expressions(node):
            for variable in _expression_variables(expression):
                yield line, Use(tuple(variable.lookups), frozenset(bound))
        inner = set(bound)
        inner.update(getattr(node, "extra_context", {}) or {})  # {% with name=... %}
        for child in _child_nodelists(node):
            yield from variables(child, inner)
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
