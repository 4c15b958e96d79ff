"""Create the two roles of the marketing UI with their permissions."""

from django.db import migrations

from segmentation.migrations._roles import grant

ROLES = {
    "Marketer": [
        "segmentation.view_customer",
        "segmentation.view_order",
        "segmentation.view_interest",
    ],
    "Data admin": [
        "segmentation.view_customer",
        "segmentation.add_customer",
        "segmentation.change_customer",
        "segmentation.delete_customer",
        "segmentation.view_order",
        "segmentation.add_order",
        "segmentation.change_order",
        "segmentation.delete_order",
        "segmentation.view_interest",
        "segmentation.add_interest",
        "segmentation.change_interest",
        "segmentation.delete_interest",
    ],
}


def create_roles(apps, schema_editor):
    grant(apps, ROLES)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("segmentation", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
