"""The preview's figures against the same figures worked out in Python."""

import statistics
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from segmentation.customers.models import ConsentStatus, Customer
from segmentation.segments import sketches, stats
from segmentation.segments.models import Segment
from segmentation.segments.preview import preview

pytestmark = pytest.mark.django_db


def group(*children) -> dict:
    return {"type": "group", "op": "and", "negate": False, "children": list(children)}


def cond(field: str, op: str, value=None) -> dict:
    return {"type": "condition", "field": field, "op": op, "value": value}


@pytest.fixture
def base(db):
    rows = [
        # country, spent, orders, email consent, phone
        ("DE", "100", 2, ConsentStatus.GRANTED, ""),
        ("DE", "300", 5, ConsentStatus.GRANTED, "+491511234567"),
        ("DE", "0", 0, ConsentStatus.WITHDRAWN, ""),
        ("AT", "50", 1, ConsentStatus.GRANTED, ""),
        ("FR", "10", 1, ConsentStatus.NONE, ""),
    ]
    for i, (country, spent, orders, consent, phone) in enumerate(rows):
        Customer.objects.create(
            email=f"c{i}@example.com", country=country, total_spent=Decimal(spent),
            order_count=orders, email_consent=consent, phone=phone,
            sms_consent=ConsentStatus.GRANTED if phone else ConsentStatus.NONE,
        )  # fmt: skip


def test_figures_of_a_segment_beside_the_base(base, settings):
    settings.SEGMENTA_SEGMENT_MIN_SIZE = 1
    result = preview(group(cond("country", "in", ["DE", "AT"])))
    summary = result.summary
    assert (summary.count, summary.reachable_email, summary.reachable_sms) == (4, 3, 1)
    assert result.base.count == 5 and result.share == pytest.approx(0.8)
    spent = [100, 300, 0, 50]
    assert summary.stats["total_spent"].mean == pytest.approx(statistics.mean(spent))
    assert summary.stats["total_spent"].std == pytest.approx(statistics.stdev(spent))
    assert summary.stats["order_count"].mean == pytest.approx(2.0)
    assert summary.stats["age"] is None  # nobody has a birth date
    assert summary.countries == [("DE", 3), ("AT", 1)]
    assert len(result.sample) == 4 and result.warnings == []


def test_age_and_a_heavy_buyer_in_the_statistics(base, settings):
    """Ages from birth dates, in years; a customer with more orders than an integer's square
    holds (46,341: the sum of squares would overflow PostgreSQL's int4) and one born before
    1843 (whose days since 1970 would overflow it too) still get figures."""
    settings.SEGMENTA_SEGMENT_MIN_SIZE = 1
    births = {"DE": date(1980, 12, 31), "AT": date(1800, 1, 1)}
    for country, born in births.items():
        Customer.objects.filter(country=country).update(birth_date=born)
    Customer.objects.filter(total_spent=300).update(order_count=50_000)

    summary = preview(group(cond("country", "in", ["DE", "AT"]))).summary

    today = timezone.localdate()
    ages = [(today - births[c]).days / 365.2425 for c in ("DE", "DE", "DE", "AT")]
    assert summary.stats["age"].n == 4
    assert summary.stats["age"].mean == pytest.approx(statistics.mean(ages))
    assert summary.stats["age"].std == pytest.approx(statistics.stdev(ages))
    orders = [2, 50_000, 0, 1]
    assert summary.stats["order_count"].mean == pytest.approx(statistics.mean(orders))
    assert summary.stats["order_count"].std == pytest.approx(statistics.stdev(orders))


def test_overlap_with_a_saved_segment_that_reads_consent(base, settings):
    """Regression: aggregate names must not shadow fields the saved segments filter on."""
    settings.SEGMENTA_SEGMENT_MIN_SIZE = 1
    saved = Segment.objects.create(
        name="Mailable", definition=group(cond("reachable_email", "is_true"))
    )
    result = preview(group(cond("country", "in", ["DE"])))
    assert result.summary.overlaps == {saved.pk: pytest.approx(2 / 3)}
    assert result.warnings == []
    result = preview(group(cond("country", "in", ["AT"])))
    assert result.overlaps == [(saved, 1.0)]
    assert result.warnings == ["100% of these customers are already in 'Mailable'."]


def test_warnings_for_empty_small_and_unreachable_segments(base, settings):
    settings.SEGMENTA_SEGMENT_MIN_SIZE = 2
    assert preview(group(cond("country", "in", ["US"]))).warnings == [
        "No customer matches these rules."
    ]
    assert preview(group(cond("country", "in", ["FR"]))).warnings == [
        "Only 1 customers: below 2, too small to be worth a campaign.",
        "Nobody in this segment may be contacted (no consent by email or SMS).",
    ]


def test_big_bases_measure_overlap_on_sketches_made_in_the_background(
    base, settings, monkeypatch, eager_tasks
):
    settings.SEGMENTA_SEGMENT_MIN_SIZE = 1
    monkeypatch.setattr(stats, "OVERLAP_EXACT_UP_TO", 2)
    monkeypatch.setattr(stats, "OVERLAP_SAMPLE_ROWS", 2)  # every 2nd customer
    german = Segment.objects.create(name="German", definition=group(cond("country", "in", ["DE"])))
    first = preview(group(cond("country", "in", ["DE", "AT"])))
    # No sketch yet: the recount task makes it (here at once), the preview says so.
    assert first.overlaps == [] and first.overlaps_pending == 1
    assert "Overlap with 1 saved segment(s) is still being measured." in first.warnings
    second = preview(group(cond("country", "in", ["DE", "AT"])))
    sampled = [
        c for c in Customer.objects.order_by("pk") if c.pk % 2 == 0 and c.country in ("DE", "AT")
    ]
    in_german = [c for c in sampled if c.country == "DE"]
    assert second.summary.overlap_estimated
    assert second.overlaps == [(german, pytest.approx(len(in_german) / len(sampled)))]


@given(
    every=st.sampled_from([1, 20]),
    a=st.sets(st.integers(0, 5000)),
    b=st.sets(st.integers(0, 5000)),
)
def test_overlap_sketches_count_exactly_the_shared_sampled_customers(every, a, b):
    """The overlap shares come from bitmaps of the sampled ids (multiples of every)."""
    a, b = {pk * every for pk in a}, {pk * every for pk in b}
    shared = sketches.shared(sketches.bitmap(a, every), sketches.bitmap(b, every))
    assert shared == len(a & b)
