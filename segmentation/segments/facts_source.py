"""What each customer's row of the preview's facts table says, and the SQL that keeps it so.

The view segmentation_customerfacts_source says what a customer's row is; statement-level
triggers on the customers and on the tables a row folds in (interests, carts, order history)
write the rows of the customers each statement touched again from it, in that statement
(migrations 0015 and 0016 made the table and the triggers). The view and the functions the
triggers call are made here, from the same definitions the rest of the code uses (consent.reach,
events.carts, the order history), and installed after every `migrate` when they changed
(install(), from SegmentationConfig.ready), so that migrations never need editing when a
definition moves.
"""

# The SQL here is put together from this module's constants and the code's definitions (table
# and column names): no value ever enters it.
# ruff: noqa: S608

import hashlib

from django.db import connection, transaction

from segmentation.consent import reach
from segmentation.customers.models import Channel
from segmentation.events import carts
from segmentation.segments.models import CustomerFacts

TABLE = CustomerFacts._meta.db_table
VIEW = "segmentation_customerfacts_source"
# Columns whose value is not the customer's own column of the same name (alias c for the
# customer, h for its order history, i for its interests).
SOURCES = {
    "customer_id": "c.id",
    # total_spent as a float, for the preview's sums (numeric arithmetic costs far more).
    "spent": "c.total_spent::double precision",
    "reachable_email": reach.sql(Channel.EMAIL, "c"),
    "reachable_sms": reach.sql(Channel.SMS, "c"),
    "open_cart_since": carts.oldest_open_sql("c"),
    "interest_ids": "coalesce(i.ids, '{}')",
    "interest_bits": "coalesce(i.bits, 0)",
    # The order history in the row: a window is a binary search here, no join.
    "placed": "coalesce(h.placed, '{}')",
    "running": "coalesce(h.running, '{0}')",
}
# A customer's interests read once for both forms: the ids, and bit i set for interest id i
# below CustomerFacts.INTEREST_BITS.
INTERESTS = (
    " LEFT JOIN LATERAL (SELECT array_agg(interest_id ORDER BY interest_id) AS ids,"
    " bit_or(1::bigint << interest_id::integer)"
    f" FILTER (WHERE interest_id < {CustomerFacts.INTEREST_BITS}) AS bits"
    " FROM segmentation_customerinterest WHERE customer_id = c.id) i ON true"
)
# A big load sets segmenta.facts to 'deferred' for its transaction and writes every row once
# at its end (facts.defer / facts.catch_up): the triggers leave the rows alone meanwhile.
DEFERRED = "IF current_setting('segmenta.facts', true) = 'deferred' THEN RETURN NULL; END IF;"


def names() -> list[str]:
    return [field.column for field in CustomerFacts._meta.concrete_fields]


def view() -> str:
    columns = ", ".join(f"{SOURCES.get(name, f'c.{name}')} AS {name}" for name in names())
    return (
        f"CREATE VIEW {VIEW} AS SELECT {columns} FROM segmentation_customer c "
        f"LEFT JOIN segmentation_orderhistory h ON h.customer_id = c.id{INTERESTS}"
    )


def _refresh(changed: str) -> str:
    """Write again the rows of the customers that `changed` (a SELECT of ids) names; a row is
    only rewritten when something in it changed."""
    columns = names()
    rest = columns[1:]
    excluded = ", ".join(f"EXCLUDED.{name}" for name in rest)
    current = ", ".join(f"f.{name}" for name in rest)
    return (
        f"INSERT INTO {TABLE} AS f ({', '.join(columns)}) "
        f"SELECT {', '.join(columns)} FROM {VIEW} WHERE customer_id IN ({changed}) "
        f"ON CONFLICT (customer_id) DO UPDATE SET ({', '.join(rest)}) = ROW({excluded}) "
        f"WHERE ({current}) IS DISTINCT FROM ({excluded})"
    )


def _run(statement: str) -> str:
    """PL/pgSQL that plans the statement afresh each time (EXECUTE), knowing how many rows the
    transition table holds: a few customers are looked up by key, a big load is joined by
    hashing. A plan kept from a trigger's first run, on small tables, would look every
    customer up one by one later on."""
    return f"EXECUTE $sql${statement}$sql$"


def functions() -> str:
    """The trigger functions and segmenta_facts_refresh, which name every column."""
    return f"""
CREATE OR REPLACE FUNCTION segmenta_facts_of_customers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {DEFERRED}
    IF TG_OP = 'DELETE' THEN
        DELETE FROM {TABLE} WHERE customer_id IN (SELECT id FROM old_rows);
    ELSE
        {_run(_refresh("SELECT id FROM new_rows"))};
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION segmenta_facts_of_links() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {DEFERRED}
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {_run(_refresh("SELECT customer_id FROM new_rows"))};
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {_run(_refresh("SELECT customer_id FROM old_rows"))};
    END IF;
    RETURN NULL;
END $$;

-- The rows of the customers `changed` (a SELECT of ids, from segmentation.segments.facts'
-- constants) written again from their source, those of customers gone deleted: after a load
-- that deferred the triggers, or a restore that ran without them. Returns how many were wrong.
CREATE OR REPLACE FUNCTION segmenta_facts_refresh(changed text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    wrong bigint;
    gone bigint;
BEGIN
    EXECUTE format($sql${_refresh("%1$s")}$sql$, changed);
    GET DIAGNOSTICS wrong = ROW_COUNT;
    EXECUTE format($sql$DELETE FROM {TABLE} f WHERE customer_id IN (%1$s)
        AND NOT EXISTS (SELECT 1 FROM segmentation_customer c WHERE c.id = f.customer_id)$sql$,
        changed);
    GET DIAGNOSTICS gone = ROW_COUNT;
    RETURN wrong + gone;
END $$;
"""


def fingerprint() -> str:
    return hashlib.sha256((view() + functions()).encode()).hexdigest()[:16]


def installed() -> str:
    """The fingerprint of the definitions the database holds ("" if none was installed)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT obj_description(to_regclass(%s), 'pg_class')", [VIEW])
        comment = cursor.fetchone()[0] or ""
    return comment.removeprefix("segmenta:")


def install() -> int:
    """Put the current view and functions in place if they differ from the database's, then
    write again every row they change. Returns how many rows changed (0 if nothing was new)."""
    if installed() == fingerprint():
        return 0
    # Through a cursor without parameters: the functions' format() strings hold % signs.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {TABLE} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(f"DROP VIEW IF EXISTS {VIEW}")
        cursor.execute(view())
        cursor.execute(functions())
        cursor.execute(f"COMMENT ON VIEW {VIEW} IS 'segmenta:{fingerprint()}'")
        everyone = f"SELECT id FROM segmentation_customer UNION SELECT customer_id FROM {TABLE}"
        cursor.execute("SELECT segmenta_facts_refresh(%s)", [everyone])
        return cursor.fetchone()[0]


def after_migrate(**kwargs) -> None:
    """post_migrate: migrations make the table; the code's definitions fill it."""
    install()
