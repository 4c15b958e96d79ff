"""Sections other rooms and apps add to the customer page (consent: the ledger and its form;
feedback: the person's survey answers), registered from their AppConfig.ready so that the
customers' room imports none of them.
"""

from collections.abc import Callable
from typing import Any

from segmentation.customers.models import Customer

# section(customer) -> the context of its template (under "section").
Section = Callable[[Customer], dict[str, Any]]
_SECTIONS: dict[str, tuple[str, Section]] = {}


def register(name: str, template: str, section: Section) -> None:
    _SECTIONS[name] = (template, section)


def for_customer(
    customer: Customer, given: dict[str, dict[str, Any]] | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """(template, context) of every registered section, in the order they were registered;
    `given` holds contexts already made by name (a section's form coming back with errors)."""
    given = given or {}
    return [
        (template, given[name] if name in given else section(customer))
        for name, (template, section) in _SECTIONS.items()
    ]
