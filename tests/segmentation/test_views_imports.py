"""The staged import pages: access, upload, mapping, dry run, confirm, cancel, progress, exports."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from segmentation.customers import signals
from segmentation.customers.models import Customer
from segmentation.imports import jobs
from segmentation.imports.models import ImportJob, ImportMapping, ImportStatus
from tests.htmltree import parse
from tests.segmentation.import_helpers import CORPUS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _import_dir(settings, tmp_path):
    settings.SEGMENTA_IMPORT_DIR = tmp_path / "imports"


@pytest.fixture
def admin_client(client, data_admin):
    client.force_login(data_admin)
    return client


def _upload(client, name="invalid_emails.csv", kind="customers", content=None):
    data = content if content is not None else (CORPUS / name).read_bytes()
    return client.post(
        reverse("import_upload"), {"kind": kind, "file": SimpleUploadedFile(name, data)}
    )


def _alerts(content: bytes) -> str:
    return " ".join(el.text for el in parse(content).find_all(role="alert") if el.text)


def _dry_run(client, job, run_on_commit, **extra):
    form = {f"col_{i}": field for i, field in job.mapping.items()}
    form.update({"match_on": "email", "date_order": "auto", **extra})
    with run_on_commit():
        return client.post(reverse("import_dry_run", args=[job.pk]), form)


@pytest.mark.parametrize("name", ["import_list", "import_detail", "import_problems"])
def test_it_denies_other_roles(name, client, outsider, marketer, data_admin):
    job = ImportJob.objects.create(kind="customers", original_name="x.csv", created_by=data_admin)
    args = [] if name == "import_list" else [job.pk]
    for user in (outsider, marketer):
        client.force_login(user)
        assert client.get(reverse(name, args=args)).status_code == 403
    client.logout()
    assert client.get(reverse(name, args=args)).status_code == 302


def test_it_denies_upload_and_export_to_an_outsider(outsider_client):
    assert _upload(outsider_client).status_code == 403
    assert outsider_client.get(reverse("customer_export", args=["csv"])).status_code == 403
    assert ImportJob.objects.count() == 0


def test_it_lists_imports_in_the_nav_for_data_admins(admin_client):
    page = parse(admin_client.get(reverse("import_list")).content)
    nav = page.find("nav", class_="mainnav")
    assert nav.find("a", href=reverse("import_list"))["aria-current"] == "page"


def test_it_uploads_and_shows_twenty_rows_with_the_guessed_mapping(admin_client, tmp_path):
    rows = "\n".join(f"p{n}@example.com,P{n}" for n in range(30))
    response = _upload(admin_client, "people.csv", content=f"E-Mail,Vorname\n{rows}\n".encode())
    job = ImportJob.objects.get()
    assert response.url == job.get_absolute_url()
    assert (job.headers, job.mapping) == (["E-Mail", "Vorname"], {"0": "email", "1": "first_name"})
    page = parse(admin_client.get(job.get_absolute_url()).content)
    assert len(page.by_id("preview").find("tbody").find_all("tr")) == 20
    selected = page.find("select", name="col_1").find("option", selected=True)
    assert selected["value"] == "first_name"


def test_it_refuses_a_file_over_the_size_limit_with_a_clear_message(admin_client, settings):
    settings.SEGMENTA_IMPORT_MAX_UPLOAD_MB = 0
    response = _upload(admin_client, "big.csv", content=b"email\n" + b"a@example.com\n" * 10000)
    assert response.status_code == 413
    alert = _alerts(response.content)
    assert "the largest file accepted is 0 MB" in alert
    small = _upload(admin_client, "small.csv", content=b"email\na@example.com\n")
    assert small.status_code == 400
    assert "the largest file accepted is 0 MB" in _alerts(small.content)
    assert ImportJob.objects.count() == 0


def test_it_refuses_an_unreadable_file_at_upload(admin_client):
    response = _upload(admin_client, "zip_bomb.xlsx")
    assert response.status_code == 400
    assert "ZIP bomb" in _alerts(response.content)
    assert ImportJob.objects.count() == 0


def test_a_dry_run_reports_errors_and_offers_the_rejected_rows(admin_client, run_on_commit):
    _upload(admin_client)
    job = ImportJob.objects.get()
    _dry_run(admin_client, job, run_on_commit)
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    assert Customer.objects.count() == 0
    page = parse(admin_client.get(job.get_absolute_url()).content)
    assert page.find(data_stat="invalid").find("dd").text == "8"
    assert page.find(data_stat="new").find("dd").text == "1"
    assert "not-an-email" in page.by_id("issues").text
    download = admin_client.get(reverse("import_problems", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert [row[0] for row in rows[1:]] == ["3", "4", "5", "6", "7", "8", "9", "10"]
    assert ImportMapping.objects.count() == 1


def test_confirming_imports_and_keeps_the_report(admin_client, run_on_commit, data_admin):
    _upload(admin_client)
    job = ImportJob.objects.get()
    _dry_run(admin_client, job, run_on_commit)
    with run_on_commit():
        admin_client.post(reverse("import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.report["new"], job.report["written"]) == ("done", 1, True)
    assert Customer.objects.filter(email="good@example.com").exists()
    listing = parse(admin_client.get(reverse("import_list")).content)
    row = listing.find("tr", data_id=str(job.pk))
    assert "Imported" in row.text and data_admin.username in row.text


def test_confirm_needs_a_dry_run_first(admin_client, run_on_commit):
    _upload(admin_client)
    job = ImportJob.objects.get()
    with run_on_commit():
        admin_client.post(reverse("import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.UPLOADED
    assert Customer.objects.count() == 0


def test_a_mapping_error_is_shown_on_the_form(admin_client, run_on_commit):
    _upload(admin_client)
    job = ImportJob.objects.get()
    response = _dry_run(admin_client, job, run_on_commit, col_1="email")
    assert response.status_code == 400
    assert "Email is chosen for two columns" in _alerts(response.content)


def test_a_cancelled_import_writes_nothing(admin_client, run_on_commit):
    _upload(admin_client)
    job = ImportJob.objects.get()
    _dry_run(admin_client, job, run_on_commit)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.IMPORTING)
    admin_client.post(reverse("import_cancel", args=[job.pk]))
    assert jobs.run(job.pk, dry_run=False) is None  # the queued run sees the request first
    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED
    assert Customer.objects.count() == 0


def test_cancelling_while_running_stops_before_writing(admin_client, run_on_commit, monkeypatch):
    from segmentation.imports import staging

    _upload(admin_client, "duplicates_1000.csv")
    job = ImportJob.objects.get()
    _dry_run(admin_client, job, run_on_commit)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.IMPORTING)
    monkeypatch.setattr(staging, "BATCH", 100)
    flush = staging.flush

    def flush_then_cancel(names, good, bad):
        flush(names, good, bad)
        jobs.cancel(job)  # the admin presses Cancel while rows are being read

    monkeypatch.setattr(staging, "flush", flush_then_cancel)
    assert jobs.run(job.pk, dry_run=False) == ImportStatus.CANCELLED
    job.refresh_from_db()
    assert (job.status, job.processed_rows) == (ImportStatus.CANCELLED, 100)
    assert Customer.objects.count() == 0


def test_the_progress_region_polls_until_done(admin_client, run_on_commit):
    _upload(admin_client)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.IMPORTING, processed_rows=50, total_rows=200
    )
    url = reverse("import_progress", args=[job.pk])
    region = parse(admin_client.get(url, headers={"HX-Request": "true"}).content)
    bar = region.by_id("import-progress")
    assert bar["value"] == "25"
    assert region.by_id("progress")["hx-trigger"] == "every 1s"
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.DONE)
    done = admin_client.get(url, headers={"HX-Request": "true"})
    assert done.headers["HX-Refresh"] == "true"


def test_the_customer_export_neutralises_formulas(admin_client):
    Customer.objects.create(email="f@example.com", first_name="=1+2", last_name="@cmd")
    response = admin_client.get(reverse("customer_export", args=["csv"]))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert (rows[0]["first_name"], rows[0]["last_name"]) == ("'=1+2", "'@cmd")


def test_the_xlsx_export_neutralises_formulas(admin_client):
    from openpyxl import load_workbook

    Customer.objects.create(email="f@example.com", first_name='=HYPERLINK("x")', phone="")
    response = admin_client.get(reverse("customer_export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [cell.value for cell in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("first_name") + 1)
    assert (cell.value, cell.data_type) == ('\'=HYPERLINK("x")', "s")


def test_the_problem_rows_download_as_xlsx_too(admin_client, run_on_commit):
    from openpyxl import load_workbook

    _upload(admin_client, "formulas.csv")
    job = ImportJob.objects.get()
    _dry_run(admin_client, job, run_on_commit)
    response = admin_client.get(reverse("import_problems", args=[job.pk]) + "?format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("row", "outcome", "field", "reason")
    assert rows[1][4] == '\'=HYPERLINK("http://x")'  # the rejected cell, neutralised


def test_an_xlsx_upload_offers_its_sheets(admin_client):
    _upload(admin_client, "multi_sheet.xlsx")
    job = ImportJob.objects.get()
    assert (job.sheet, job.options["sheets"]) == ("Notes", ["Notes", "Customers"])
    admin_client.post(reverse("import_sheet", args=[job.pk]), {"sheet": "Customers"})
    job.refresh_from_db()
    assert job.sheet == "Customers" and job.mapping["0"] == "email"


def test_an_order_import_gives_rfm_scores_and_asks_for_conversions(admin_client, run_on_commit):
    ann = Customer.objects.create(email="ann@example.com")
    heard = []

    def listener(sender, **kwargs):
        heard.append(sender)

    signals.orders_recorded.connect(listener)
    try:
        _upload(admin_client, "orders.csv", kind="orders")
        job = ImportJob.objects.get()
        _dry_run(admin_client, job, run_on_commit)
        with run_on_commit():
            admin_client.post(reverse("import_confirm", args=[job.pk]))
    finally:
        signals.orders_recorded.disconnect(listener)
    ann.refresh_from_db()
    assert ann.order_count > 0 and ann.rfm_tier != ""
    assert heard == [ImportJob]
