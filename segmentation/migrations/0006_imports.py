"""Spreadsheet imports: the job with its report, remembered mappings, and the Data admin's right
to import (segmentation.add_importjob guards the import pages)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import segmentation.models
from segmentation.migrations._roles import grant

ROLES = {
    "Data admin": [
        "segmentation.add_importjob",
        "segmentation.view_importjob",
        "segmentation.change_importjob",
    ]
}


def grant_import(apps, schema_editor):
    grant(apps, ROLES)


class Migration(migrations.Migration):
    dependencies = [
        ("segmentation", "0005_consent_guard_and_roles"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ImportJob",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("customers", "Customers"), ("orders", "Orders")], max_length=10
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("uploaded", "Uploaded, to be mapped"),
                            ("checking", "Dry run in progress"),
                            ("checked", "Dry run done, to be confirmed"),
                            ("importing", "Importing"),
                            ("done", "Imported"),
                            ("refused", "Refused, nothing written"),
                            ("failed", "Failed, nothing written"),
                            ("cancelled", "Cancelled, nothing written"),
                        ],
                        default="uploaded",
                        max_length=10,
                    ),
                ),
                (
                    "file",
                    models.FileField(
                        max_length=255,
                        storage=segmentation.models.import_storage,
                        upload_to="uploads/%Y/%m/",
                    ),
                ),
                ("original_name", models.CharField(max_length=255)),
                ("size", models.PositiveBigIntegerField(default=0)),
                (
                    "sheet",
                    models.CharField(
                        blank=True, help_text="XLSX: the sheet to read.", max_length=100
                    ),
                ),
                ("encoding", models.CharField(blank=True, max_length=20)),
                ("delimiter", models.CharField(blank=True, max_length=2)),
                ("headers", models.JSONField(blank=True, default=list)),
                ("mapping", models.JSONField(blank=True, default=dict)),
                ("options", models.JSONField(blank=True, default=dict)),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("total_rows", models.PositiveIntegerField(blank=True, null=True)),
                ("processed_rows", models.PositiveIntegerField(default=0)),
                ("attempt", models.PositiveIntegerField(default=0)),
                ("cancel_requested", models.BooleanField(default=False)),
                ("dry_run_report", models.JSONField(blank=True, default=dict)),
                ("report", models.JSONField(blank=True, default=dict)),
                (
                    "problems_file",
                    models.FileField(
                        blank=True,
                        max_length=255,
                        storage=segmentation.models.import_storage,
                        upload_to="",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="ImportMapping",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("customers", "Customers"), ("orders", "Orders")], max_length=10
                    ),
                ),
                (
                    "signature",
                    models.CharField(help_text="Hash of the normalised headers.", max_length=64),
                ),
                ("mapping", models.JSONField(default=dict)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("kind", "signature"), name="import_mapping_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(grant_import, migrations.RunPython.noop),
    ]
