"""Applying the staged rows, in the import's transaction: check, count, then write.

Duplicates in the file are merged, rows are matched to stored customers (or orders), the
consent changes are decided by the ledger's rules (segmentation.consent.bulk) and every row
is counted as new, updated or unchanged. Then, unless a dry run or strict mode with invalid
rows: one UPDATE of the changed customers, one INSERT ... SELECT of the new ones, the consent
events and states, and the facts of every customer touched. Orders: orders.py.
"""

from datetime import datetime

from django.db import IntegrityError, connection
from django.utils import timezone

from segmentation.consent import bulk
from segmentation.customers.models import Customer
from segmentation.imports import bulk_load, matching, orders
from segmentation.imports.exceptions import CUSTOMERS_MEANWHILE, ChangedMeanwhile
from segmentation.imports.mapping import Target
from segmentation.imports.options import Plan
from segmentation.imports.reporting import Clock, first_issues
from segmentation.imports.staging import (
    CONSENT_REFUSED,
    ISSUES,
    REJECTED,
    ROW_ID,
    STAGE,
    scalar,
)
from segmentation.segments import facts

APPLY_WORK_MEM = "128MB"
MAINTENANCE_WORK_MEM = "512MB"


def apply(plan: Plan, report: dict, dry_run: bool, clock: Clock) -> None:
    """Fill in the report; write unless dry_run or strict mode finds invalid rows."""
    _give_memory()
    counts, decisions = _check(plan, report, clock)
    if plan.options.strict and report["invalid"]:
        report["refused"] = (
            f"Strict mode: {report['invalid']:,} invalid row(s), so nothing was imported."
        )
    elif not dry_run:
        if decisions is not None:
            _write_customers(plan, report, counts, decisions, clock)
        else:
            report["metrics_recomputed"] = orders.write(plan, counts)
            clock.lap("write_orders")
        report["written"] = True


def _give_memory() -> None:
    """Until the commit (is_local): the groupings, joins and index builds over a million
    staged rows sort and hash in memory instead of spilling to disk (4 MB by default)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, true)", [APPLY_WORK_MEM])
        cursor.execute(
            "SELECT set_config('maintenance_work_mem', %s, true)", [MAINTENANCE_WORK_MEM]
        )


def _check(plan: Plan, report: dict, clock: Clock) -> tuple[dict, bulk.Decisions | None]:
    """Merge, match, decide and count; the counts, and the consent decisions (customers)."""
    report["merged"] = matching.merge_duplicates(plan)
    decisions = None
    if plan.customers:
        decisions = _check_customers(plan, clock)
        counts = _count_customers(plan)
    else:
        counts = orders.check(plan)
    report.update(counts)
    report["invalid"] = scalar(
        f"SELECT COUNT(DISTINCT rownum) FROM {ISSUES} WHERE outcome = %s", [REJECTED]
    )
    if decisions is not None:
        report["consent"] = decisions.summary()
        _record_consent_refusals(decisions)
    report["issues"] = first_issues()
    clock.lap("count")
    return counts, decisions


def _check_customers(plan: Plan, clock: Clock) -> bulk.Decisions:
    matching.reject_conflicts(plan)
    matching.match(plan)
    decisions = bulk.Decisions(
        stage=STAGE, row_id=ROW_ID, channels=plan.consent_channels(),
        empty_clears=plan.options.empty_clears,
    )  # fmt: skip
    clock.lap("merge_and_match")
    decisions.decide()
    clock.lap("consent_decisions")
    return decisions


def _count_customers(plan: Plan) -> dict:
    changed = matching.changed(plan, "s", "c", _updatable(plan))
    consent = (
        f"OR s.rownum IN (SELECT rownum FROM {bulk.DECISIONS} WHERE outcome = 'apply')"
        if plan.consent_channels()
        else ""
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), "
            f"SUM(CASE WHEN c.id IS NULL THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN c.id IS NOT NULL AND ({changed} {consent}) THEN 1 ELSE 0 END) "
            f"FROM {STAGE} s LEFT JOIN segmentation_customer c ON c.id = s.target_id"
        )
        total, new, updated = (value or 0 for value in cursor.fetchone())
    return {"new": new, "updated": updated, "unchanged": total - new - updated}


def _updatable(plan: Plan) -> list[Target]:
    """The value columns an import may change on a stored customer (all but the key)."""
    return [t for t in plan.value_columns() if t.name != plan.key]


def _record_consent_refusals(decisions: bulk.Decisions) -> None:
    with connection.cursor() as cursor:
        for outcome, message in bulk.REFUSALS.items():
            cursor.execute(
                f"INSERT INTO {ISSUES} (rownum, outcome, field, message) "
                f"SELECT rownum, %s, channel || ' consent', %s FROM {decisions.table} "
                "WHERE outcome = %s",
                [CONSENT_REFUSED, message, outcome],
            )


# -- writing customers -------------------------------------------------------------------------


def _write_customers(
    plan: Plan, report: dict, counts: dict, decisions: bulk.Decisions, clock: Clock
) -> None:
    planned = {
        "segmentation_customer": counts["new"],
        "segmentation_consentevent": report["consent"]["applied"],
    }
    # The customers' facts rows are written once, after the rows and their consent
    # states (the triggers would write each changed customer twice, row by row).
    facts.defer()
    with bulk_load.rebuilding_indexes(report, planned, clock) as bulk_tables:
        now = timezone.now()
        _update_customers(plan, now)
        in_bulk = "segmentation_customer" in bulk_tables
        if _insert_customers(plan, decisions, now, in_bulk) != counts["new"]:
            raise ChangedMeanwhile(CUSTOMERS_MEANWHILE)
        clock.lap("write_customers")
        if decisions.channels:
            report["consent"]["events"] = decisions.apply(
                actor=plan.options.actor, file_name=plan.options.file_name,
                wording_id=plan.options.wording_id,
            )  # fmt: skip
        clock.lap("write_ledger")
    facts.catch_up(f"SELECT {ROW_ID} FROM {STAGE} s")
    clock.lap("facts")


def _update_customers(plan: Plan, now: datetime) -> None:
    """The changed existing customers (before the new ones are written)."""
    updates = _updatable(plan)
    if not updates:
        return
    sets = []
    for target in updates:
        for name in (target.name, target.lower_copy):
            if not name:
                continue
            if plan.options.empty_clears:
                empty = "NULL" if target.empty is None else "''"
                sets.append(f"{name} = COALESCE(s.{name}, {empty})")
            else:
                sets.append(f"{name} = COALESCE(s.{name}, c.{name})")
    changed = matching.changed(plan, "s", "c", updates)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE segmentation_customer AS c SET {', '.join(sets)}, updated_at = %s "
            f"FROM {STAGE} s WHERE c.id = s.target_id AND ({changed})",
            [now],
        )


def _insert_customers(plan: Plan, decisions: bulk.Decisions, now: datetime, in_bulk: bool) -> int:
    """INSERT ... SELECT the new customers; the number written.

    Someone else's rows with the same email or ID are skipped and counted (ON CONFLICT); in a
    bulk load the table is ours and its unique constraints, added again afterwards, find them
    (a speculative insert per row costs a WAL record more).
    """
    columns, select = _staged_values(plan)
    joins = []
    # New customers get their consent state as they are written (the events follow).
    for channel in decisions.channels:
        columns.append(f"{channel}_consent")
        select.append(f"COALESCE(d_{channel}.action, 'none')")
        joins.append(
            f"LEFT JOIN {decisions.table} d_{channel} ON d_{channel}.rownum = s.rownum "
            f"AND d_{channel}.channel = '{channel}' AND d_{channel}.outcome = 'apply'"
        )
    columns, select, defaults = _with_defaults(columns, select, now)
    with connection.cursor() as cursor:
        try:
            cursor.execute(
                f"INSERT INTO segmentation_customer ({', '.join(columns)}) "
                f"SELECT {', '.join(select)} FROM {STAGE} s {' '.join(joins)} "
                f"WHERE s.target_id IS NULL{'' if in_bulk else ' ON CONFLICT DO NOTHING'}",
                defaults,
            )
        except IntegrityError as error:  # bulk load only: a duplicate primary key
            raise ChangedMeanwhile(CUSTOMERS_MEANWHILE) from error
        return cursor.rowcount


def _staged_values(plan: Plan) -> tuple[list[str], list[str]]:
    """The new customers' columns that come from the stage, and their SQL: ids and values."""
    values = plan.value_columns()
    staged = [t.name for t in values] + [t.lower_copy for t in values if t.lower_copy]
    by_name = {t.name: t for t in values}
    columns, select = ["public_id", "id"], ["gen_random_uuid()", "s.new_id"]
    for name in staged:
        target = by_name.get(name)
        empty = "NULL" if target is not None and target.empty is None else "''"
        columns.append(name)
        select.append(f"COALESCE(s.{name}, {empty})")
    return columns, select


def _with_defaults(
    columns: list[str], select: list[str], now: datetime
) -> tuple[list[str], list[str], list]:
    """Every other column of the customer table, with the model's default as a parameter."""
    defaults = []
    for model_field in Customer._meta.concrete_fields:
        name = model_field.column
        if model_field.primary_key or name in columns:
            continue
        if name in ("created_at", "updated_at"):
            defaults.append(now)
        else:
            defaults.append(model_field.get_db_prep_save(model_field.get_default(), connection))
        columns.append(name)
        select.append("%s")
    return columns, select, defaults
