"""Import semantics: upsert, idempotence, empty cells, strict mode, conflicts, orders, dry run."""

from datetime import date
from decimal import Decimal

import pytest

from segmentation.consent.models import ConsentEvent
from segmentation.customers.models import Customer, Order
from tests.segmentation.import_helpers import CORPUS, import_file, import_text

pytestmark = pytest.mark.django_db

PEOPLE = """email,first name,last name,phone,country,birth date,newsletter
ann@example.com,Ann,Berg,+49 151 1234567,Germany,1990-03-04,yes
bob@example.com,Bob,Stone,,UK,13/04/1985,no
"""


def test_it_creates_customers_with_normalised_values(tmp_path):
    report = import_text(tmp_path, PEOPLE)
    assert (report["new"], report["written"]) == (2, True)
    ann = Customer.objects.get(email="ann@example.com")
    assert (ann.phone, ann.country, ann.birth_date) == ("+491511234567", "DE", date(1990, 3, 4))
    assert (ann.first_name_lower, ann.last_name_lower) == ("ann", "berg")
    assert Customer.objects.get(email="bob@example.com").birth_date == date(1985, 4, 13)


def test_it_reports_every_row_unchanged_the_second_time(tmp_path):
    for name in ("duplicates_1000.csv", "bom.csv", "multi_sheet.xlsx"):
        sheet = "Customers" if name.endswith("xlsx") else ""
        first = import_file(CORPUS / name, sheet=sheet)
        events = ConsentEvent.objects.count()
        second = import_file(CORPUS / name, sheet=sheet)
        kept = first["rows"] - first["invalid"] - first["merged"]
        assert (second["new"], second["updated"], second["unchanged"]) == (0, 0, kept), name
        assert ConsentEvent.objects.count() == events


def test_it_matches_emails_case_insensitively_and_updates_changed_rows(tmp_path):
    import_text(tmp_path, PEOPLE)
    report = import_text(tmp_path, "Email,City\nANN@Example.COM,Hamburg\nbob@example.com,\n")
    assert (report["new"], report["updated"], report["unchanged"]) == (0, 1, 1)
    ann = Customer.objects.get(email="ann@example.com")
    assert (ann.city, ann.first_name) == ("Hamburg", "Ann")


def test_it_keeps_existing_values_for_empty_cells_by_default(tmp_path):
    import_text(tmp_path, PEOPLE)
    import_text(tmp_path, "email,first name,phone\nann@example.com,,\n")
    ann = Customer.objects.get(email="ann@example.com")
    assert (ann.first_name, ann.phone) == ("Ann", "+491511234567")


def test_it_clears_fields_for_empty_cells_when_asked(tmp_path):
    import_text(tmp_path, PEOPLE)
    report = import_text(tmp_path, "email,first name,phone\nann@example.com,,\n", empty_clears=True)
    assert report["updated"] == 1
    ann = Customer.objects.get(email="ann@example.com")
    assert (ann.first_name, ann.first_name_lower, ann.phone) == ("", "", "")


def test_it_upserts_by_external_id(tmp_path):
    import_text(tmp_path, "customer id,email,first name\nC-1,ann@example.com,Ann\n")
    report = import_text(
        tmp_path, "customer id,email,first name\nC-1,ann.new@example.com,Anne\n",
        match_on="external_id",
    )  # fmt: skip
    assert (report["new"], report["updated"]) == (0, 1)
    ann = Customer.objects.get(external_id="C-1")
    assert (ann.email, ann.first_name) == ("ann.new@example.com", "Anne")


def test_it_rejects_an_external_id_that_belongs_to_someone_else(tmp_path):
    import_text(tmp_path, "customer id,email\nC-1,ann@example.com\n")
    report = import_text(tmp_path, "customer id,email\nC-1,bob@example.com\nC-2,carl@example.com\n")
    assert (report["new"], report["invalid"]) == (1, 1)
    assert report["issues"][0]["message"] == "External ID C-1 already belongs to another customer"
    assert not Customer.objects.filter(email="bob@example.com").exists()


def test_it_rejects_one_external_id_given_to_two_emails_in_the_file(tmp_path):
    report = import_text(tmp_path, "customer id,email\nC-1,ann@example.com\nC-1,bob@example.com\n")
    assert (report["new"], report["invalid"]) == (0, 2)


def test_strict_mode_refuses_the_whole_file_and_writes_nothing(tmp_path):
    report = import_file(CORPUS / "invalid_emails.csv", strict=True)
    assert report["refused"].startswith("Strict mode: 8 invalid row(s)")
    assert report["written"] is False
    assert Customer.objects.count() == 0


def test_a_dry_run_counts_but_writes_nothing(tmp_path):
    import_text(tmp_path, PEOPLE)
    text = PEOPLE.replace("Berg", "Berger") + "carl@example.com,Carl,,,,,yes\n"
    report = import_text(tmp_path, text, dry_run=True)
    assert (report["new"], report["updated"], report["unchanged"]) == (1, 1, 1)
    assert report["consent"]["applied"] == 1
    assert Customer.objects.count() == 2
    assert Customer.objects.get(email="ann@example.com").last_name == "Berg"
    assert ConsentEvent.objects.count() == 2


def test_it_reports_ambiguous_dates_and_reads_them_with_a_chosen_order(tmp_path):
    text = "email,birth date\nann@example.com,03/04/1990\n"
    assert import_text(tmp_path, text)["invalid"] == 1
    import_text(tmp_path, text, date_order="mdy")
    assert Customer.objects.get().birth_date == date(1990, 3, 4)


def test_it_imports_orders_and_recomputes_metrics(tmp_path):
    import_file(CORPUS / "bom.csv")
    report = import_file(CORPUS / "orders.csv", kind="orders")
    assert (report["new"], report["invalid"]) == (3, 2)
    ann = Customer.objects.get(email="ann@example.com")
    assert ann.order_count == 2
    assert ann.total_spent == Decimal("1254.40")
    bruno_order = Order.objects.get(external_id="SO-5")
    assert (bruno_order.currency, bruno_order.total) == ("USD", Decimal("7.50"))
    again = import_file(CORPUS / "orders.csv", kind="orders")
    assert (again["new"], again["updated"], again["unchanged"]) == (0, 0, 3)


def test_it_moves_an_order_to_another_customer_and_recomputes_both(tmp_path):
    import_file(CORPUS / "bom.csv")
    import_text(tmp_path, "order id,email,total\nSO-9,ann@example.com,10.00\n", kind="orders")
    report = import_text(tmp_path, "order id,email\nSO-9,bruno@example.com\n", kind="orders")
    assert report["updated"] == 1
    assert Customer.objects.get(email="ann@example.com").order_count == 0
    assert Customer.objects.get(email="bruno@example.com").total_spent == Decimal("10.00")


def test_it_refuses_an_order_file_without_order_ids(tmp_path):
    report = import_text(tmp_path, "email,total\nann@example.com,10\n", kind="orders")
    assert "Order ID" in report["refused"]
    assert Order.objects.count() == 0


def test_it_refuses_a_file_the_csv_reader_cannot_read_and_writes_nothing(tmp_path, settings):
    import csv as csv_module

    from segmentation.imports.readers import FileRefused

    limit = csv_module.field_size_limit()
    csv_module.field_size_limit(1000)
    try:
        with pytest.raises(FileRefused, match="cannot be read as CSV after row 2"):
            import_text(
                tmp_path, "email,city\nann@example.com,x\nbob@example.com," + "y" * 2000 + "\n"
            )
    finally:
        csv_module.field_size_limit(limit)
    assert Customer.objects.count() == 0


def test_a_clean_file_leaves_no_problems_file(tmp_path):
    problems = tmp_path / "problems.csv"
    problems.write_text("stale")
    import_text(tmp_path, PEOPLE, problems=problems)
    assert not problems.exists()


def test_matching_by_rebuilding_the_stage_gives_the_same_result(tmp_path, monkeypatch):
    from segmentation.imports import matching

    monkeypatch.setattr(matching, "REBUILD_MIN_ROWS", 1)  # the path big re-imports take
    import_text(tmp_path, PEOPLE)
    report = import_text(tmp_path, PEOPLE.replace("Stone", "Stein") + "carl@example.com,Carl\n")
    assert (report["new"], report["updated"], report["unchanged"]) == (1, 1, 1)
    assert Customer.objects.get(email="bob@example.com").last_name == "Stein"
    assert ConsentEvent.objects.count() == 2
    again = import_file(CORPUS / "duplicates_1000.csv")
    assert again["merged"] == 1000
