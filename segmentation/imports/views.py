"""The staged import: upload -> preview and mapping -> dry run -> confirm -> progress -> report."""

import csv
import io
from pathlib import Path

from django.contrib import messages
from django.core.files.storage import Storage
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from segmentation.imports import exports, jobs, mapping, tasks
from segmentation.imports.forms import (
    MappingForm,
    SheetForm,
    UploadForm,
    max_upload_bytes,
    too_large_message,
)
from segmentation.imports.models import ImportJob, ImportStatus
from segmentation.imports.readers import FileRefused, open_table, preview
from segmentation.shared import spreadsheet
from segmentation.shared.access import role_required

PERM = "segmentation.add_importjob"
PREVIEW_ROWS = 20
# Multipart overhead allowed above the file itself before the request is refused unread.
UPLOAD_SLACK = 64 * 1024


def _get_job_for_user(request: HttpRequest, pk: int) -> ImportJob:
    # Every data admin may see every import (they are the team's shared record).
    return get_object_or_404(ImportJob.objects.select_related("created_by"), pk=pk)


def _list_context(request: HttpRequest, form: UploadForm) -> dict:
    return {
        "form": form,
        "jobs": ImportJob.objects.select_related("created_by")[:50],
        "section": "imports",
        "max_mb": max_upload_bytes() // 1024 // 1024,
    }


@require_GET
@role_required(PERM)
def import_list(request: HttpRequest) -> HttpResponse:
    return render(request, "segmentation/imports/list.html", _list_context(request, UploadForm()))


@csrf_exempt
@role_required(PERM)
@require_POST
def import_upload(request: HttpRequest) -> HttpResponse:
    # Refuse an oversized upload from its Content-Length, before reading (or CSRF-parsing) it.
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > max_upload_bytes() + UPLOAD_SLACK:
        context = _list_context(request, UploadForm())
        context["upload_error"] = too_large_message(declared)
        return render(request, "segmentation/imports/list.html", context, status=413)
    return _upload(request)


@csrf_protect
def _upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        context = _list_context(request, form)
        return render(request, "segmentation/imports/list.html", context, status=400)
    upload = form.cleaned_data["file"]
    job = ImportJob(
        kind=form.cleaned_data["kind"],
        original_name=Path(upload.name).name[:255],
        size=upload.size,
        created_by=request.user,
        options={"actor": request.user.get_username()},
    )
    job.file.save(Path(upload.name).name, upload, save=False)
    try:
        _read_headers(job)
    except FileRefused as error:
        job.file.delete(save=False)
        form.add_error("file", str(error))
        context = _list_context(request, form)
        return render(request, "segmentation/imports/list.html", context, status=400)
    job.save()
    return redirect(job)


def _read_headers(job: ImportJob, sheet: str = "") -> None:
    with open_table(job.file.path, sheet=sheet) as table:
        pass  # the header row is all that is needed here
    job.headers = table.headers
    job.sheet = table.sheet
    job.encoding = table.encoding
    job.delimiter = table.delimiter
    job.options = {**job.options, "sheets": table.sheets}
    guessed, _ = mapping.remembered_or_guessed(job.kind, table.headers)
    job.mapping = {str(index): field for index, field in guessed.items()}


@require_GET
@role_required(PERM)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _get_job_for_user(request, pk)
    return render(request, "segmentation/imports/detail.html", _detail_context(job))


def _detail_context(job: ImportJob, form: MappingForm | None = None) -> dict:
    context = {"job": job, "section": "imports", "report": job.current_report}
    if job.status in (ImportStatus.UPLOADED, ImportStatus.CHECKED, ImportStatus.REFUSED) and (
        not job.report
    ):
        context["form"] = form or MappingForm(job)
        context["remembered"] = mapping.remembered_or_guessed(job.kind, job.headers)[1]
        context["warnings"] = mapping.duplicate_headers(
            job.headers, {int(k): v for k, v in job.mapping.items()}
        )
        sheets = job.options.get("sheets") or []
        if len(sheets) > 1:
            context["sheet_form"] = SheetForm(sheets, initial={"sheet": job.sheet})
        try:
            with open_table(job.file.path, sheet=job.sheet) as table:
                context["preview"] = preview(table, PREVIEW_ROWS)
        except (FileRefused, OSError) as error:
            context["preview_error"] = str(error)
    return context


@require_POST
@role_required(PERM)
def import_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    job = _get_job_for_user(request, pk)
    form = SheetForm(job.options.get("sheets") or [], request.POST)
    if form.is_valid() and not job.is_running and job.status != ImportStatus.DONE:
        try:
            _read_headers(job, form.cleaned_data["sheet"])
        except FileRefused as error:
            messages.error(request, str(error))
        else:
            job.status = ImportStatus.UPLOADED
            job.dry_run_report = {}
            job.save()
    return redirect(job)


@require_POST
@role_required(PERM)
def import_dry_run(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the mapping and options (remembered for the same headers), start the dry run."""
    job = _get_job_for_user(request, pk)
    if job.is_running or job.report:
        messages.error(request, "This import has already started; its mapping cannot change.")
        return redirect(job)
    form = MappingForm(job, request.POST)
    if not form.is_valid():
        return render(
            request, "segmentation/imports/detail.html", _detail_context(job, form), status=400
        )
    with transaction.atomic():
        chosen = form.cleaned_data["mapping"]
        job.mapping = {str(index): field for index, field in chosen.items()}
        job.options = {**job.options, **form.options()}
        job.dry_run_report = {}
        job.save(update_fields=["mapping", "options", "dry_run_report"])
        mapping.remember(job.kind, job.headers, chosen)
        tasks.start(job, dry_run=True)
    return redirect(job)


@require_POST
@role_required(PERM)
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = _get_job_for_user(request, pk)
    with transaction.atomic():
        if not tasks.start(job, dry_run=False):
            messages.error(request, "Run the dry run first: only a checked import can start.")
    return redirect(job)


@require_POST
@role_required("segmentation.change_importjob")
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = _get_job_for_user(request, pk)
    if jobs.cancel(job):
        messages.info(request, "Cancelling: the import stops before it writes anything.")
    else:
        messages.error(request, "This import is not running any more.")
    return redirect(job)


@require_GET
@role_required(PERM)
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress region, polled by htmx; once the job has finished, the page reloads."""
    job = _get_job_for_user(request, pk)
    if request.htmx and not job.is_running:
        return HttpResponseClientRefresh()
    return render(request, "segmentation/imports/detail.html#progress", {"job": job})


@require_GET
@role_required(PERM)
def import_problems(request: HttpRequest, pk: int) -> HttpResponse:
    """Every rejected, merged or consent-refused row with its reason: CSV, or XLSX."""
    job = _get_job_for_user(request, pk)
    if not job.problems_file:
        raise Http404("This import has no problem rows.")
    storage: Storage = job.problems_file.storage
    if not storage.exists(job.problems_file.name):
        raise Http404("The problems file is gone.")
    stem = f"import-{job.pk}-problems"
    if request.GET.get("format") == "xlsx":
        with job.problems_file.open("rb") as f:
            rows = csv.reader(io.TextIOWrapper(f, encoding="utf-8", newline=""))
            return spreadsheet.xlsx_response(f"{stem}.xlsx", rows, "Problems")
    return FileResponse(
        job.problems_file.open("rb"), as_attachment=True, filename=f"{stem}.csv",
        content_type="text/csv; charset=utf-8",
    )  # fmt: skip


@require_GET
@role_required(PERM, "segmentation.view_customer")
def customer_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """All customers as CSV (streamed) or XLSX, with spreadsheet formulas neutralised."""
    if fmt not in ("csv", "xlsx"):
        raise Http404("Export as .csv or .xlsx.")
    if fmt == "xlsx":
        return spreadsheet.xlsx_response("customers.xlsx", exports.customer_rows(), "Customers")
    return spreadsheet.csv_response("customers.csv", exports.customer_rows())
