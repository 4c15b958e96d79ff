"""Matching: which stored customer (or order) each staged row is, and whether it changes it.

In-file duplicates merge into the last of them; a secondary identifier that would change hands
rejects its rows; then every staged row notes the id of the row it updates (target_id), once,
so that later statements join on ids.
"""

from django.db import connection
from django.db.backends.utils import CursorWrapper

from segmentation.imports.mapping import Target
from segmentation.imports.options import Plan
from segmentation.imports.staging import ISSUES, MERGED, STAGE, reject, stage_columns

DUPLICATES = "import_dups"
# From this many staged rows, matching rebuilds the stage instead of updating it.
REBUILD_MIN_ROWS = 50_000


def merge_duplicates(plan: Plan) -> int:
    """Rows sharing a key merge into the last of them (its non-empty cells win)."""
    key = plan.key
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {DUPLICATES}")
        cursor.execute(
            f"CREATE TEMP TABLE {DUPLICATES} AS SELECT {key} AS k, MAX(rownum) AS last_row "
            f"FROM {STAGE} GROUP BY {key} HAVING COUNT(*) > 1"
        )
        cursor.execute(f"SELECT COUNT(*) FROM {DUPLICATES}")
        if not cursor.fetchone()[0]:
            cursor.execute(f"DROP TABLE {DUPLICATES}")
            return 0
        index_stage(cursor, key, analyze=False, by_key=True)  # the merge looks rows up
        merged = _note_merged(cursor, plan)
        if not plan.options.empty_clears:
            _fill_from_earlier_rows(cursor, plan)
        cursor.execute(
            f"DELETE FROM {STAGE} WHERE {key} IN (SELECT k FROM {DUPLICATES}) "
            f"AND rownum NOT IN (SELECT last_row FROM {DUPLICATES})"
        )
        cursor.execute(f"DROP TABLE {DUPLICATES}")
    return merged


def _note_merged(cursor: CursorWrapper, plan: Plan) -> int:
    """An issue for every row merged into a later one; their number."""
    label = plan.targets[plan.key].label
    cursor.execute(
        f"INSERT INTO {ISSUES} (rownum, outcome, field, message) "
        f"SELECT s.rownum, %s, %s, 'same ' || %s || ' as row ' || CAST(d.last_row AS TEXT)"
        f" || ': merged into it (later cells win)' "
        f"FROM {STAGE} s JOIN {DUPLICATES} d ON d.k = s.{plan.key} WHERE s.rownum <> d.last_row",
        [MERGED, label, label.lower()],
    )
    return cursor.rowcount


def _fill_from_earlier_rows(cursor: CursorWrapper, plan: Plan) -> None:
    """The last row's empty cells take the latest non-empty value of its duplicates."""
    key = plan.key
    for name, _ in stage_columns(plan):
        if name in ("rownum", key, "customer_id", "target_id"):
            continue
        cursor.execute(
            f"UPDATE {STAGE} SET {name} = (SELECT s2.{name} FROM {STAGE} s2 "
            f"WHERE s2.{key} = {STAGE}.{key} AND s2.{name} IS NOT NULL "
            f"ORDER BY s2.rownum DESC LIMIT 1) "
            f"WHERE rownum IN (SELECT last_row FROM {DUPLICATES}) AND {name} IS NULL"
        )


def reject_conflicts(plan: Plan) -> None:
    """A secondary identifier (the one rows are not matched on) may not change hands."""
    key = plan.key
    other = "external_id" if key == "email" else "email"
    if other not in plan.chosen:
        return
    label = plan.targets[other].label
    reject(
        f"SELECT rownum, %s || ' ' || {other} || ' is given to several rows of this file "
        f"with different {key.replace('_', ' ')}s' AS message FROM {STAGE} "
        f"WHERE {other} IN (SELECT {other} FROM {STAGE} WHERE {other} IS NOT NULL "
        f"GROUP BY {other} HAVING COUNT(*) > 1)",
        [label],
        label,
    )
    reject(
        f"SELECT s.rownum, %s || ' ' || s.{other} || ' already belongs to another "
        f"customer' AS message FROM {STAGE} s JOIN segmentation_customer c "
        f"ON c.{other} = s.{other} WHERE c.{key} IS DISTINCT FROM s.{key}",
        [label],
        label,
    )


def match(plan: Plan) -> None:
    """Note in the stage which existing row each staged row updates (target_id).

    Done once, up front: later statements join on ids, and the INSERT of new rows needs no
    anti-join against the table it is filling (which PostgreSQL may plan as a scan of the
    growing table per row: quadratic).
    """
    table, key = plan.table, plan.key
    with connection.cursor() as cursor:
        if _mostly_matches(cursor, table):
            _rebuild_stage_matched(cursor, plan)
        else:
            cursor.execute(
                f"UPDATE {STAGE} s SET target_id = t.id FROM {table} t WHERE t.{key} = s.{key}"
            )
        index_stage(cursor, key)


def index_stage(
    cursor: CursorWrapper, key: str, analyze: bool = True, by_key: bool = False
) -> None:
    """Indexes of the stage, built once its rows are final (not before the rebuild).

    By row number always: rows are updated and read back one by one by number. By key only
    where rows are looked up by key (merging duplicates): the other joins hash the whole
    stage, and an index they do not use would only cost its build.
    """
    if by_key:
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {STAGE}_key ON {STAGE} ({key})")
    cursor.execute(f"CREATE INDEX IF NOT EXISTS {STAGE}_rownum ON {STAGE} (rownum)")
    if analyze:
        cursor.execute(f"ANALYZE {STAGE}")


def _mostly_matches(cursor: CursorWrapper, table: str) -> bool:
    """Whether many staged rows may find their row: the table holds at least a quarter as
    many rows as the stage (a capped count, not a count of a million rows)."""
    cursor.execute(f"SELECT COUNT(*) FROM {STAGE}")
    staged = cursor.fetchone()[0]
    if staged < REBUILD_MIN_ROWS:
        return False
    cursor.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} LIMIT %s) AS t", [staged // 4])
    return cursor.fetchone()[0] >= staged // 4


def _rebuild_stage_matched(cursor: CursorWrapper, plan: Plan) -> None:
    """Copy the stage with target_id joined in: cheaper than updating most of its rows
    (an UPDATE writes a new version of every wide staged row)."""
    names = [name for name, _ in stage_columns(plan) if name != "target_id"]
    cols = ", ".join(f"s.{name}" for name in [*names, "new_id"])
    cursor.execute(
        f"CREATE TEMP TABLE {STAGE}_matched AS SELECT {cols}, t.id AS target_id "
        f"FROM {STAGE} s LEFT JOIN {plan.table} t ON t.{plan.key} = s.{plan.key}"
    )
    cursor.execute(f"DROP TABLE {STAGE}")
    cursor.execute(f"ALTER TABLE {STAGE}_matched RENAME TO {STAGE}")


def changed(plan: Plan, new: str, old: str, targets: list[Target]) -> str:
    """SQL: whether the staged row (alias `new`) changes any of these columns of the stored
    row (alias `old`). An empty cell changes nothing, unless empty cells clear fields."""
    parts = []
    for target in targets:
        staged, stored = f"{new}.{target.name}", f"{old}.{target.name}"
        if plan.options.empty_clears:
            empty = "NULL" if target.empty is None else "''"
            parts.append(f"COALESCE({staged}, {empty}) IS DISTINCT FROM {stored}")
        else:
            parts.append(f"({staged} IS NOT NULL AND {staged} IS DISTINCT FROM {stored})")
    return " OR ".join(parts) or "1 = 0"
