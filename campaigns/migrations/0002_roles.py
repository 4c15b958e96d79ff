"""Marketers run campaigns; data admins may look at them."""

from django.db import migrations

from segmentation.migrations._roles import grant

ROLES = {
    "Marketer": [
        f"campaigns.{action}_{model}"
        for model in ("campaign", "track", "variant")
        for action in ("view", "add", "change", "delete")
    ]
    + ["campaigns.view_delivery"],
    "Data admin": ["campaigns.view_campaign", "campaigns.view_delivery"],
}


def create_roles(apps, schema_editor):
    grant(apps, ROLES)


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0001_initial"),
        ("segmentation", "0008_segments_events"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
