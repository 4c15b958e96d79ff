"""Bulk load: secondary indexes, unique constraints and the ledger's foreign keys
are dropped for an initial load and made again; the result and the schema are the same."""

import psycopg
import pytest
from django.db import connection, transaction

from segmentation.consent.models import ConsentEvent
from segmentation.customers.models import Customer
from segmentation.imports import bulk_load
from segmentation.imports.exceptions import ChangedMeanwhile
from segmentation.imports.importer import Importer
from segmentation.imports.mapping import guess
from segmentation.imports.options import Hooks, Options
from segmentation.imports.readers import open_table
from tests.segmentation.import_helpers import import_text

pytestmark = pytest.mark.django_db

TABLES = ("segmentation_customer", "segmentation_consentevent")
PEOPLE = """email,customer id,first name,last name,phone,country,birth date,newsletter
ann@example.com,C-1,Ann,Berg,+49 151 1234567,Germany,1990-03-04,yes
bob@example.com,C-2,Bob,Stone,,UK,13/04/1985,no
carl@example.com,C-3,Carl,Lind,+45 20 12 34 56,Denmark,,
dora@example.com,C-4,Dora,Costa,+39 312 345 6789,Italia,1970-01-02,yes
not-an-email,C-5,Eve,Ray,,,,yes
ann@example.com,,,Berg-Lind,,,,
"""


def schema() -> dict:
    """Every index (pg_indexes' name and definition) and constraint of the two tables, and what
    Django's introspection sees."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
            "ORDER BY 1, 2",
            [list(TABLES)],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), condeferrable, "
            "condeferred, convalidated FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) "
            "ORDER BY 1, 2",
            [list(TABLES)],
        )
        constraints = cursor.fetchall()
        django_view = {
            table: connection.introspection.get_constraints(cursor, table) for table in TABLES
        }
    return {"indexes": indexes, "constraints": constraints, "django": django_view}


def result() -> dict:
    customers = list(
        Customer.objects.order_by("email").values_list(
            "email", "external_id", "first_name", "last_name", "last_name_lower", "phone",
            "country", "birth_date", "email_consent", "sms_consent",
        )
    )  # fmt: skip
    events = list(
        ConsentEvent.objects.order_by("customer__email", "channel").values_list(
            "customer__email", "channel", "action", "source", "evidence", "address_hash"
        )
    )
    return {"customers": customers, "events": events}


def run_and_undo(tmp_path, **options) -> tuple[dict, dict, dict]:
    """Import PEOPLE in a savepoint; the report, the result and the schema after it; undone."""
    with transaction.atomic():
        report = import_text(tmp_path, PEOPLE, **options)
        found, after = result(), schema()
        transaction.set_rollback(True)
    return report, found, after


def test_bulk_load_gives_the_same_rows_and_the_same_indexes_as_the_normal_way(
    tmp_path, monkeypatch, settings
):
    monkeypatch.setattr(bulk_load, "MIN_ROWS", 1)
    before = schema()
    report, bulk, after = run_and_undo(tmp_path)
    secondary = {
        table: sum(1 for t, name, _ in before["indexes"] if t == table and name != f"{t}_pkey")
        for table in TABLES
    }
    # Every secondary index (unique constraints included) of the customers; of the ledger, those
    # and its foreign keys.
    assert report["bulk_load"]["segmentation_customer"] == secondary["segmentation_customer"] > 5
    assert report["bulk_load"]["segmentation_consentevent"] > secondary["segmentation_consentevent"]
    assert "rebuild_indexes" in report["seconds"]
    assert after == before
    assert len(bulk["customers"]) == 4 and len(bulk["events"]) == 3

    settings.SEGMENTA_IMPORT_BULK_INDEX_REBUILD = False
    normal_report, normal, _ = run_and_undo(tmp_path)
    assert "bulk_load" not in normal_report
    assert bulk == normal
    for key in ("new", "updated", "unchanged", "invalid", "merged", "issues"):
        assert report[key] == normal_report[key]
    assert schema() == before


def test_no_bulk_load_for_small_imports_into_a_big_table(tmp_path, monkeypatch):
    import_text(tmp_path, PEOPLE)
    monkeypatch.setattr(bulk_load, "MIN_ROWS", 1)
    # 1 new row, 4 customers already there: the normal way.
    report = import_text(tmp_path, PEOPLE + "finn@example.com,C-6,Finn\n")
    assert report["new"] == 1 and "bulk_load" not in report


def test_strict_refusal_and_dry_run_leave_the_indexes_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(bulk_load, "MIN_ROWS", 1)
    before = schema()
    refused = import_text(tmp_path, PEOPLE, strict=True)
    assert refused["refused"].startswith("Strict mode") and "bulk_load" not in refused
    checked = import_text(tmp_path, PEOPLE, dry_run=True)
    assert checked["new"] == 4 and "bulk_load" not in checked
    assert schema() == before
    assert not Customer.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_failing_bulk_import_rolls_back_with_its_indexes(tmp_path, monkeypatch):
    """The import's own transaction (not a test savepoint) is rolled back: indexes come back."""
    monkeypatch.setattr(bulk_load, "MIN_ROWS", 1)
    before = schema()
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE, encoding="utf-8")
    table = open_table(path)

    def before_commit(report):
        assert report["bulk_load"]
        raise RuntimeError("the worker died before the commit")

    options = Options(kind="customers", mapping=guess("customers", table.headers))
    with pytest.raises(RuntimeError):
        Importer(table, options, Hooks(before_commit=before_commit)).run(dry_run=False)
    assert schema() == before
    assert not Customer.objects.exists() and not ConsentEvent.objects.exists()


def test_someone_elses_customer_written_meanwhile_fails_the_import(tmp_path, monkeypatch):
    """With the unique constraints dropped, a duplicate is found when they are added again."""
    monkeypatch.setattr(bulk_load, "MIN_ROWS", 1)
    before = schema()
    drop = bulk_load.drop_secondary_indexes

    def meanwhile(table, locked):
        if table == "segmentation_customer":
            Customer.objects.create(email="carl@example.com")  # after the matching
        return drop(table, locked)

    monkeypatch.setattr(bulk_load, "drop_secondary_indexes", meanwhile)
    with pytest.raises(ChangedMeanwhile):
        import_text(tmp_path, PEOPLE)
    assert schema() == before
    assert not Customer.objects.exists()


def test_a_table_locked_by_someone_else_is_written_the_normal_way(tmp_path, monkeypatch):
    monkeypatch.setattr(bulk_load, "MIN_ROWS", 1)
    monkeypatch.setattr(bulk_load, "LOCK_TIMEOUT", "100ms")
    db = connection.settings_dict
    other = psycopg.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"] or None,
        host=db["HOST"] or None, port=db["PORT"] or None,
    )  # fmt: skip
    try:
        other.execute("LOCK TABLE segmentation_customer IN ACCESS SHARE MODE")  # a long read
        report = import_text(tmp_path, PEOPLE)
    finally:
        other.rollback()
        other.close()
    assert report["written"] and report["new"] == 4
    assert "segmentation_customer" not in report.get("bulk_load", {})
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "0"  # the import's own setting did not stay
    assert Customer.objects.count() == 4
