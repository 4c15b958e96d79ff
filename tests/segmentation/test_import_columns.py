"""Column-wise validation gives exactly what the normalisers give cell by cell.

Staging validates a chunk of rows a column at a time (segmentation.imports.columns), with fast
paths and remembered answers; an import's values and error messages must not depend on that.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation.customers.models import Customer
from segmentation.imports import columns
from segmentation.imports import normalise as n
from segmentation.imports.models import ImportKind
from segmentation.imports.options import Options
from tests.segmentation.import_helpers import import_text

OPTIONS = Options(kind=ImportKind.CUSTOMERS, mapping={0: "email"})

# Cells near each normaliser's edges: clean forms, noise its fast path must not accept, junk.
EDGES = [
    "", "ann@example.com", "Ann@Example.COM", "ann@example", "a" * 250 + "@x.de",
    "+49 151 1234567", "0049 151 1234567", "030 1234567", "(030) 123-4567", "+0 1",
    "Germany", "DE", "deu", "Atlantis", "2020-03-04", "03/04/2020", "13/04/1985",
    "4 March 1990", "31.02.2000", "f", "Woman", "x", "yes", "No", "maybe", "1.234,56",
]  # fmt: skip
CELLS = st.one_of(st.sampled_from(EDGES), st.text(max_size=30))
NORMALISERS = [
    n.email, n.phone, n.country, n.birth_date, n.gender, n.consent, n.income, n.text(12),
]  # fmt: skip


def per_cell(convert, raws):
    values, errors = [], {}
    for position, raw in enumerate(raws):
        if not raw:
            values.append(None)
            continue
        try:
            values.append(convert(raw, OPTIONS))
        except n.Invalid as error:
            values.append(None)
            errors[position] = str(error)
    return values, errors


@pytest.mark.parametrize("convert", NORMALISERS)
def test_every_edge_cell_validates_as_it_would_alone(convert):
    validate = columns.validator(convert, OPTIONS)
    assert validate(EDGES) == per_cell(convert, EDGES)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(NORMALISERS), st.lists(CELLS.map(str.strip), max_size=40))
def test_a_column_validates_as_its_cells_would_one_by_one(convert, raws):
    validate = columns.validator(convert, OPTIONS)
    assert validate(raws) == per_cell(convert, raws)
    # Remembered answers (the second chunk of a file) give the same again.
    assert validate(raws) == per_cell(convert, raws)


@pytest.mark.django_db
def test_rows_keep_their_numbers_and_reasons_across_chunks_and_copies(tmp_path, monkeypatch):
    from segmentation.imports import staging

    monkeypatch.setattr(staging, "CHUNK", 3)
    monkeypatch.setattr(staging, "BATCH", 7)
    lines = ["email,country,extra"]
    for number in range(2, 32):  # spreadsheet rows 2..31
        if number % 5 == 0:
            lines.append(f"bad-{number},Atlantis,")
        elif number % 11 == 0:
            lines.append(f"p{number}@example.com,DE,,surplus")
        else:
            lines.append(f"p{number}@example.com,DE,")
    report = import_text(tmp_path, "\n".join(lines) + "\n", problems=tmp_path / "problems.csv")

    rejected = [5, 10, 11, 15, 20, 22, 25, 30]
    assert (report["rows"], report["invalid"], report["new"]) == (30, 8, 22)
    problems = (tmp_path / "problems.csv").read_text()
    assert "'bad-10' is not a valid email address; Country: 'Atlantis' is not" in problems
    assert "1 more cells than the header has" in problems
    assert set(Customer.objects.values_list("email", flat=True)) == {
        f"p{number}@example.com" for number in range(2, 32) if number not in rejected
    }
