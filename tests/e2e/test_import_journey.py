"""A data admin uploads a file, maps a column, reads the dry run, confirms, watches it run."""

import pytest
from playwright.sync_api import expect

from segmentation.customers.models import Customer
from segmentation.imports.models import ImportJob
from tests.e2e.screens import shot as _shot
from tests.support.processes import celery_worker

# serialized_rollback: the roles (groups) come from data migrations; keep them after the flush.
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
ROWS = 60_000
BAD = {17: "not-an-email", 2_000: "two@@example.com", 45_000: "x@"}


def _spreadsheet(path):
    lines = ["Contact;Vorname;Land"]
    for n in range(ROWS):
        lines.append(f"{BAD.get(n, f'person{n}@example.com')};Person {n};Deutschland")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_it_takes_a_data_admin_from_upload_to_the_report(
    page, live_server, data_admin, tmp_path, settings
):
    settings.SEGMENTA_IMPORT_DIR = tmp_path / "imports"
    data_admin.set_password("a-long-passphrase")
    data_admin.save(update_fields=["password"])
    upload = tmp_path / "kunden.csv"
    _spreadsheet(upload)

    with celery_worker(tmp_path / "worker.log", SEGMENTA_IMPORT_DIR=str(tmp_path / "imports")):
        page.goto(live_server.url + "/login/")
        page.get_by_label("Username").fill(data_admin.username)
        page.get_by_label("Password").fill("a-long-passphrase")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Imports").click()
        expect(page.get_by_role("heading", name="Imports", exact=True)).to_be_visible()

        page.get_by_label("What the file holds").select_option("customers")
        page.get_by_label("Spreadsheet:", exact=True).set_input_files(str(upload))
        page.get_by_role("button", name="Upload and map columns").click()
        expect(page.locator("#preview tbody tr")).to_have_count(20)

        # "Contact" is not a name the guesser knows: map it to Email by hand.
        contact = page.get_by_label("Contact")
        expect(contact).to_have_value("")
        expect(page.get_by_label("Vorname")).to_have_value("first_name")
        contact.select_option("email")
        _shot(page, "import-mapping")
        page.get_by_role("button", name="Dry run").click()

        expect(page.get_by_role("heading", name="Dry run: what the import would do")).to_be_visible(
            timeout=60_000
        )
        expect(page.locator("[data-stat=invalid] dd")).to_have_text("3")
        expect(page.locator("[data-stat=new] dd")).to_have_text(f"{ROWS - 3:,}")
        expect(page.locator("#issues")).to_contain_text(
            "'not-an-email' is not a valid email address"
        )
        _shot(page, "import-dry-run")
        assert Customer.objects.count() == 0

        page.get_by_role("button", name="Confirm import").click()
        bar = page.locator("#import-progress")
        expect(bar).to_be_visible()
        _shot(page, "import-progress")
        expect(page.get_by_role("heading", name="Import report")).to_be_visible(timeout=90_000)
        expect(bar).to_have_count(0)

    expect(page.locator("[data-stat=new] dd")).to_have_text(f"{ROWS - 3:,}")
    _shot(page, "import-report")
    job = ImportJob.objects.get()
    assert (job.status, job.report["new"]) == ("done", ROWS - 3)
    assert Customer.objects.count() == ROWS - 3
    assert Customer.objects.get(email="person5@example.com").country == "DE"
