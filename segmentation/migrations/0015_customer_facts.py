"""One narrow row per customer with everything a segment filters on (PostgreSQL only).

The preview scans this table instead of the customers' (docs/decisions.md, "The preview reads
a facts table"). It is derived, never written by the application: the view
segmentation_customerfacts_source says what a customer's row is, and statement-level triggers
on the customers and on the tables folded into the row (interests, carts, order history)
write it again, in the same statement, for the customers each statement touched. A row is
only rewritten when something in it changed. Deleting a customer deletes it (a delete
trigger, no foreign key); the model's DO_NOTHING keeps Django's delete collector off a table
SQLite lacks.
"""

# The SQL below is put together from this module's constants only: no value ever enters it.
# ruff: noqa: S608

import django.contrib.postgres.fields
from django.db import migrations, models

# (column, type, what it is for customer c with order history h). Fixed-width columns first:
# PostgreSQL reads a row's columns in order, and the fixed ones before the first
# variable-width one are found at a known offset.
COLUMNS = (
    # No foreign key: its check on every insert cost 5 s per 1M rows; the customers' delete
    # trigger removes the rows instead.
    ("customer_id", "bigint PRIMARY KEY", "c.id"),
    ("order_count", "integer NOT NULL", "c.order_count"),
    # total_spent as a float, for the preview's sums (numeric arithmetic costs far more).
    ("spent", "double precision NOT NULL", "c.total_spent::double precision"),
    ("created_at", "timestamp with time zone NOT NULL", "c.created_at"),
    ("reachable_email", "boolean NOT NULL", "c.email_consent = 'granted' AND c.email IS NOT NULL"),
    ("reachable_sms", "boolean NOT NULL", "c.sms_consent = 'granted' AND c.phone <> ''"),
    ("birth_date", "date", "c.birth_date"),
    ("income", "integer", "c.income"),
    ("first_order_at", "timestamp with time zone", "c.first_order_at"),
    ("last_order_at", "timestamp with time zone", "c.last_order_at"),
    (
        "open_cart_since",
        "timestamp with time zone",
        "(SELECT min(k.updated_at) FROM segmentation_cart k"
        " WHERE k.customer_id = c.id AND k.status = 'open')",
    ),
    ("frequency_days", "smallint", "c.frequency_days"),
    ("rfm_recency", "smallint", "c.rfm_recency"),
    ("rfm_frequency", "smallint", "c.rfm_frequency"),
    ("rfm_monetary", "smallint", "c.rfm_monetary"),
    ("country", "varchar(2) NOT NULL", "c.country"),
    ("gender", "varchar(16) NOT NULL", "c.gender"),
    ("education", "varchar(16) NOT NULL", "c.education"),
    ("device_type", "varchar(16) NOT NULL", "c.device_type"),
    ("os", "varchar(16) NOT NULL", "c.os"),
    ("rfm_tier", "varchar(16) NOT NULL", "c.rfm_tier"),
    ("total_spent", "numeric(14, 2) NOT NULL", "c.total_spent"),
    ("avg_order_value", "numeric(12, 2) NOT NULL", "c.avg_order_value"),
    (
        "interest_ids",
        "bigint[] NOT NULL",
        "ARRAY(SELECT i.interest_id FROM segmentation_customerinterest i"
        " WHERE i.customer_id = c.id ORDER BY i.interest_id)",
    ),
    ("occupation", "varchar(100) NOT NULL", "c.occupation"),
    ("region", "varchar(100) NOT NULL", "c.region"),
    ("city", "varchar(100) NOT NULL", "c.city"),
    ("postal_code", "varchar(20) NOT NULL", "c.postal_code"),
    ("attributes", "jsonb NOT NULL", "c.attributes"),
    # The order history in the row: a window is a binary search here, no join.
    ("placed", "timestamp with time zone[] NOT NULL", "coalesce(h.placed, '{}')"),
    ("running", "numeric(30, 2)[] NOT NULL", "coalesce(h.running, '{0}')"),
)
NAMES = [name for name, _, _ in COLUMNS]

CREATE_TABLE = "CREATE TABLE segmentation_customerfacts ({})".format(
    ", ".join(f"{name} {type_}" for name, type_, _ in COLUMNS)
)


def create_view(columns=COLUMNS, joins: str = "") -> str:
    """The view that says what each customer's row is (later migrations add columns and
    joins)."""
    return (
        "CREATE VIEW segmentation_customerfacts_source AS SELECT {} "
        "FROM segmentation_customer c "
        "LEFT JOIN segmentation_orderhistory h ON h.customer_id = c.id{}"
    ).format(", ".join(f"{source} AS {name}" for name, _, source in columns), joins)


def refresh(changed: str, columns=COLUMNS) -> str:
    """Write again the rows of the customers that `changed` (a SELECT of ids) names."""
    names = [name for name, _, _ in columns]
    excluded = ", ".join(f"EXCLUDED.{name}" for name in names[1:])
    current = ", ".join(f"f.{name}" for name in names[1:])
    return (
        f"INSERT INTO segmentation_customerfacts AS f ({', '.join(names)}) "
        f"SELECT {', '.join(names)} FROM segmentation_customerfacts_source "
        f"WHERE customer_id IN ({changed}) "
        f"ON CONFLICT (customer_id) DO UPDATE SET ({', '.join(names[1:])}) = ROW({excluded}) "
        f"WHERE ({current}) IS DISTINCT FROM ({excluded})"
    )


def run(statement: str) -> str:
    """PL/pgSQL that plans the statement afresh each time (EXECUTE), knowing how many rows
    the transition table holds: a few customers are looked up by key, a big load is joined
    by hashing (8 s at 1M instead of 25). A plan kept from the trigger's first run, on small
    tables, looked every customer up one by one later on, or scanned them all per row."""
    return f"EXECUTE $sql${statement}$sql$"


# Transition tables: new_rows after INSERT and UPDATE, old_rows after UPDATE and DELETE. A
# statement that names one the trigger lacks is never run. A big load sets segmenta.facts to
# 'deferred' for its transaction and writes every row once at its end (segmentation.facts).
DEFERRED = "IF current_setting('segmenta.facts', true) = 'deferred' THEN RETURN NULL; END IF;"


def functions(columns=COLUMNS) -> str:
    """The trigger functions and segmenta_facts_refresh, which name every column."""
    return f"""
CREATE FUNCTION segmenta_facts_of_customers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {DEFERRED}
    IF TG_OP = 'DELETE' THEN
        DELETE FROM segmentation_customerfacts WHERE customer_id IN (SELECT id FROM old_rows);
    ELSE
        {run(refresh("SELECT id FROM new_rows", columns))};
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION segmenta_facts_of_links() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {DEFERRED}
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {run(refresh("SELECT customer_id FROM new_rows", columns))};
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {run(refresh("SELECT customer_id FROM old_rows", columns))};
    END IF;
    RETURN NULL;
END $$;

-- The rows of the customers `changed` (a SELECT of ids, from segmentation.facts' constants)
-- written again from their source, those of customers gone deleted: after a load that
-- deferred the triggers, or a restore that ran without them. Returns how many were wrong.
CREATE FUNCTION segmenta_facts_refresh(changed text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    wrong bigint;
    gone bigint;
BEGIN
    EXECUTE format($sql${refresh("%1$s", columns)}$sql$, changed);
    GET DIAGNOSTICS wrong = ROW_COUNT;
    EXECUTE format($sql$DELETE FROM segmentation_customerfacts f WHERE customer_id IN (%1$s)
        AND NOT EXISTS (SELECT 1 FROM segmentation_customer c WHERE c.id = f.customer_id)$sql$,
        changed);
    GET DIAGNOSTICS gone = ROW_COUNT;
    RETURN wrong + gone;
END $$;
"""


def triggers() -> list[str]:
    statements = [
        f"CREATE TRIGGER segmenta_facts_{event.lower()} AFTER {event} "
        "ON segmentation_customer REFERENCING NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION segmenta_facts_of_customers()"
        for event in ("INSERT", "UPDATE")
    ]
    statements.append(
        "CREATE TRIGGER segmenta_facts_delete AFTER DELETE ON segmentation_customer "
        "REFERENCING OLD TABLE AS old_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION segmenta_facts_of_customers()"
    )
    tables = ("segmentation_customerinterest", "segmentation_cart", "segmentation_orderhistory")
    transitions = {
        "INSERT": "NEW TABLE AS new_rows",
        "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "DELETE": "OLD TABLE AS old_rows",
    }
    for table in tables:
        for event, transition in transitions.items():
            statements.append(
                f"CREATE TRIGGER segmenta_facts_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING {transition} "
                "FOR EACH STATEMENT EXECUTE FUNCTION segmenta_facts_of_links()"
            )
    return statements


FILL = (
    f"INSERT INTO segmentation_customerfacts ({', '.join(NAMES)}) "
    f"SELECT {', '.join(NAMES)} FROM segmentation_customerfacts_source"
)

DROP = """
DROP TRIGGER segmenta_facts_insert ON segmentation_customer;
DROP TRIGGER segmenta_facts_update ON segmentation_customer;
DROP TRIGGER segmenta_facts_delete ON segmentation_customer;
DROP TRIGGER segmenta_facts_insert ON segmentation_customerinterest;
DROP TRIGGER segmenta_facts_update ON segmentation_customerinterest;
DROP TRIGGER segmenta_facts_delete ON segmentation_customerinterest;
DROP TRIGGER segmenta_facts_insert ON segmentation_cart;
DROP TRIGGER segmenta_facts_update ON segmentation_cart;
DROP TRIGGER segmenta_facts_delete ON segmentation_cart;
DROP TRIGGER segmenta_facts_insert ON segmentation_orderhistory;
DROP TRIGGER segmenta_facts_update ON segmentation_orderhistory;
DROP TRIGGER segmenta_facts_delete ON segmentation_orderhistory;
DROP FUNCTION segmenta_facts_of_customers();
DROP FUNCTION segmenta_facts_of_links();
DROP FUNCTION segmenta_facts_refresh(text);
DROP VIEW segmentation_customerfacts_source;
DROP TABLE segmentation_customerfacts;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # Through a cursor without parameters: the functions' format() strings hold % signs,
    # which schema_editor.execute() would read as placeholders.
    with schema_editor.connection.cursor() as cursor:
        for statement in (CREATE_TABLE, create_view(), functions(), *triggers(), FILL):
            cursor.execute(statement)
    schema_editor.execute("ANALYZE segmentation_customerfacts")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


def _text(max_length: int) -> models.CharField:
    return models.CharField(max_length=max_length)


def _moment() -> models.DateTimeField:
    return models.DateTimeField(null=True)


def _score() -> models.SmallIntegerField:
    return models.SmallIntegerField(null=True)


class Migration(migrations.Migration):
    dependencies = [("segmentation", "0014_member_ids_aggregate")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CustomerFacts",
                    fields=[
                        (
                            "customer",
                            models.OneToOneField(
                                db_constraint=False,
                                on_delete=models.deletion.DO_NOTHING,
                                primary_key=True,
                                related_name="+",
                                serialize=False,
                                to="segmentation.customer",
                            ),
                        ),
                        ("order_count", models.IntegerField()),
                        ("spent", models.FloatField()),
                        ("created_at", models.DateTimeField()),
                        ("reachable_email", models.BooleanField()),
                        ("reachable_sms", models.BooleanField()),
                        ("birth_date", models.DateField(null=True)),
                        ("income", models.IntegerField(null=True)),
                        ("first_order_at", _moment()),
                        ("last_order_at", _moment()),
                        ("open_cart_since", _moment()),
                        ("frequency_days", models.SmallIntegerField(null=True)),
                        ("rfm_recency", _score()),
                        ("rfm_frequency", _score()),
                        ("rfm_monetary", _score()),
                        ("country", _text(2)),
                        ("gender", _text(16)),
                        ("education", _text(16)),
                        ("device_type", _text(16)),
                        ("os", _text(16)),
                        ("rfm_tier", _text(16)),
                        ("total_spent", models.DecimalField(decimal_places=2, max_digits=14)),
                        (
                            "avg_order_value",
                            models.DecimalField(decimal_places=2, max_digits=12),
                        ),
                        (
                            "interest_ids",
                            django.contrib.postgres.fields.ArrayField(
                                base_field=models.BigIntegerField(), size=None
                            ),
                        ),
                        ("occupation", _text(100)),
                        ("region", _text(100)),
                        ("city", _text(100)),
                        ("postal_code", _text(20)),
                        ("attributes", models.JSONField()),
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
                    options={"verbose_name_plural": "customer facts"},
                ),
            ],
            database_operations=[migrations.RunPython(create, drop)],
        )
    ]
