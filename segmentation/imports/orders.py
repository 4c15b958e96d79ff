"""Applying an order import: each order's customer, new and changed orders, the customers'
order metrics."""

from django.db import connection
from django.utils import timezone

from segmentation.customers.metrics import MAX_SCOPED_IDS, recompute_customer_metrics
from segmentation.customers.models import Order
from segmentation.imports import matching
from segmentation.imports.exceptions import ChangedMeanwhile
from segmentation.imports.mapping import Target
from segmentation.imports.options import Plan
from segmentation.imports.staging import STAGE, reject

ORDERS_MEANWHILE = "Orders were added by someone else during the import; nothing was written."


def check(plan: Plan) -> dict:
    """Resolve and match the staged orders; the counts of new, updated and unchanged ones."""
    _resolve_customers(plan)
    matching.match(plan)
    no_total = "s.total IS NULL AND " if "total" in plan.chosen else ""
    reject(
        f"SELECT rownum, 'empty, and the order is new' AS message FROM {STAGE} s "
        f"WHERE {no_total}s.target_id IS NULL",
        [],
        "Total",
    )
    return _count(plan)


def _resolve_customers(plan: Plan) -> None:
    """Each order's customer, by email where given, else by external ID; unknown: rejected."""
    with connection.cursor() as cursor:
        for column, customer_column in (
            ("customer_external_id", "external_id"),
            ("customer_email", "email"),
        ):
            if column in plan.chosen:
                cursor.execute(
                    f"UPDATE {STAGE} SET customer_id = (SELECT c.id FROM "
                    f"segmentation_customer c WHERE c.{customer_column} = {STAGE}.{column}) "
                    f"WHERE {column} IS NOT NULL"
                )
    has_email = "customer_email" in plan.chosen
    has_ext = "customer_external_id" in plan.chosen
    who = " || ".join(
        part
        for part in (
            "COALESCE('email ' || customer_email, '')" if has_email else "",
            "' '" if has_email and has_ext else "",
            "COALESCE('external ID ' || customer_external_id, '')" if has_ext else "",
        )
        if part
    )
    reject(
        f"SELECT rownum, 'no customer with ' || {who} AS message FROM {STAGE} "
        "WHERE customer_id IS NULL",
        [],
        "Customer",
    )


def _order_columns(plan: Plan) -> list[Target]:
    return [t for t in plan.value_columns() if t.name in ("placed_at", "total", "currency")]


def _changed_or_moved(plan: Plan) -> str:
    changed = matching.changed(plan, "s", "o", _order_columns(plan))
    return f"{changed} OR s.customer_id IS DISTINCT FROM o.customer_id"


def _count(plan: Plan) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), SUM(CASE WHEN o.id IS NULL THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN o.id IS NOT NULL AND ({_changed_or_moved(plan)}) THEN 1 ELSE 0 END) "
            f"FROM {STAGE} s LEFT JOIN segmentation_order o ON o.id = s.target_id"
        )
        total, new, updated = (value or 0 for value in cursor.fetchone())
    return {"new": new, "updated": updated, "unchanged": total - new - updated}


def write(plan: Plan, counts: dict) -> int:
    """Insert the new orders, update the changed ones; the customers whose metrics were
    recomputed."""
    scope = _owners()
    if _insert(plan) != counts["new"]:
        raise ChangedMeanwhile(ORDERS_MEANWHILE)
    _update(plan)
    return recompute_customer_metrics(scope)


def _owners() -> set[int] | None:
    """Customers whose metrics change: the orders' new owners and their previous ones (None:
    too many to name, recompute everyone's)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT customer_id FROM {STAGE} UNION SELECT o.customer_id FROM "
            f"segmentation_order o JOIN {STAGE} s ON s.target_id = o.id "
            "WHERE o.customer_id IS NOT NULL"
        )
        owners = {row[0] for row in cursor.fetchmany(MAX_SCOPED_IDS + 1)}
    return None if len(owners) > MAX_SCOPED_IDS else owners


def _insert(plan: Plan) -> int:
    placed = "COALESCE(s.placed_at, %s)" if "placed_at" in plan.chosen else "%s"
    currency = "COALESCE(s.currency, 'EUR')" if "currency" in plan.chosen else "'EUR'"
    total = "s.total" if "total" in plan.chosen else "NULL"
    items = Order._meta.get_field("items").get_db_prep_save([], connection)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO segmentation_order (id, external_id, customer_id, placed_at, total, "
            f"currency, items) SELECT s.new_id, s.external_id, s.customer_id, {placed}, "
            f"{total}, {currency}, %s FROM {STAGE} s WHERE s.target_id IS NULL "
            "ON CONFLICT DO NOTHING",
            [timezone.now(), items],
        )
        return cursor.rowcount


def _update(plan: Plan) -> None:
    sets = ["customer_id = s.customer_id"]
    for target in _order_columns(plan):
        sets.append(f"{target.name} = COALESCE(s.{target.name}, o.{target.name})")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE segmentation_order AS o SET {', '.join(sets)} FROM {STAGE} s "
            f"WHERE o.id = s.target_id AND ({_changed_or_moved(plan)})"
        )
