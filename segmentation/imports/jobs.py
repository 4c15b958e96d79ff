"""Running an ImportJob: claim it, run the import with progress and cancellation, keep the report.

Safe to run twice (a redelivered Celery message): every run claims the next attempt number,
and only the run holding the current attempt may finish the job, in the same transaction
as the import's writes.
"""

import logging
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from segmentation.customers import signals, tasks
from segmentation.imports.exceptions import Cancelled, ChangedMeanwhile
from segmentation.imports.importer import Importer
from segmentation.imports.models import ImportJob, ImportKind, ImportStatus
from segmentation.imports.options import Hooks, Options
from segmentation.imports.readers import FileRefused, count_lines, open_table

log = logging.getLogger(__name__)


def options_for(job: ImportJob) -> Options:
    stored = dict(job.options)
    stored.pop("kind", None)
    stored.pop("mapping", None)
    return Options(
        kind=job.kind,
        mapping=job.mapping,
        actor=stored.pop("actor", "") or (job.created_by.get_username() if job.created_by else ""),
        file_name=stored.pop("file_name", "") or job.original_name,
        **{k: v for k, v in stored.items() if k in Options.__dataclass_fields__},
    )


def xlsx_rows(table) -> int | None:
    """The data rows the sheet says it has (its dimension), for the progress bar; may be None."""
    rows = getattr(table.workbook[table.sheet], "max_row", None)
    return rows - 1 if rows else None


def problems_name(job: ImportJob) -> str:
    return f"reports/import-{job.pk}-problems.csv"


def claim(job_id: int, status: str) -> int | None:
    """Take the job for one run; None when it is not (or no longer) waiting for this step."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != status or job.cancel_requested:
            if job is not None and job.cancel_requested and job.status == status:
                _finish(job_id, job.attempt, ImportStatus.CANCELLED, {})
            return None
        job.attempt += 1
        job.started_at = timezone.now()
        job.processed_rows = 0
        job.save(update_fields=["attempt", "started_at", "processed_rows"])
        return job.attempt


def _finish(job_id: int, attempt: int, status: str, report: dict, dry_run: bool = False) -> bool:
    fields = {"status": status, "finished_at": timezone.now()}
    fields["dry_run_report" if dry_run else "report"] = report
    return bool(ImportJob.objects.filter(pk=job_id, attempt=attempt).update(**fields))


def run(job_id: int, dry_run: bool) -> str | None:
    """Run the dry run (status CHECKING) or the import (status IMPORTING) of one job."""
    step = ImportStatus.CHECKING if dry_run else ImportStatus.IMPORTING
    attempt = claim(job_id, step)
    if attempt is None:
        return None
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    path = Path(job.file.path)
    problems = problems_name(job)
    storage = job.file.storage
    mine = ImportJob.objects.filter(pk=job_id, attempt=attempt)

    def progress(rows: int) -> None:
        mine.update(processed_rows=rows)

    def cancelled() -> bool:
        return mine.filter(cancel_requested=True).exists()

    def before_commit(report: dict) -> None:
        # The data and "done" commit together, or neither does.
        if not _finish(job_id, attempt, ImportStatus.DONE, report):
            raise ChangedMeanwhile("Another run of this import took over.")

    table = None
    try:
        table = open_table(path, sheet=job.sheet)
        total = count_lines(path) if table.format == "csv" else xlsx_rows(table)
        mine.update(total_rows=total)
        importer = Importer(table, options_for(job), Hooks(progress, cancelled, before_commit))
        report = importer.run(dry_run=dry_run, problems_path=Path(storage.path(problems)))
    except Cancelled:
        _finish(job_id, attempt, ImportStatus.CANCELLED, {"refused": "Cancelled."}, dry_run)
        return ImportStatus.CANCELLED
    except FileRefused as error:
        _finish(job_id, attempt, ImportStatus.REFUSED, {"refused": str(error)}, dry_run)
        return ImportStatus.REFUSED
    except ChangedMeanwhile as error:
        _finish(job_id, attempt, ImportStatus.FAILED, {"refused": str(error)}, dry_run)
        return ImportStatus.FAILED
    except Exception:
        log.exception("import %s failed", job_id)
        _finish(
            job_id, attempt, ImportStatus.FAILED,
            {"refused": "The import failed unexpectedly; nothing was written. "
                        "The error is in the server log."},
            dry_run,
        )  # fmt: skip
        raise
    finally:
        if table is not None:
            table.close()
    mine.update(problems_file=problems if storage.exists(problems) else "")
    mine.update(total_rows=report["rows"], processed_rows=report["rows"])
    if report["refused"]:
        _finish(job_id, attempt, ImportStatus.REFUSED, report, dry_run)
        return ImportStatus.REFUSED
    if dry_run:
        _finish(job_id, attempt, ImportStatus.CHECKED, report, dry_run=True)
        return ImportStatus.CHECKED
    # A real import already finished the job inside its transaction (before_commit).
    if job.kind == ImportKind.ORDERS:
        _orders_changed()
    return ImportStatus.DONE


def _orders_changed() -> None:
    """New orders move everyone's RFM quintiles and may be conversions of a campaign."""
    tasks.recompute_rfm.delay()
    signals.orders_recorded.send(sender=ImportJob, since=None)


def cancel(job: ImportJob) -> bool:
    """Ask a queued or running job to stop; it stops before writing anything."""
    return bool(
        ImportJob.objects.filter(pk=job.pk, status__in=ImportJob.RUNNING).update(
            cancel_requested=True
        )
    )
