"""A real Celery worker process runs the dry run and the import of an uploaded file."""

import pytest
from django.core.files.base import ContentFile

from segmentation.consent.models import ConsentEvent
from segmentation.customers.models import Customer
from segmentation.imports import mapping, tasks
from segmentation.imports.models import ImportJob, ImportStatus
from tests.segmentation.import_helpers import CORPUS
from tests.support.processes import celery_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _status(job: ImportJob) -> str:
    return ImportJob.objects.values_list("status", flat=True).get(pk=job.pk)


def test_a_worker_process_checks_then_imports_a_file(tmp_path, settings):
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    folder = tmp_path / "imports"
    settings.SEGMENTA_IMPORT_DIR = folder
    headers = ["Email", "First name", "Last name", "Phone", "Country", "Birth date", "Newsletter"]
    job = ImportJob(kind="customers", original_name="bom.csv", headers=headers)
    job.file.save("bom.csv", ContentFile((CORPUS / "bom.csv").read_bytes()), save=False)
    job.mapping = {str(k): v for k, v in mapping.guess("customers", headers).items()}
    job.options = {"actor": "dataadmin"}
    job.save()

    with celery_worker(tmp_path / "worker.log", SEGMENTA_IMPORT_DIR=str(folder)):
        try:
            assert tasks.start(job, dry_run=True)
            wait_for(lambda: _status(job) == ImportStatus.CHECKED, 60, "the dry run")
            assert Customer.objects.count() == 0
            assert tasks.start(job, dry_run=False)
            wait_for(lambda: _status(job) == ImportStatus.DONE, 60, "the import")
        except AssertionError:
            print((tmp_path / "worker.log").read_text())
            raise

    job.refresh_from_db()
    assert (job.dry_run_report["new"], job.report["new"]) == (3, 3)
    assert Customer.objects.count() == 3
    assert ConsentEvent.objects.filter(source="import", actor="dataadmin").count() == 2
