"""Marketers build surveys, attach them to tracks and read the answers; data admins look."""

from django.db import migrations

from segmentation.migrations._roles import grant

ROLES = {
    "Marketer": [
        f"feedback.{action}_{model}"
        for model in ("survey", "question", "choice", "tracksurvey")
        for action in ("view", "add", "change", "delete")
    ]
    + ["feedback.view_response", "feedback.view_answer"],
    "Data admin": ["feedback.view_survey", "feedback.view_response", "feedback.view_answer"],
}


def create_roles(apps, schema_editor):
    grant(apps, ROLES)


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0001_initial"),
        ("campaigns", "0002_roles"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
