"""Spreadsheet imports: the job and its report, and remembered column mappings."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.urls import reverse
from django.utils import timezone


class ImportStorage(FileSystemStorage):
    """Uploaded files and problem reports, in SEGMENTA_IMPORT_DIR (read when used, not cached)."""

    @property
    def base_location(self):
        return str(settings.SEGMENTA_IMPORT_DIR)

    @property
    def location(self):
        return os.path.abspath(self.base_location)


def import_storage() -> ImportStorage:
    return ImportStorage()


class ImportKind(models.TextChoices):
    CUSTOMERS = "customers", "Customers"
    ORDERS = "orders", "Orders"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded, to be mapped"
    CHECKING = "checking", "Dry run in progress"
    CHECKED = "checked", "Dry run done, to be confirmed"
    IMPORTING = "importing", "Importing"
    DONE = "done", "Imported"
    REFUSED = "refused", "Refused, nothing written"
    FAILED = "failed", "Failed, nothing written"
    CANCELLED = "cancelled", "Cancelled, nothing written"


class ImportJobQuerySet(models.QuerySet):
    def running(self) -> "ImportJobQuerySet":
        return self.filter(status__in=ImportJob.RUNNING)


class ImportJob(models.Model):
    """One uploaded spreadsheet on its way through mapping, dry run and import; kept as a report."""

    RUNNING = (ImportStatus.CHECKING, ImportStatus.IMPORTING)
    FINISHED = (ImportStatus.DONE, ImportStatus.REFUSED, ImportStatus.FAILED)

    kind = models.CharField(max_length=10, choices=ImportKind.choices)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    file = models.FileField(storage=import_storage, upload_to="uploads/%Y/%m/", max_length=255)
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    sheet = models.CharField(max_length=100, blank=True, help_text="XLSX: the sheet to read.")
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=2, blank=True)
    headers = models.JSONField(default=list, blank=True)
    # {"<column index>": "<field>"}: what each column of the file goes to.
    mapping = models.JSONField(default=dict, blank=True)
    options = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    processed_rows = models.PositiveIntegerField(default=0)
    # Claims: each run takes the next attempt number; only the current attempt may finish.
    attempt = models.PositiveIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    dry_run_report = models.JSONField(default=dict, blank=True)
    report = models.JSONField(default=dict, blank=True)
    problems_file = models.FileField(storage=import_storage, max_length=255, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import {self.original_name}"

    def get_absolute_url(self) -> str:
        return reverse("import_detail", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.processed_rows / self.total_rows))

    @property
    def current_report(self) -> dict:
        return self.report or self.dry_run_report


class ImportMapping(models.Model):
    """A column mapping remembered for the next file with the same headers."""

    kind = models.CharField(max_length=10, choices=ImportKind.choices)
    signature = models.CharField(max_length=64, help_text="Hash of the normalised headers.")
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "signature"], name="import_mapping_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} mapping {self.signature[:12]}"
