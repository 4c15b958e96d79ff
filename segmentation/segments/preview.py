"""What the builder's preview region shows: the figures of the draft's members (stats), beside
those of the whole base, 20 members, overlaps with saved segments (sketches) and warnings.

Past the time budget the region shows the planner's estimate while a task computes the exact
figures (tasks.exact_preview); a saved segment without a sketch gets a recount task.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from segmentation.customers.models import Customer
from segmentation.segments import sketches, tasks
from segmentation.segments.catalogue import Context
from segmentation.segments.models import Segment
from segmentation.segments.stats import (
    SAMPLE_SIZE,
    Summary,
    base_summary,
    budgeted,
    exact_key,
    exact_result,
    members,
    planner_estimate,
    sample_every,
    sampled_ids,
    summarise,
)
from segmentation.segments.tree import RuleError, compile_definition

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
    every = sample_every()
    result = Overlaps(estimated=every > 1)
    others = Segment.objects.exclude(pk=segment_id).order_by("-updated_at")
    others = list(others[: settings.SEGMENTA_OVERLAP_SEGMENTS])
    if not others:
        return result
    if draft is None:
        draft = sampled_ids(q, every, facts)
    size, bits = len(draft), sketches.bitmap(draft, every)
    stored = cache.get_many([sketches.key(segment, every) for segment in others])
    for segment in others:
        sketch = stored.get(sketches.key(segment, every))
        if sketch is None and every == 1:  # a small base: making it now is cheap
            try:
                sketch = sketches.store(
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
        result.shares[segment.pk] = sketches.shared(bits, sketch) / size if size else 0.0
    return result


def preview(definition: dict, segment_id: int | None = None) -> Preview:
    """Everything the preview region shows. Raises RuleError for a definition with problems."""
    now = timezone.now()
    facts = True  # the preview reads the facts table
    q = compile_definition(definition, segment_id, Context(now, facts=facts))
    base = base_summary()
    budget = settings.SEGMENTA_PREVIEW_BUDGET_MS
    summary = budgeted(lambda: summarise(q, sample_every(), facts), budget)
    overlaps = Overlaps()
    if summary is not None:  # a draft that ran out of time gets no overlap check either
        draft = summary.sampled_ids
        overlaps = (
            budgeted(lambda: overlaps_of(q, segment_id, now, draft, facts), budget) or overlaps
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
        return sample_customers(list(members(q, facts).values_list("pk", flat=True)[:SAMPLE_SIZE]))
    return list(members(q).only(*SAMPLE_FIELDS)[:SAMPLE_SIZE])


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
