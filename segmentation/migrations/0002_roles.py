"""Create the two roles of the marketing UI with their permissions."""

from django.db import migrations

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
    # Permissions are normally created after all migrations ran; make them exist now.
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("segmentation", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
