"""Schema rules that hold for every table of the app (PostgreSQL)."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

# A plain one-column index is redundant when another index of the same table starts with the
# same column in the same operator class: every write maintains it, and no lookup needs it.
# Django makes one for each foreign key unless told (db_index=False).
REDUNDANT = """
WITH ix AS (
  SELECT c.relname AS tbl, i.relname AS idx, x.indisunique AS uniq,
         x.indpred IS NOT NULL AS partial, x.indkey::int2[] AS keys, x.indnkeyatts AS nkeys,
         x.indclass::oid[] AS classes
  FROM pg_index x
  JOIN pg_class i ON i.oid = x.indexrelid
  JOIN pg_class c ON c.oid = x.indrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = current_schema()
)
SELECT a.tbl, a.idx, b.idx
FROM ix a JOIN ix b ON a.tbl = b.tbl AND a.idx <> b.idx
WHERE NOT a.uniq AND NOT a.partial AND NOT b.partial AND a.nkeys = 1 AND b.nkeys > 1
  AND a.keys[0] = b.keys[0] AND a.classes[0] = b.classes[0]
  AND a.tbl NOT LIKE 'auth\\_%' AND a.tbl NOT LIKE 'django\\_%'
ORDER BY 1, 2, 3
"""


def test_no_app_table_has_an_index_another_one_covers():
    with connection.cursor() as cursor:
        cursor.execute(REDUNDANT)
        assert cursor.fetchall() == []


def test_no_customer_ledger_or_order_column_is_indexed_twice():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, regexp_replace(indexdef, '^.* USING btree \\((\\w+).*$', '\\1'), "
            "array_agg(indexname ORDER BY indexname) FROM pg_indexes "
            "WHERE tablename IN ('segmentation_customer', 'segmentation_consentevent', "
            "'segmentation_order') "
            "GROUP BY 1, 2 HAVING COUNT(*) > 1"
        )
        twice = cursor.fetchall()
    # email: the unique index for equality and ON CONFLICT, the LIKE copy for prefix search.
    assert twice == [
        (
            "segmentation_customer",
            "email",
            ["segmentation_customer_email_1ff2691f_like", "segmentation_customer_email_key"],
        )
    ]
