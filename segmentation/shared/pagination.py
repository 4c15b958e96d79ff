"""A paginator that never counts a million rows.

An exact COUNT(*) of a big filtered table costs more than the page itself, so matching rows
are counted only up to a cap (settings.SEGMENTA_COUNT_CAP) with a LIMITed subquery; beyond
it the list says "10,000+". An unfiltered table is labelled with the planner's estimate
(pg_class.reltuples, kept by ANALYZE/autovacuum), e.g. "about 1,000,000".
Paging stays possible up to the cap (one page past it), where OFFSET is still cheap.
"""

from functools import cached_property

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.paginator import Paginator
from django.db import connections


def _significant(n: int, digits: int = 2) -> int:
    """1,234,567 -> 1,200,000: an estimate should not look exact."""
    if n < 10**digits:
        return n
    scale = 10 ** (len(str(n)) - digits)
    return round(n / scale) * scale


def table_estimate(queryset) -> int | None:
    """The planner's row estimate for an unfiltered queryset; None if filtered or unknown."""
    query = getattr(queryset, "query", None)
    if query is None or query.where or query.distinct or query.combinator:
        return None
    if query.low_mark or query.high_mark is not None:
        return None
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [queryset.model._meta.db_table],
        )
        row = cursor.fetchone()
    # -1: never analysed; 0 may just mean "not yet analysed" on older servers.
    return row[0] if row and row[0] > 0 else None


class CappedPaginator(Paginator):
    """Paginator whose count stops at a cap; `count_label` says what is known, e.g. "10,000+"."""

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, cap=None):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.cap = settings.SEGMENTA_COUNT_CAP if cap is None else cap

    @property
    def limit(self) -> int:
        # At least one full page, so that a capped list still has a second page to go to.
        return max(self.cap, int(self.per_page))

    @cached_property
    def _counted(self) -> int:
        if hasattr(self.object_list, "query"):
            return self.object_list[: self.limit + 1].count()
        return len(self.object_list[: self.limit + 1])

    @cached_property
    def capped(self) -> bool:
        """True when there are more matching rows than were counted."""
        return self._counted > self.limit

    @cached_property
    def count(self) -> int:
        """Rows that paging can reach: exact below the cap, else the cap plus one."""
        return self._counted

    def page(self, number):
        """As Paginator.page, but past the cap the last page is a full page, not a stub."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if not self.capped and top + self.orphans >= self.count:
            top = self.count
        return self._get_page(self.object_list[bottom:top], number, self)

    @cached_property
    def estimate(self) -> int | None:
        """The planner's estimate of all rows, for an unfiltered list past the cap."""
        if not self.capped:
            return None
        estimate = table_estimate(self.object_list)
        return estimate if estimate and estimate > self.limit else None

    @cached_property
    def count_label(self) -> str:
        if not self.capped:
            return intcomma(self.count)
        if self.estimate:
            return f"about {intcomma(_significant(self.estimate))}"
        return f"{intcomma(self.limit)}+"
