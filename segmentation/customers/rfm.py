"""RFM scores and tiers, recomputed set-based in SQL (never a loop over customers).

Every customer with at least one order gets three scores from 1 to 5 (5 best): the quintile
they fall in among all customers with orders, by

- recency (R): time of the last order, the most recent fifth scores 5;
- frequency (F): number of orders, the fifth with the most scores 5;
- monetary (M): total spent, the fifth that spent the most scores 5.

Quintiles are NTILE(5) window functions ordered by the metric and then by customer id, so
customers with equal values are split deterministically: when many customers share a value
(one order, say), the ones on a boundary land in adjacent scores by id. NTILE also makes the
groups as equal in size as possible (the first groups take the remainder), so ten customers
give five quintiles of two each.

The tier follows from (R, F, M) alone, by TIER_RULES: an ordered table, first match wins,
rendered both into the SQL CASE that writes the tier and into TIER_DESCRIPTIONS, so the
explanation shown to users is the rule the database applies. Every one of the 125 score
combinations falls into a tier (the tests check it). Customers without orders have no
scores and the tier ''.

The scores are read from the metrics columns (order_count, total_spent, last_order_at) that
segmentation.customers.metrics keeps; recompute those first after orders change.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction

from segmentation.customers.models import Customer, RfmTier

# Customers who get scores; the others are reset to unscored.
_SCORED = "order_count > 0 AND last_order_at IS NOT NULL"


@dataclass(frozen=True)
class TierRule:
    """Customers whose scores lie in all three ranges (inclusive) belong to `tier`."""

    tier: RfmTier
    recency: tuple[int, int]
    frequency: tuple[int, int]
    monetary: tuple[int, int] = (1, 5)
    summary: str = ""

    def matches(self, r: int, f: int, m: int) -> bool:
        return all(
            lo <= score <= hi
            for score, (lo, hi) in zip(
                (r, f, m), (self.recency, self.frequency, self.monetary), strict=True
            )
        )

    def overlaps(self, other: "TierRule") -> bool:
        pairs = zip(
            (self.recency, self.frequency, self.monetary),
            (other.recency, other.frequency, other.monetary),
            strict=True,
        )
        return all(a_lo <= b_hi and b_lo <= a_hi for (a_lo, a_hi), (b_lo, b_hi) in pairs)


# First match wins. "Can't lose them" is carved out of "At risk" and "New" out of "Potential
# loyalists"; every other rule is disjoint from the rest.
TIER_RULES: tuple[TierRule, ...] = (
    TierRule(
        RfmTier.CANT_LOSE, (1, 1), (4, 5), (4, 5),
        summary="Ordered often and spent the most, but not for the longest time: win them back.",
    ),
    TierRule(
        RfmTier.AT_RISK, (1, 2), (3, 5),
        summary="Used to order often, but not for a long time.",
    ),
    TierRule(
        RfmTier.LOST, (1, 1), (1, 2),
        summary="Few orders, and the last one the longest time ago.",
    ),
    TierRule(
        RfmTier.HIBERNATING, (2, 2), (1, 2),
        summary="Few orders, and the last one a long time ago.",
    ),
    TierRule(
        RfmTier.CHAMPIONS, (4, 5), (4, 5),
        summary="Ordered recently and order often: the best customers.",
    ),
    TierRule(
        RfmTier.LOYAL, (3, 3), (4, 5),
        summary="Order often; the last order was a while ago.",
    ),
    TierRule(
        RfmTier.NEW, (4, 5), (1, 1),
        summary="Ordered recently, but rarely so far (mostly a first order).",
    ),
    TierRule(
        RfmTier.POTENTIAL, (3, 5), (1, 3),
        summary="Ordered fairly recently, a few times: could become loyal.",
    ),
)  # fmt: skip


def tier_for(r: int, f: int, m: int) -> RfmTier:
    """The tier of one score combination (the same answer as the SQL CASE)."""
    for rule in TIER_RULES:
        if rule.matches(r, f, m):
            return rule.tier
    raise ValueError(f"No RFM tier for R={r} F={f} M={m}")


def _range_text(letter: str, lo: int, hi: int) -> str | None:
    if (lo, hi) == (1, 5):
        return None
    return f"{letter} {lo}" if lo == hi else f"{letter} {lo}-{hi}"


def rule_text(rule: TierRule) -> str:
    """e.g. "R 1-2, F 3-5, not Can't lose them": the rule as the SQL applies it."""
    parts = [
        text
        for text in (
            _range_text("R", *rule.recency),
            _range_text("F", *rule.frequency),
            _range_text("M", *rule.monetary),
        )
        if text
    ]
    earlier = TIER_RULES[: TIER_RULES.index(rule)]
    parts += [f"not {other.tier.label}" for other in earlier if other.overlaps(rule)]
    return ", ".join(parts)


# One line per tier for the builder: what it means, then the exact score rule.
TIER_DESCRIPTIONS: dict[str, str] = {
    rule.tier.value: f"{rule.summary} ({rule_text(rule)})"
    for rule in sorted(TIER_RULES, key=lambda rule: list(RfmTier).index(rule.tier))
}


def _range_sql(column: str, lo: int, hi: int) -> str | None:
    if (lo, hi) == (1, 5):
        return None
    return f"{column} = {int(lo)}" if lo == hi else f"{column} BETWEEN {int(lo)} AND {int(hi)}"


def tier_case_sql(r: str = "r", f: str = "f", m: str = "m") -> str:
    """The SQL CASE giving the tier of the scores in the expressions r, f and m.

    No ELSE: the map is total, and if an edit ever broke that, the NOT NULL tier column
    would refuse the write instead of leaving customers silently untiered.
    """
    whens = []
    for rule in TIER_RULES:
        tests = [
            test
            for test in (
                _range_sql(r, *rule.recency),
                _range_sql(f, *rule.frequency),
                _range_sql(m, *rule.monetary),
            )
            if test
        ] or ["1 = 1"]
        value = rule.tier.value
        assert value.replace("_", "").isalpha(), value  # a plain identifier, safe to inline
        whens.append(f"WHEN {' AND '.join(tests)} THEN '{value}'")
    return "CASE " + " ".join(whens) + " END"


# The subquery reads the current scores beside the new ones and keeps only the rows that
# change, so a run that changes nothing writes nothing, and PostgreSQL hashes those few rows
# and visits the customers in table order.
_SCORE = f"""
    UPDATE segmentation_customer AS c
    SET rfm_recency = t.r, rfm_frequency = t.f, rfm_monetary = t.m, rfm_tier = t.tier
    FROM (
        SELECT s.id, s.r, s.f, s.m, s.tier
        FROM (
            SELECT q.*, {tier_case_sql("q.r", "q.f", "q.m")} AS tier
            FROM (
                SELECT id, rfm_recency AS old_r, rfm_frequency AS old_f,
                       rfm_monetary AS old_m, rfm_tier AS old_tier,
                       NTILE(5) OVER (ORDER BY last_order_at, id) AS r,
                       NTILE(5) OVER (ORDER BY order_count, id) AS f,
                       NTILE(5) OVER (ORDER BY total_spent, id) AS m
                FROM segmentation_customer
                WHERE {_SCORED}
            ) AS q
        ) AS s
        WHERE s.old_r IS DISTINCT FROM s.r OR s.old_f IS DISTINCT FROM s.f
           OR s.old_m IS DISTINCT FROM s.m OR s.old_tier <> s.tier
    ) AS t
    WHERE c.id = t.id
"""  # noqa: S608 - no input in it: columns and the tier table's own literals

_RESET = f"""
    UPDATE segmentation_customer
    SET rfm_recency = NULL, rfm_frequency = NULL, rfm_monetary = NULL, rfm_tier = ''
    WHERE NOT ({_SCORED})
      AND (rfm_recency IS NOT NULL OR rfm_frequency IS NOT NULL OR rfm_monetary IS NOT NULL
           OR rfm_tier <> '')
"""  # noqa: S608


def recompute_rfm() -> int:
    """Bring every customer's RFM scores and tier up to date; returns the rows changed.

    Quintiles are relative to all customers with orders, so this is always a full recompute.
    Rows that are already right are not rewritten: a second run changes 0 rows.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        # Two runs at once (beat and an import) would wait on each other's rows in
        # different orders; one after the other, the second finds nothing to change.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('segmenta.recompute_rfm'))")
        # Rows that another writer holds (an import recomputing metrics, say): give up
        # before PostgreSQL's deadlock check (1 s) could pick that writer as the victim.
        # The task retries later; the import's own call brings the scores up to date.
        cursor.execute("SET LOCAL lock_timeout = '500ms'")
        # Three sorts of the scored customers: in memory rather than on disk. Compiling
        # the CASE and window functions costs more than it saves here.
        cursor.execute("SET LOCAL work_mem = '128MB'")
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(_SCORE)
        changed = cursor.rowcount
        cursor.execute(_RESET)
        return changed + cursor.rowcount


# Starter segments -------------------------------------------------------------------------

# "Loyal" in the 2x2 grid: at least this many orders; "occasional" is 1 up to one fewer.
LOYAL_MIN_ORDERS = 3
# The "large basket" threshold when no customer has orders yet.
DEFAULT_BASKET_THRESHOLD = 50


def basket_threshold() -> int:
    """Median average order value of customers with orders, rounded to a whole number.

    "Large basket" is at least this, "small basket" below it, so the grid splits the
    customers who order roughly in halves. DEFAULT_BASKET_THRESHOLD when nobody has ordered.
    """
    values = (
        Customer.objects.filter(order_count__gt=0)
        .order_by("avg_order_value")
        .values_list("avg_order_value", flat=True)
    )
    n = values.count()
    if not n:
        return DEFAULT_BASKET_THRESHOLD
    middle = list(values[(n - 1) // 2 : n // 2 + 1])
    median = sum(middle, Decimal(0)) / len(middle)
    # At least 1: a threshold of 0 would put every customer in "large basket".
    return max(1, int(median.quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def _group(*children: dict) -> dict:
    return {"type": "group", "op": "and", "negate": False, "children": list(children)}


def _condition(field: str, op: str, value) -> dict:
    return {"type": "condition", "field": field, "op": op, "value": value}


def starter_definitions() -> list[tuple[str, str, dict]]:
    """(name, description, definition) of the one-click starter segments.

    One per RFM tier, then the 2x2 grid "loyal / occasional x large / small basket".
    """
    starters = [
        (f"RFM: {tier.label}", TIER_DESCRIPTIONS[tier.value],
         _group(_condition("rfm_tier", "in", [tier.value])))
        for tier in RfmTier
    ]  # fmt: skip
    threshold = basket_threshold()
    loyal = (
        "Loyal",
        f"At least {LOYAL_MIN_ORDERS} orders",
        _condition("order_count", "gte", LOYAL_MIN_ORDERS),
    )
    occasional = (
        "Occasional",
        f"1 to {LOYAL_MIN_ORDERS - 1} orders",
        _condition("order_count", "between", [1, LOYAL_MIN_ORDERS - 1]),
    )
    large = (
        "large basket",
        f"an average order of at least {threshold}",
        _condition("avg_order_value", "gte", threshold),
    )
    small = (
        "small basket",
        f"an average order below {threshold}",
        _condition("avg_order_value", "lt", threshold),
    )
    for who, who_text, who_rule in (loyal, occasional):
        for basket, basket_text, basket_rule in (large, small):
            starters.append(
                (f"{who}, {basket}", f"{who_text}, {basket_text}.", _group(who_rule, basket_rule))
            )
    return starters
