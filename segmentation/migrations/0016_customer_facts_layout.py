"""The facts table laid out for the preview's pass, with the interests as bits (PostgreSQL).

Column order: reading a column of a row means stepping over every column before it, and past
the first NULL or variable-width one that step is computed row by row. In migration 0015's
order the preview's pass walked 16 columns of every row to reach the country it groups by:
40 ms of a pass at 1M customers, 75 ms to reach the last column (docs/benchmarks.md). Here
what every pass reads comes first (id, spend, orders, reachability, country, birth date),
fixed-width and never NULL before anything else; then what rules filter on most; the
arrays and the free text last.

Interest bits: "has any of these interests" tested each row's array of interest ids, 75 ms
more than a plain column's test at 1M customers. interest_bits has bit i set for interest id
i, for ids below 63 (a bigint's bits short of its sign): the test becomes one AND. Interests
with higher ids are still read from interest_ids.

PostgreSQL cannot move a column, so the table is written again from its view, in the new
order, under an exclusive lock (20 s at 1M customers); the view and the functions that
name every column are replaced to add the new one. A VACUUM then marks the pages
all-visible (segmentation.facts), and autovacuum, where it runs, is told to keep them so
after 2% of the rows changed rather than the default 20%.

It also adds AFTER TRUNCATE triggers (TRUNCATED below), which 0015 lacked.
"""

# The SQL below is put together from this module's and migration 0015's constants: no value
# ever enters it.
# ruff: noqa: S608

import importlib

from django.db import migrations, models, transaction

first = importlib.import_module("segmentation.migrations.0015_customer_facts")

TABLE = "segmentation_customerfacts"
VIEW = "segmentation_customerfacts_source"
AUTOVACUUM = "autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02"
# A customer's interests read once for both forms (two lookups per customer cost 1.4 s more
# for 1M customers, one 0.5 s: the import and the first fill write every row).
INTERESTS = (
    " LEFT JOIN LATERAL (SELECT array_agg(interest_id ORDER BY interest_id) AS ids,"
    " bit_or(1::bigint << interest_id::integer) FILTER (WHERE interest_id < 63) AS bits"
    " FROM segmentation_customerinterest WHERE customer_id = c.id) i ON true"
)
SOURCES = {
    "interest_ids": "coalesce(i.ids, '{}')",
    "interest_bits": "coalesce(i.bits, 0)",
}
COLUMNS = tuple(
    (name, type_, SOURCES.get(name, source))
    for name, type_, source in (*first.COLUMNS, ("interest_bits", "bigint NOT NULL", ""))
)
ORDER = (
    # Every pass: fixed-width, never NULL columns at fixed offsets, then the group key.
    "customer_id",
    "spent",
    "created_at",
    "interest_bits",
    "order_count",
    "reachable_email",
    "reachable_sms",
    "country",
    "birth_date",
    # What the rules filter on most.
    "last_order_at",
    "gender",
    "device_type",
    "os",
    "education",
    "rfm_tier",
    "total_spent",
    "avg_order_value",
    "rfm_recency",
    "rfm_frequency",
    "rfm_monetary",
    "income",
    "first_order_at",
    "open_cart_since",
    "frequency_days",
    "interest_ids",
    "attributes",
    "placed",
    "running",
    "occupation",
    "region",
    "city",
    "postal_code",
)


def _definitions(columns, joins: str = "") -> list[str]:
    """The view and the functions that name every column, replacing those in place."""
    return [
        f"DROP VIEW {VIEW}",
        first.create_view(columns, joins),
        first.functions(columns).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"),
    ]


# TRUNCATE fires no delete or update trigger, so it left every facts row in place (Django's
# flush, a script emptying the customers): after emptying the customers the facts go too,
# after emptying what a row folds in (interests, carts, order histories) every row is
# written again. A DELETE, not a TRUNCATE: the table may be in the same TRUNCATE statement.
TRUNCATED = f"""
CREATE FUNCTION segmenta_facts_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {first.DEFERRED}
    IF TG_TABLE_NAME = 'segmentation_customer' THEN
        DELETE FROM {TABLE};
    ELSE
        PERFORM segmenta_facts_refresh('SELECT id FROM segmentation_customer');
    END IF;
    RETURN NULL;
END $$
"""
TRUNCATED_TABLES = (
    "segmentation_customer",
    "segmentation_customerinterest",
    "segmentation_cart",
    "segmentation_orderhistory",
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    rank = {name: i for i, name in enumerate(ORDER)}
    columns = sorted(COLUMNS, key=lambda column: rank[column[0]])
    names = ", ".join(name for name, _, _ in columns)
    table = ", ".join(f"{name} {type_}" for name, type_, _ in columns)
    connection = schema_editor.connection
    # Through a cursor without parameters: the functions' format() strings hold % signs.
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        for statement in (
            *_definitions(COLUMNS, INTERESTS),
            f"CREATE TABLE {TABLE}_new ({table}) WITH ({AUTOVACUUM})",
            f"INSERT INTO {TABLE}_new ({names}) SELECT {names} FROM {VIEW}",
            f"DROP TABLE {TABLE}",
            f"ALTER TABLE {TABLE}_new RENAME TO {TABLE}",
            f"ALTER TABLE {TABLE} RENAME CONSTRAINT {TABLE}_new_pkey TO {TABLE}_pkey",
            TRUNCATED,
            *(
                f"CREATE TRIGGER segmenta_facts_truncate AFTER TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION segmenta_facts_truncated()"
                for table in TRUNCATED_TABLES
            ),
        ):
            cursor.execute(statement)
    with connection.cursor() as cursor:  # VACUUM runs outside a transaction only
        cursor.execute(f"VACUUM (ANALYZE) {TABLE}")


def backward(apps, schema_editor):
    """Back to migration 0015's columns (in this order, which no query depends on)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    connection = schema_editor.connection
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for statement in (
            *(
                f"DROP TRIGGER IF EXISTS segmenta_facts_truncate ON {table}"
                for table in TRUNCATED_TABLES
            ),
            "DROP FUNCTION IF EXISTS segmenta_facts_truncated()",
            *_definitions(first.COLUMNS),
            f"ALTER TABLE {TABLE} DROP COLUMN interest_bits",
        ):
            cursor.execute(statement)


class Migration(migrations.Migration):
    # The rewrite is one transaction of its own; the VACUUM after it cannot be in one.
    atomic = False
    dependencies = [("segmentation", "0015_customer_facts")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="customerfacts",
                    name="interest_bits",
                    field=models.BigIntegerField(default=0),
                    preserve_default=False,
                ),
            ],
            database_operations=[migrations.RunPython(forward, backward)],
        )
    ]
