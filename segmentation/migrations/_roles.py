"""Shared by the data migrations that give the roles their permissions. (The migration loader
skips modules whose names start with an underscore.)"""


def grant(apps, roles: dict[str, list[str]]) -> None:
    """Add permissions ("app_label.codename") to the named groups, creating what is missing."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran; make them exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in roles.items():
        group, _ = Group.objects.get_or_create(name=role)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
