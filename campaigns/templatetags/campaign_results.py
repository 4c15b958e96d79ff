"""Filters of the campaign results page: rates with their intervals, money, ROI."""

from django import template

from campaigns.charts import rate_text
from campaigns.stats import Interval
from campaigns.verdicts import Rate

register = template.Library()


@register.filter
def rate_ci(rate: Rate) -> str:
    """ "12.3% (11.1–13.6)": the rate of messages sent with its 95% Wilson interval."""
    return rate_text(rate)


@register.filter
def rate_percent(rate: Rate) -> str:
    """ "12.3%"; a dash before anything was sent."""
    return f"{rate.percent:.1f}%" if rate.n else "–"


@register.filter
def rate_bounds(rate: Rate) -> str:
    """ "95% CI 11.1–13.6", or nothing before anything was sent."""
    return f"95% CI {rate.low:.1f}–{rate.high:.1f}" if rate.n else ""


@register.filter
def money(value: float | None) -> str:
    return "–" if value is None else f"{value:,.2f}"


@register.filter
def money_ci(interval: Interval) -> str:
    """Revenue per recipient with its 95% interval; below 0 is not a revenue, so not shown."""
    if interval.low == interval.high:
        return money(interval.estimate)
    low = max(0.0, interval.low)
    return f"{interval.estimate:,.2f} ({low:,.2f}–{interval.high:,.2f})"


@register.filter
def roi_percent(value: float | None) -> str:
    """1.5 -> "+150%" ((revenue - cost) / cost); a dash without a cost."""
    return "–" if value is None else f"{100 * value:+,.0f}%"


@register.filter
def item(mapping: dict, key):
    return mapping.get(key, 0)
