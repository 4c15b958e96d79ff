"""The figures of a segment's members, computed in one pass over the preview's facts table.

One grouped aggregate (by country) gives the size, the reachable people per channel, the means
and standard deviations of spend, orders and age, and the top countries: the totals are the
sums of the groups. The same pass can collect the members among every K-th customer, which
the overlaps and the sample use (one scan instead of three).

The pass runs under a time budget; past it the preview shows the planner's estimate, clearly
labelled, while a Celery task computes the exact figures for the region to pick up
(`exact_key` / `exact_result` / `compute_exact`).
"""

import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.postgres.aggregates import RegrAvgX, RegrAvgY, RegrSXX, RegrSYY
from django.contrib.postgres.fields import ArrayField
from django.core.cache import cache
from django.db import OperationalError, connection, transaction
from django.db.models import (
    Aggregate,
    Avg,
    BigIntegerField,
    Count,
    F,
    FloatField,
    Func,
    Q,
    Variance,
)
from django.db.models.functions import Mod
from django.db.models.lookups import Exact
from django.utils import timezone

from segmentation.customers.models import Channel, Customer
from segmentation.segments.catalogue import Context, reachable_q
from segmentation.segments.models import CustomerFacts
from segmentation.segments.tree import compile_definition

SAMPLE_SIZE = 20
TOP_COUNTRIES = 5
# Overlap with saved segments is estimated on every K-th customer once the base is this big.
OVERLAP_EXACT_UP_TO = 100_000
OVERLAP_SAMPLE_ROWS = 50_000
STATS = ("total_spent", "order_count", "age")
DAYS_PER_YEAR = 365.2425


@dataclass
class Stat:
    n: int
    mean: float
    std: float


@dataclass
class Summary:
    count: int = 0
    reachable_email: int = 0
    reachable_sms: int = 0
    stats: dict[str, Stat | None] = field(default_factory=dict)
    countries: list[tuple[str, int]] = field(default_factory=list)
    # segment id -> (share of these customers that are in it, estimated?)
    overlaps: dict[int, float] = field(default_factory=dict)
    overlap_estimated: bool = False
    exact: bool = True
    sampled_ids: set[int] | None = None
    taken_at: object = None
    # The 20-row sample's ids, when the figures were computed in the background.
    sample_ids: list[int] = field(default_factory=list)


class MemberIds(Aggregate):
    """The ids of the rows, as an array (migration 0014): array_agg with a combine step, so
    that collecting them leaves the grouped pass free to run in parallel workers."""

    function = "segmenta_member_ids"
    output_field = ArrayField(BigIntegerField())


class EpochDays(Func):
    """A date as days since 1970-01-01, a float. The age figures add these up: floats,
    where EXTRACT(YEAR ...) returns numeric, whose arithmetic costs far more per row."""

    output_field = FloatField()
    template = "CAST(%(expressions)s - DATE '1970-01-01' AS double precision)"


def members(q: Q, facts: bool = False):
    return (CustomerFacts if facts else Customer).objects.filter(q).order_by()


def _aggregates(facts: bool) -> dict:
    born = EpochDays("birth_date")
    orders = F("order_count")
    spent = F("spent") if facts else F("total_spent")
    return {
        "n": Count("*"),
        # Aliases must not be field names: the filters of later aggregates would read them.
        "n_email": Count("pk", filter=reachable_q(Channel.EMAIL, facts)),
        "n_sms": Count("pk", filter=reachable_q(Channel.SMS, facts)),
    } | _moments(spent, orders, born)


def _moments(spent, orders, born) -> dict:
    """Mean and squared deviations of spend and orders, and of the birth dates.

    The regr_* aggregates of the same two arguments share one running state (count, sums,
    sums of squares), updated once per row, where separate sums would cost one update each.
    Spend and orders are never NULL, so their pair counts every member. The birth dates, one
    figure, take avg and var_pop, which share a smaller state (count, sum, squares).
    """
    ages = Count("birth_date")
    return {
        "total_spent_mean": RegrAvgY(spent, orders),
        "total_spent_m2": RegrSYY(spent, orders),
        "order_count_mean": RegrAvgX(spent, orders),
        "order_count_m2": RegrSXX(spent, orders),
        "age_n": ages,
        "age_mean": Avg(born),
        "age_m2": Variance(born) * ages,
    }


# One group's share of a figure: how many values, their mean, their squared deviations.
Moments = tuple[int, float, float]


# One group's share of a figure: how many values, their mean, their squared deviations.
Moments = tuple[int, float, float]


def _group_moments(row: dict, name: str, n: int) -> Moments:
    return (n, row[f"{name}_mean"], row[f"{name}_m2"]) if n else (0, 0.0, 0.0)


def _pooled(parts: list[Moments]) -> Stat | None:
    """Mean and sample standard deviation of groups together (Chan et al.'s pooling)."""
    n = sum(k for k, _, _ in parts)
    if not n:
        return None
    mean = sum(k * m for k, m, _ in parts) / n
    m2 = sum(d + k * (m - mean) ** 2 for k, m, d in parts)
    return Stat(n, mean, math.sqrt(max(m2 / (n - 1), 0.0)) if n > 1 else 0.0)


def _stats(rows: list[dict]) -> dict[str, Stat | None]:
    figures = {
        name: _pooled([_group_moments(row, name, row["n"]) for row in rows])
        for name in ("total_spent", "order_count")
    }
    return figures | {"age": _age(_pooled([_group_moments(r, "age", r["age_n"]) for r in rows]))}


def _age(born: Stat | None) -> Stat | None:
    """Mean and spread of the age in years, from the birth dates' days since 1970."""
    if born is None:
        return None
    today = (timezone.localdate() - dt.date(1970, 1, 1)).days
    return Stat(born.n, (today - born.mean) / DAYS_PER_YEAR, born.std / DAYS_PER_YEAR)


def summarise(q: Q, sampled_every: int = 0, facts: bool = False) -> Summary:
    """The figures of the customers matching q (one grouped query); q compiled for
    CustomerFacts when facts is true.

    With sampled_every the same pass also collects the members' ids among every
    K-th customer (Summary.sampled_ids), which the overlaps and the sample use: one scan
    instead of three.
    """
    aggregates = _aggregates(facts)
    collect = bool(sampled_every)
    if collect:
        aggregates["sampled"] = MemberIds("pk", filter=_every(sampled_every))
    rows = list(members(q, facts).values("country").annotate(**aggregates))
    countries = sorted(
        ((row["country"], row["n"]) for row in rows if row["country"]), key=lambda c: (-c[1], c[0])
    )
    return Summary(
        count=sum(row["n"] for row in rows),
        reachable_email=sum(row["n_email"] for row in rows),
        reachable_sms=sum(row["n_sms"] for row in rows),
        stats=_stats(rows),
        countries=countries[:TOP_COUNTRIES],
        taken_at=timezone.now(),
        sampled_ids={pk for row in rows for pk in row["sampled"]} if collect else None,
    )


def base_summary() -> Summary:
    """The whole customer base, for comparison; cached for a few minutes."""
    key = "segment-preview:base"
    summary = cache.get(key)
    if summary is None:
        summary = summarise(Q(), facts=True)
        cache.set(key, summary, settings.SEGMENTA_PREVIEW_BASE_CACHE_SECONDS)
    return summary


def sample_every() -> int:
    base = base_summary().count
    return 1 if base <= OVERLAP_EXACT_UP_TO else max(1, base // OVERLAP_SAMPLE_ROWS)


def _every(every: int) -> Q:
    return Q(Exact(Mod("pk", every), 0)) if every > 1 else Q()


def sampled_ids(q: Q, every: int, facts: bool = False) -> set[int]:
    return set(members(q, facts).filter(_every(every)).values_list("pk", flat=True))


def budgeted(run, budget_ms: int):
    """Run under a statement timeout; None when the budget ran out."""
    if not budget_ms:
        return run()
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = %s", [int(budget_ms)])
                # Compiling the plan to machine code costs more per parallel worker than it
                # gains on queries this short.
                cursor.execute("SET LOCAL jit = off")
            return run()
    except OperationalError as error:
        if "statement timeout" not in str(error):
            raise
        return None


def planner_estimate(q: Q, facts: bool = False) -> int:
    """PostgreSQL's own row estimate for the filter: instant, and sometimes far off."""
    sql, params = members(q, facts).values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def exact_key(definition: dict, segment_id: int | None) -> str:
    text = json.dumps([definition, segment_id], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def exact_result(key: str) -> Summary | None:
    return cache.get(f"segment-preview:exact:{key}")


def compute_exact(key: str) -> None:
    """Celery: the exact figures of a draft that ran out of the preview budget."""
    draft = cache.get(f"segment-preview:draft:{key}")
    if draft is None or exact_result(key) is not None:
        return
    definition, segment_id = draft
    q = compile_definition(definition, segment_id, Context(timezone.now(), facts=True))
    summary = summarise(q, facts=True)
    summary.sample_ids = list(members(q, facts=True).values_list("pk", flat=True)[:SAMPLE_SIZE])
    cache.set(f"segment-preview:exact:{key}", summary, settings.SEGMENTA_PREVIEW_BASE_CACHE_SECONDS)
