import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("segmentation", "0002_roles"),
    ]

    operations = [
        migrations.CreateModel(
            name="StatsSnapshot",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "taken_at",
                    models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                ),
                ("customers", models.PositiveBigIntegerField(default=0)),
                ("customers_with_orders", models.PositiveBigIntegerField(default=0)),
                (
                    "new_customers",
                    models.PositiveBigIntegerField(
                        default=0, help_text="Created in the 30 days before the snapshot."
                    ),
                ),
                ("orders", models.PositiveBigIntegerField(default=0)),
                ("revenue", models.JSONField(blank=True, default=list)),
                ("countries", models.JSONField(blank=True, default=list)),
            ],
            options={
                "get_latest_by": "taken_at",
            },
        ),
    ]
