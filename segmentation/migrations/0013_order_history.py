"""Order times and running totals per customer, for the segment windows (PostgreSQL only).

The model is in the state everywhere; the table is created on PostgreSQL alone (arrays), with
ON DELETE CASCADE so that deleting a customer removes it without Django querying it.
"""

import django.contrib.postgres.fields
from django.db import migrations, models

CREATE = """
CREATE TABLE segmentation_orderhistory (
    customer_id bigint PRIMARY KEY
        REFERENCES segmentation_customer (id) ON DELETE CASCADE,
    placed timestamp with time zone[] NOT NULL,
    running numeric(30, 2)[] NOT NULL
)
"""

# A frozen copy of segmentation.metrics' history query at the time of this migration.
FILL = """
INSERT INTO segmentation_orderhistory (customer_id, placed, running)
SELECT customer_id, array_agg(placed_at ORDER BY placed_at, id),
       '{0}'::numeric[] || array_agg(run ORDER BY placed_at, id)
FROM (
    SELECT customer_id, placed_at, id,
           SUM(total) OVER (PARTITION BY customer_id ORDER BY placed_at, id) AS run
    FROM segmentation_order
    WHERE customer_id IS NOT NULL
) AS o
GROUP BY customer_id
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE)
    schema_editor.execute(FILL)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TABLE segmentation_orderhistory")


class Migration(migrations.Migration):
    dependencies = [("segmentation", "0012_covered_foreign_key_indexes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="OrderHistory",
                    fields=[
                        (
                            "customer",
                            models.OneToOneField(
                                on_delete=models.deletion.DO_NOTHING,
                                primary_key=True,
                                related_name="+",
                                serialize=False,
                                to="segmentation.customer",
                            ),
                        ),
                        (
                            "placed",
                            django.contrib.postgres.fields.ArrayField(
                                base_field=models.DateTimeField(), size=None
                            ),
                        ),
                        (
                            "running",
                            django.contrib.postgres.fields.ArrayField(
                                base_field=models.DecimalField(decimal_places=2, max_digits=30),
                                size=None,
                            ),
                        ),
                    ],
                    options={"verbose_name_plural": "order histories"},
                ),
            ],
            database_operations=[migrations.RunPython(create, drop)],
        )
    ]
