"""Every file of the bad-file corpus gives its expected report; refused files write nothing."""

import csv
import json

import pytest

from segmentation.consent.models import ConsentEvent
from segmentation.customers.models import Customer, Order
from segmentation.imports.readers import FileRefused, open_table
from tests.segmentation.import_helpers import CORPUS, import_file

EXPECTED = json.loads((CORPUS / "expected.json").read_text())
pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(db):
    """Customers the orders in orders.csv belong to."""
    import_file(CORPUS / "bom.csv")


def _run(name: str, tmp_path):
    expected = EXPECTED[name]
    try:
        return import_file(
            CORPUS / name,
            kind=expected.get("kind", "customers"),
            sheet=expected.get("sheet", ""),
            problems=tmp_path / "problems.csv",
            actor="dataadmin",
        )
    except FileRefused as error:
        return {"refused": str(error)}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_it_reports_each_corpus_file_as_expected(name, tmp_path, request):
    expected = EXPECTED[name]
    if expected.get("kind") == "orders":
        request.getfixturevalue("shop")
    customers, orders, events = (
        Customer.objects.count(),
        Order.objects.count(),
        ConsentEvent.objects.count(),
    )

    report = _run(name, tmp_path)

    if "refused" in expected:
        assert expected["refused"] in report["refused"]
        assert (Customer.objects.count(), Order.objects.count()) == (customers, orders)
        assert ConsentEvent.objects.count() == events
        return
    assert not report["refused"]
    for key in ("rows", "new", "invalid", "merged"):
        assert report[key] == expected[key], key
    assert report["rows"] == (
        report["new"]
        + report["updated"]
        + report["unchanged"]
        + report["invalid"]
        + report["merged"]
    )
    if "events" in expected:
        assert report["consent"]["events"] == expected["events"]
    rejected = [(i["row"], i["message"]) for i in report["issues"] if i["outcome"] == "rejected"]
    for (row, message), (want_row, want) in zip(rejected, expected.get("errors", []), strict=True):
        assert row == want_row
        assert message.startswith(want), message


@pytest.mark.parametrize("name", ["bom.csv", "semicolon.csv", "tab_utf16.csv", "cp1252.csv"])
def test_it_detects_encoding_and_delimiter(name):
    table = open_table(CORPUS / name)
    assert (table.encoding, table.delimiter) == (
        EXPECTED[name]["encoding"],
        EXPECTED[name]["delimiter"],
    )
    assert table.headers[0] == "Email"


def test_it_decodes_cp1252_names(db, tmp_path):
    _run("cp1252.csv", tmp_path)
    zoe = Customer.objects.get(email="zoe@example.com")
    assert (zoe.first_name, zoe.last_name, zoe.country) == ("Zoë", "Müller–SStraße", "AT")


def test_it_merges_a_thousand_duplicates_last_wins(db, tmp_path):
    _run("duplicates_1000.csv", tmp_path)
    person = Customer.objects.get(email="person7@example.com")
    assert (person.first_name, person.last_name, person.country) == ("First7", "Last7", "DE")
    assert person.email_consent == "granted"
    assert Customer.objects.count() == 500


def test_it_imports_formulas_as_plain_text(db, tmp_path):
    _run("formulas.csv", tmp_path)
    assert Customer.objects.get(email="f1@example.com").first_name == "=1+2"
    assert Customer.objects.get(email="f2@example.com").last_name == "@cmd"


def test_it_reads_the_chosen_sheet_with_formula_cells_as_text(db, tmp_path):
    table = open_table(CORPUS / "multi_sheet.xlsx")
    assert table.sheets == ["Notes", "Customers"] and table.sheet == "Notes"
    _run("multi_sheet.xlsx", tmp_path)
    assert Customer.objects.get(email="xl@example.com").first_name == "=1+1"


def test_it_writes_every_rejected_row_with_its_reason_and_cells(db, tmp_path):
    _run("invalid_emails.csv", tmp_path)
    with open(tmp_path / "problems.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:4] == ["row", "outcome", "field", "reason"]
    assert rows[0][4:] == open_table(CORPUS / "invalid_emails.csv").headers
    assert [r[0] for r in rows[1:]] == ["3", "4", "5", "6", "7", "8", "9", "10"]
    assert rows[1][4] == "not-an-email"


def test_it_lists_merged_duplicates_in_the_problems_file(db, tmp_path):
    _run("duplicates_1000.csv", tmp_path)
    with open(tmp_path / "problems.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1000
    assert rows[0]["outcome"] == "merged" and rows[0]["Email"] == "person0@example.com"
