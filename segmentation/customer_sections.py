"""Sections that apps built on segmentation add to the customer page (feedback: the person's
survey answers), registered from their AppConfig.ready so that segmentation never imports them.
"""

from collections.abc import Callable
from typing import Any

from segmentation.models import Customer

# section(customer) -> the context of its template (under "section").
Section = Callable[[Customer], dict[str, Any]]
_SECTIONS: dict[str, tuple[str, Section]] = {}


def register(name: str, template: str, section: Section) -> None:
    _SECTIONS[name] = (template, section)


def for_customer(customer: Customer) -> list[tuple[str, dict[str, Any]]]:
    """(template, context) of every registered section, in the order they were registered."""
    return [(template, section(customer)) for template, section in _SECTIONS.values()]
