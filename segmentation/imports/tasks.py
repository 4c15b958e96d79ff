"""Celery tasks of the import: they take the job's id and are safe to run twice (see jobs.run)."""

from celery import shared_task

from segmentation.imports import jobs
from segmentation.imports.models import ImportJob, ImportStatus


@shared_task(acks_late=True)
def run_import(job_id: int, dry_run: bool) -> str | None:
    return jobs.run(job_id, dry_run)


def start(job: ImportJob, dry_run: bool) -> bool:
    """Queue the dry run or the import (after commit); False when the job is not ready for it."""
    ready = (ImportStatus.UPLOADED, ImportStatus.CHECKED, ImportStatus.REFUSED)
    if not dry_run:
        ready = (ImportStatus.CHECKED,)
    step = ImportStatus.CHECKING if dry_run else ImportStatus.IMPORTING
    changed = ImportJob.objects.filter(pk=job.pk, status__in=ready).update(
        status=step,
        cancel_requested=False,
        processed_rows=0,
        finished_at=None,
    )
    if changed:
        run_import.delay_on_commit(job.pk, dry_run)
    return bool(changed)
