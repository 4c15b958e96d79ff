"""Template filters of the marketing UI."""

from functools import lru_cache

import pycountry
from django import template

register = template.Library()


@register.filter
@lru_cache(maxsize=512)
def country_name(code: str) -> str:
    """ "DE" -> "Germany"; an unknown code is shown as it is."""
    country = pycountry.countries.get(alpha_2=code) if code else None
    return getattr(country, "common_name", None) or (country.name if country else code)
