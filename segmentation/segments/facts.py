"""Upkeep of CustomerFacts, the preview's narrow copy of what segments filter on.

Triggers keep every row exact (segments.facts_source). What they cannot do is keep the table
compact: a statement that changes most customers (the first RFM scores, a consent campaign,
a big import) leaves a dead copy of most rows, and the scan of every preview reads those pages
too. The periodic `maintain_facts` task rewrites the table compactly when that happens; it is
a copy of derived rows, small enough (seconds at 1M customers) to rewrite under a short lock.

It also keeps the table's pages marked all-visible (plain VACUUM, no lock against readers or
writers). A scan checks the visibility of each row on a page not so marked, which makes the
preview's pass markedly slower. A rewrite (the compaction, a big load, the first fill) leaves
no page marked; autovacuum, where it runs, marks them only after a fifth of the rows changed.
"""

from django.db import connection

from segmentation.segments.models import CustomerFacts

TABLE = CustomerFacts._meta.db_table
SOURCE = "segmentation_customerfacts_source"
# Compact once the table takes this many times the room its live rows need.
COMPACT_ABOVE = 1.4
# Vacuum once fewer than this share of its pages are marked all-visible.
VISIBLE_BELOW = 0.9
# Waiting longer than this for the lock (a long transaction on the table) gives up for now:
# meanwhile every writer of customers would queue behind the waiting VACUUM FULL.
LOCK_TIMEOUT = "2s"
# Page and row overheads: a heap page header, each row's header and line pointer.
_PAGE_BYTES, _PAGE_HEADER, _ROW_OVERHEAD = 8192, 24, 28
SAMPLE_PAGES = 1000


def drift(limit: int = 20) -> list[int]:
    """Customers whose facts row differs from what their data says (or is missing or left
    over): empty while the triggers do their work. Reads both tables in full."""
    columns = ", ".join(field.column for field in CustomerFacts._meta.concrete_fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT customer_id FROM ((SELECT {columns} FROM {SOURCE} "  # noqa: S608
            f"EXCEPT SELECT {columns} FROM {TABLE}) UNION ALL "
            f"(SELECT {columns} FROM {TABLE} EXCEPT SELECT {columns} FROM {SOURCE})) AS d "
            "ORDER BY customer_id LIMIT %s",
            [limit],
        )
        return [row[0] for row in cursor.fetchall()]


def repair(changed: str = "") -> int:
    """Write again from their source the rows of the customers that `changed` (a SELECT of
    ids, a constant of the caller's) names, or of every customer; deletes the rows of
    customers gone. Returns how many were not right."""
    everyone = f"SELECT id FROM segmentation_customer UNION SELECT customer_id FROM {TABLE}"  # noqa: S608
    changed = changed or everyone
    with connection.cursor() as cursor:
        cursor.execute("SELECT segmenta_facts_refresh(%s)", [changed])
        return cursor.fetchone()[0]


def defer() -> None:
    """For the rest of this transaction the triggers leave the facts alone: for a big load,
    which writes each customer and its links several times over, with its indexes dropped
    (the triggers' lookups would become scans). catch_up() must follow in the same
    transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL segmenta.facts = 'deferred'")


def catch_up(changed: str = "") -> int:
    """Back to the triggers, and the rows of the customers that `changed` (a SELECT of ids;
    all customers if empty) names written once."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL segmenta.facts = ''")
    return repair(changed)


def bloat() -> float:
    """How many times the room its live rows need the table takes (1.0: compact), estimated
    from a fresh count of its rows (ANALYZE) and their width in (up to) 1,000 of its pages."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {TABLE}")
        cursor.execute(
            "SELECT pg_relation_size(oid), reltuples FROM pg_class WHERE oid = %s::regclass",
            [TABLE],
        )
        size, rows = cursor.fetchone()
        if not size or rows <= 0:
            return 1.0
        percent = min(100.0, 100.0 * SAMPLE_PAGES * _PAGE_BYTES / size)
        cursor.execute(
            f"SELECT avg(pg_column_size(f.*)) FROM {TABLE} f "  # noqa: S608
            "TABLESAMPLE SYSTEM (%s) REPEATABLE (0)",
            [percent],
        )
        width = cursor.fetchone()[0]
    if width is None:
        return 1.0
    per_page = (_PAGE_BYTES - _PAGE_HEADER) // (float(width) + _ROW_OVERHEAD)
    needed = rows / max(per_page, 1) * _PAGE_BYTES
    return size / needed


def visible(analyze: bool = True) -> float:
    """The share of the table's pages marked all-visible (1.0 for an empty table), counted by
    a fresh ANALYZE unless the caller just ran one."""
    with connection.cursor() as cursor:
        if analyze:
            cursor.execute(f"ANALYZE {TABLE}")
        cursor.execute(
            "SELECT relallvisible, relpages FROM pg_class WHERE oid = %s::regclass", [TABLE]
        )
        marked, pages = cursor.fetchone()
    return marked / pages if pages else 1.0


def vacuum() -> None:
    """Mark the pages all-visible and drop dead rows in place (plain VACUUM, which blocks no
    reader or writer), with fresh statistics. Outside a transaction."""
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {TABLE}")


def compact() -> None:
    """Rewrite the table without its dead rows (VACUUM FULL), then mark its pages
    all-visible, which the rewrite does not. Outside a transaction; raises OperationalError
    if the lock is not had in time."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        try:
            cursor.execute(f"VACUUM (FULL) {TABLE}")
        finally:
            cursor.execute("RESET lock_timeout")
    vacuum()


def maintain() -> str:
    """Compact the table if it has grown past COMPACT_ABOVE, or vacuum it if too few of its
    pages are marked all-visible. Returns what it did: "compacted", "vacuumed" or "" (also
    inside a transaction, where VACUUM cannot run: then the periodic task does it)."""
    if connection.in_atomic_block:
        return ""
    if bloat() > COMPACT_ABOVE:  # bloat() analyzes, which also counts the marked pages
        compact()
        return "compacted"
    if visible(analyze=False) < VISIBLE_BELOW:
        vacuum()
        return "vacuumed"
    return ""
