"""What the builder's preview region shows, computed in one pass over the matching customers.

One grouped aggregate (by country) gives the size, the reachable people per channel, the sums
for means and standard deviations and the top countries: the totals are the sums of the
groups. A 20-row sample is a second, cheap query. Overlaps with saved segments compare the
draft's members among every K-th customer with the same "sketch" of each saved segment,
kept in the cache by the recount task.

On PostgreSQL the pass runs under a time budget; past it the preview shows the planner's
estimate, clearly labelled, while a Celery task computes the exact figures for the region to
pick up (`exact_key` / `exact_result`).
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
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    Sum,
    Variance,
)
from django.db.models.functions import Cast, Mod
from django.db.models.lookups import Exact
from django.utils import timezone

from segmentation.customers.models import Channel, Customer
from segmentation.segments import facts as facts_table
from segmentation.segments import tasks
from segmentation.segments.catalogue import Context, reachable_q
from segmentation.segments.models import CustomerFacts, Segment
from segmentation.segments.tree import RuleError, compile_definition

SAMPLE_SIZE = 20
SAMPLE_FIELDS = (
    "pk",
    "first_name",
    "last_name",
    "email",
    "phone",
    "country",
    "city",
    "total_spent",
)
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


@dataclass
class Preview:
    summary: Summary
    base: Summary
    sample: list = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    overlaps: list[tuple[Segment, float]] = field(default_factory=list)
    overlaps_pending: int = 0
    exact_key: str = ""

    @property
    def share(self) -> float:
        return self.summary.count / self.base.count if self.base.count else 0.0


class MemberIds(Aggregate):
    """The ids of the rows, as an array (PostgreSQL; migration 0014): array_agg with a combine
    step, so that collecting them leaves the grouped pass free to run in parallel (1.6 times
    faster at 1M customers on two cores, docs/benchmarks.md)."""

    function = "segmenta_member_ids"
    output_field = ArrayField(BigIntegerField())


def _squared(expression) -> ExpressionWrapper:
    return ExpressionWrapper(expression * expression, output_field=FloatField())


class EpochDays(Func):
    """A date as days since 1970-01-01, a float. The age figures add these up: floats,
    where EXTRACT(YEAR ...) returns numeric on PostgreSQL and its sums cost about 80 ms in
    a 700,000-customer pass (docs/benchmarks.md)."""

    output_field = FloatField()
    template = "CAST(%(expressions)s - DATE '1970-01-01' AS double precision)"

    def as_sqlite(self, compiler, connection, **extra):
        template = "(julianday(%(expressions)s) - 2440587.5)"
        return self.as_sql(compiler, connection, template=template, **extra)


def _members(q: Q, facts: bool = False):
    return (CustomerFacts if facts else Customer).objects.filter(q).order_by()


def _aggregates(facts: bool) -> dict:
    born = EpochDays("birth_date")
    orders = F("order_count")
    spent = F("spent") if facts else F("total_spent")
    counts = {
        "n": Count("*"),
        # Aliases must not be field names: the filters of later aggregates would read them.
        "n_email": Count("pk", filter=reachable_q(Channel.EMAIL, facts)),
        "n_sms": Count("pk", filter=reachable_q(Channel.SMS, facts)),
    }
    if connection.vendor == "postgresql":
        return counts | _moments(spent, orders, born)
    return counts | {
        "total_spent_s": Sum(spent, output_field=FloatField()),
        "total_spent_ss": Sum(_squared(spent)),
        "order_count_s": Sum(orders, output_field=FloatField()),
        # bigint: the square of an int4 overflows past 46,340 orders.
        "order_count_ss": Sum(_squared(Cast(orders, BigIntegerField()))),
        "age_n": Count("birth_date"),
        "age_s": Sum(born, output_field=FloatField()),
        "age_ss": Sum(_squared(born)),
    }


def _moments(spent, orders, born) -> dict:
    """Mean and squared deviations of spend and orders, and of the birth dates (PostgreSQL).

    The regr_* aggregates of the same two arguments share one running state (count, sums,
    sums of squares), updated once per row; separate sums cost one update each, which made
    the pass over 700,000 members 10% slower (docs/benchmarks.md). Spend and orders are
    never NULL, so their pair counts every member. The birth dates, one figure, take avg and
    var_pop, which share a smaller state (count, sum, squares): 20 ms less than a regr_*
    pair of the dates with themselves in that pass.
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


def _group_moments(row: dict, name: str, n: int) -> Moments:
    if not n:
        return (0, 0.0, 0.0)
    if f"{name}_mean" in row:
        return (n, row[f"{name}_mean"], row[f"{name}_m2"])
    s, ss = row[f"{name}_s"], row[f"{name}_ss"]
    return (n, s / n, ss - s * s / n)


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

    With sampled_every on PostgreSQL the same pass also collects the members' ids among every
    K-th customer (Summary.sampled_ids), which the overlaps and the sample use: one scan
    instead of three.
    """
    aggregates = _aggregates(facts)
    collect = sampled_every and connection.vendor == "postgresql"
    if collect:
        aggregates["sampled"] = MemberIds("pk", filter=_every(sampled_every))
    rows = list(_members(q, facts).values("country").annotate(**aggregates))
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
        summary = summarise(Q(), facts=facts_table.available())
        cache.set(key, summary, settings.SEGMENTA_PREVIEW_BASE_CACHE_SECONDS)
    return summary


def _sample_every() -> int:
    base = base_summary().count
    return 1 if base <= OVERLAP_EXACT_UP_TO else max(1, base // OVERLAP_SAMPLE_ROWS)


def _every(every: int) -> Q:
    return Q(Exact(Mod("pk", every), 0)) if every > 1 else Q()


def _sampled_ids(q: Q, every: int, facts: bool = False) -> set[int]:
    return set(_members(q, facts).filter(_every(every)).values_list("pk", flat=True))


def _sketch_key(segment: Segment, every: int) -> str:
    return f"segment-sketch-bits:{segment.pk}:{segment.updated_at.timestamp()}:{every}"


_BINARY_DIGITS = bytes.maketrans(b"\x00\x01", b"01")


def _bitmap(ids: set[int], every: int) -> bytes:
    """The ids (all multiples of every) as a bitmap: bit i is id i * every.

    A sketch of 50,000 ids takes 6 KB this way, read from the cache in microseconds, and
    the AND of two of them (as integers) counts a shared membership in microseconds; as
    sets, unpickling and intersecting ten of them cost 30 ms of each preview at 1M customers.
    """
    if not ids:
        return b""
    # One byte per position, then those bytes read as the digits of a binary number: twice
    # as fast as setting bits one by one (3 ms for the 34,000 sampled ids of 679k members).
    flags = bytearray(max(ids) // every + 1)
    for pk in ids:
        flags[pk // every] = 1
    number = int(flags[::-1].translate(_BINARY_DIGITS), 2)
    return number.to_bytes((len(flags) + 7) // 8, "little")


def _shared(a: bytes, b: bytes) -> int:
    return (int.from_bytes(a, "little") & int.from_bytes(b, "little")).bit_count()


def store_sketch(segment: Segment, q: Q) -> bytes:
    """The segment's members among every K-th customer, cached until the segment changes.

    Overlaps are measured on these sketches: comparing two of them costs nothing, where
    evaluating every saved segment's rules inside each preview would cost as much as all
    those segments together (their order windows, their interests...).
    """
    every = _sample_every()
    sketch = _bitmap(_sampled_ids(q, every), every)
    cache.set(_sketch_key(segment, every), sketch, settings.SEGMENTA_SKETCH_CACHE_SECONDS)
    return sketch


@dataclass
class Overlaps:
    shares: dict[int, float] = field(default_factory=dict)
    segments: dict[int, Segment] = field(default_factory=dict)
    estimated: bool = False
    pending: int = 0  # saved segments whose sketch is still being made


def overlaps_of(
    q: Q, segment_id: int | None, now, draft: set[int] | None = None, facts: bool = False
) -> Overlaps:
    """Share of the draft's members in each recently changed saved segment (draft: its
    sampled ids when the caller already has them; q compiled for CustomerFacts if facts)."""
    every = _sample_every()
    result = Overlaps(estimated=every > 1)
    others = Segment.objects.exclude(pk=segment_id).order_by("-updated_at")
    others = list(others[: settings.SEGMENTA_OVERLAP_SEGMENTS])
    if not others:
        return result
    if draft is None:
        draft = _sampled_ids(q, every, facts)
    members, bits = len(draft), _bitmap(draft, every)
    sketches = cache.get_many([_sketch_key(segment, every) for segment in others])
    for segment in others:
        sketch = sketches.get(_sketch_key(segment, every))
        if sketch is None and every == 1:  # a small base: making it now is cheap
            try:
                sketch = store_sketch(
                    segment, compile_definition(segment.definition, ctx=Context(now))
                )
            except RuleError:
                continue  # a broken saved segment is shown on its own page, not here
        if sketch is None:
            result.pending += 1
            if cache.add(f"segment-sketch:queued:{segment.pk}", 1, 600):
                tasks.recount_segment.delay(segment.pk)
            continue
        result.segments[segment.pk] = segment
        result.shares[segment.pk] = _shared(bits, sketch) / members if members else 0.0
    return result


def _budgeted(run, budget_ms: int):
    """Run under a statement timeout on PostgreSQL; None when the budget ran out."""
    if connection.vendor != "postgresql" or not budget_ms:
        return run()
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = %s", [int(budget_ms)])
                # Compiling the plan to machine code costs 20-90 ms per process of a parallel
                # pass and gains less on queries this short (docs/benchmarks.md).
                cursor.execute("SET LOCAL jit = off")
            return run()
    except OperationalError as error:
        if "statement timeout" not in str(error):
            raise
        return None


def planner_estimate(q: Q, facts: bool = False) -> int:
    """PostgreSQL's own row estimate for the filter: instant, and sometimes far off."""
    sql, params = _members(q, facts).values("pk").query.sql_with_params()
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
    facts = facts_table.available()
    q = compile_definition(definition, segment_id, Context(timezone.now(), facts=facts))
    summary = summarise(q, facts=facts)
    summary.sample_ids = list(_members(q, facts).values_list("pk", flat=True)[:SAMPLE_SIZE])
    cache.set(f"segment-preview:exact:{key}", summary, settings.SEGMENTA_PREVIEW_BASE_CACHE_SECONDS)


def preview(definition: dict, segment_id: int | None = None) -> Preview:
    """Everything the preview region shows. Raises RuleError for a definition with problems."""
    now = timezone.now()
    facts = facts_table.available()
    q = compile_definition(definition, segment_id, Context(now, facts=facts))
    base = base_summary()
    budget = settings.SEGMENTA_PREVIEW_BUDGET_MS
    summary = _budgeted(lambda: summarise(q, _sample_every(), facts), budget)
    overlaps = Overlaps()
    if summary is not None:  # a draft that ran out of time gets no overlap check either
        draft = summary.sampled_ids
        overlaps = (
            _budgeted(lambda: overlaps_of(q, segment_id, now, draft, facts), budget) or overlaps
        )
    key = ""
    if summary is None:
        summary = Summary(count=planner_estimate(q, facts), exact=False)
        key = exact_key(definition, segment_id)
        summary = exact_result(key) or summary
        if not summary.exact:
            _start_exact(key, definition, segment_id)
    if summary.exact and not key:
        sample = _sample(q, summary, facts)
    else:
        # Past the budget the sample waits for the exact figures: for a draft with an order
        # window, finding 20 members costs the whole aggregate again, and the estimate must
        # come first, not after it.
        sample = sample_customers(summary.sample_ids)
    result = Preview(summary=summary, base=base, sample=sample, exact_key=key)
    summary.overlaps, summary.overlap_estimated = overlaps.shares, overlaps.estimated
    result.overlaps = sorted(
        ((overlaps.segments[pk], share) for pk, share in overlaps.shares.items() if share > 0),
        key=lambda item: -item[1],
    )
    result.overlaps_pending = overlaps.pending
    result.warnings = warnings_for(result)
    return result


def _sample(q: Q, summary: Summary, facts: bool) -> list[Customer]:
    """20 members: the first of those the pass collected when there are enough (no query
    for them), else the first the filter finds."""
    collected = sorted(summary.sampled_ids or ())
    if len(collected) >= min(SAMPLE_SIZE, summary.count):
        return sample_customers(collected[:SAMPLE_SIZE])
    if facts:
        return sample_customers(list(_members(q, facts).values_list("pk", flat=True)[:SAMPLE_SIZE]))
    return list(_members(q).only(*SAMPLE_FIELDS)[:SAMPLE_SIZE])


def sample_customers(ids: list[int]) -> list[Customer]:
    """The sample's customers in the order of ids (those erased meanwhile left out)."""
    found = Customer.objects.only(*SAMPLE_FIELDS).in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def _start_exact(key: str, definition: dict, segment_id: int | None) -> None:
    timeout = settings.SEGMENTA_PREVIEW_BASE_CACHE_SECONDS
    if cache.add(f"segment-preview:draft:{key}", (definition, segment_id), timeout):
        tasks.exact_preview.delay(key)


def warnings_for(result: Preview) -> list[str]:
    summary = result.summary
    notes = []
    if summary.exact and summary.count == 0:
        notes.append("No customer matches these rules.")
    elif summary.exact and summary.count < settings.SEGMENTA_SEGMENT_MIN_SIZE:
        notes.append(
            f"Only {summary.count} customers: below {settings.SEGMENTA_SEGMENT_MIN_SIZE}, "
            "too small to be worth a campaign."
        )
    if summary.exact and summary.count and not (summary.reachable_email or summary.reachable_sms):
        notes.append("Nobody in this segment may be contacted (no consent by email or SMS).")
    if result.overlaps_pending:
        notes.append(
            f"Overlap with {result.overlaps_pending} saved segment(s) is still being measured."
        )
    for segment, share in result.overlaps:
        if share > settings.SEGMENTA_OVERLAP_WARNING:
            about = "about " if summary.overlap_estimated else ""
            notes.append(f"{about}{share:.0%} of these customers are already in '{segment}'.")
    return notes
