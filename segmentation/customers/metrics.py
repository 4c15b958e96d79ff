"""Behavioural metrics on Customer, recomputed set-based in SQL (never a loop over customers).

The same recompute keeps each customer's order history (times and running totals,
segmentation.customers.models.OrderHistory), which the segment windows read.
"""

from collections.abc import Collection

from django.db import connection, transaction

# Above this many ids a full recompute is cheaper than a long IN list.
MAX_SCOPED_IDS = 5000

_AGGREGATE = """
    UPDATE segmentation_customer AS c
    SET order_count = a.n,
        total_spent = a.s,
        avg_order_value = ROUND(a.s / a.n, 2),
        first_order_at = a.f,
        last_order_at = a.l
    FROM (
        SELECT customer_id, COUNT(*) AS n, SUM(total) AS s, MIN(placed_at) AS f,
               MAX(placed_at) AS l
        FROM segmentation_order
        WHERE customer_id IS NOT NULL {order_scope}
        GROUP BY customer_id
    ) AS a
    WHERE c.id = a.customer_id
      AND (c.order_count <> a.n OR c.total_spent <> a.s
           OR c.first_order_at IS DISTINCT FROM a.f OR c.last_order_at IS DISTINCT FROM a.l)
"""

_RESET = """
    UPDATE segmentation_customer
    SET order_count = 0, total_spent = 0, avg_order_value = 0,
        first_order_at = NULL, last_order_at = NULL
    WHERE (order_count <> 0 OR first_order_at IS NOT NULL) {customer_scope}
      AND NOT EXISTS (
          SELECT 1 FROM segmentation_order o WHERE o.customer_id = segmentation_customer.id
      )
"""

# Times ascending (ties in id order) and running totals with a leading 0; rows already right
# are not rewritten.
_HISTORY = """
    INSERT INTO segmentation_orderhistory AS h (customer_id, placed, running)
    SELECT customer_id, array_agg(placed_at ORDER BY placed_at, id),
           '{{0}}'::numeric[] || array_agg(run ORDER BY placed_at, id)
    FROM (
        SELECT customer_id, placed_at, id,
               SUM(total) OVER (PARTITION BY customer_id ORDER BY placed_at, id) AS run
        FROM segmentation_order
        WHERE customer_id IS NOT NULL {order_scope}
    ) AS o
    GROUP BY customer_id
    ON CONFLICT (customer_id) DO UPDATE SET placed = EXCLUDED.placed, running = EXCLUDED.running
    WHERE (h.placed, h.running) IS DISTINCT FROM (EXCLUDED.placed, EXCLUDED.running)
"""

_HISTORY_GONE = """
    DELETE FROM segmentation_orderhistory AS h
    WHERE NOT EXISTS (SELECT 1 FROM segmentation_order o WHERE o.customer_id = h.customer_id)
      {history_scope}
"""


def recompute_customer_metrics(customer_ids: Collection[int] | None = None) -> int:
    """Bring order_count, total_spent, avg_order_value, first/last order time up to date.

    With customer_ids, only those customers are touched (after an order import, say);
    rows that are already right are not rewritten. Returns the number of rows changed.
    """
    ids = sorted(set(customer_ids)) if customer_ids is not None else None
    if ids is not None and not ids:
        return 0
    if ids is not None and len(ids) > MAX_SCOPED_IDS:
        ids = None
    params: list[int] = ids or []
    marks = ", ".join(["%s"] * len(params))
    order_scope = f"AND customer_id IN ({marks})" if ids else ""
    customer_scope = f"AND id IN ({marks})" if ids else ""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_AGGREGATE.format(order_scope=order_scope), params)
        changed = cursor.rowcount
        cursor.execute(_RESET.format(customer_scope=customer_scope), params)
        changed += cursor.rowcount
        cursor.execute(_HISTORY.format(order_scope=order_scope), params)
        history_scope = f"AND h.customer_id IN ({marks})" if ids else ""
        cursor.execute(_HISTORY_GONE.format(history_scope=history_scope), params)
        return changed
