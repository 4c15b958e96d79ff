"""Celery tasks of the import: they take the job's id and are safe to run twice (see jobs.run)."""

from celery import shared_task

from segmentation.importing import jobs


@shared_task(acks_late=True)
def run_import(job_id: int, dry_run: bool) -> str | None:
    return jobs.run(job_id, dry_run)
