"""Demo orders: how many each customer places, when, and what is in the basket.

A customer's metrics (count, total, average, first and last order) are summed up while the
orders are generated, so that the recompute after the load finds them right and does not
have to rewrite a million rows.
"""

import math
import random
from array import array
from collections.abc import Callable, Sequence

from segmentation.demo.reference import INTERESTS
from segmentation.demo.rows import Extras

ORDER_ID_PREFIX = "ORD-"
ITEMS_PER_ORDER = (1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 4, 5)

# A product: (None, item JSON for quantity 1, 2, 3), price in cents.
Sku = tuple[tuple, int]
# Order rows and (order count, total spent, average order, first and last order time).
Orders = tuple[list[tuple], tuple]


class Catalogue:
    """Per interest a dozen SKUs with fixed prices, pre-rendered as JSON items per quantity."""

    def __init__(self) -> None:
        rng = random.Random("segmenta-demo-catalogue")
        self.by_interest: list[list[Sku]] = []
        for interest in INTERESTS:
            skus = []
            for j in range(1, 13):
                lognormal = rng.lognormvariate(math.log(interest.median_price), 0.7)
                cents = max(199, int(lognormal * 100))
                cents = cents // 100 * 100 + 99 if cents > 1000 else cents  # x.99 pricing
                price = f"{cents // 100}.{cents % 100:02d}"
                items = tuple(
                    f'{{"sku": "{interest.sku}-{j:04d}", "qty": {qty}, "price": {price}}}'
                    for qty in (1, 2, 3)
                )
                skus.append(((None, *items), cents))
            self.by_interest.append(skus)
        self.everything = [sku for skus in self.by_interest for sku in skus]

    def for_interests(self, interests: Sequence[int]) -> list[Sku]:
        if not interests:
            return self.everything
        return [sku for j in interests for sku in self.by_interest[j]]


def order_counts(n: int, m: int, rng: random.Random, created_frac: Callable[[int], float]) -> array:
    """How many orders each of n customers has, m in total, with a realistic skew.

    About 30% never ordered, 22% ordered once, the rest are repeat buyers whose extra orders
    follow a Pareto law (a long tail of heavy buyers), fewer for customers who joined lately.
    The arrays keep 13 bytes per customer: the only state the generator holds for all of them.
    """
    base = array("B")
    weights = array("d")
    for i in range(n):
        r = rng.random()
        if r < 0.30:
            base.append(0)
            weights.append(0.0)
        elif r < 0.52:
            base.append(1)
            weights.append(0.0)
        else:
            tenure = max(0.02, 1.0 - created_frac(i))
            base.append(2)
            weights.append(min(rng.paretovariate(1.25), 150.0) * tenure**0.8)
    extra = m - sum(base)
    if extra < 0 or not any(weights):
        # Few orders for many customers: spread them over the would-be buyers instead.
        weights = array("d", (float(b) for b in base)) if any(base) else array("d", [1.0] * n)
        base = array("B", bytes(n))
        extra = m
    return _allocate(base, weights, extra)


def _allocate(base: array, weights: array, extra: int) -> array:
    """Systematic allocation: exact total, each customer close to their expected share."""
    n = len(base)
    total = math.fsum(weights)
    cum, allocated = 0.0, 0
    counts = array("I", [0]) * n
    for i in range(n):
        cum += weights[i]
        upto = extra if i == n - 1 else min(extra, int(extra * cum / total))
        counts[i] = base[i] + upto - allocated
        allocated = upto
    return counts


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


class OrderMaker:
    """A customer's orders, drawn from the generator's random stream (the order matters)."""

    def __init__(
        self,
        rng: random.Random,
        anchor_ts: int,
        timestamp: Callable[[int], str],
        extras: Extras,
        first_number: int,
    ) -> None:
        self.rng = rng
        self.anchor_ts = anchor_ts
        self.ts = timestamp
        self.extras = extras
        self.next_number = first_number
        self.catalogue = Catalogue()

    def orders(self, pk: int, created: int, k: int, interests: list[int]) -> Orders:
        if not k:
            return [], (0, "0.00", "0.00", None, None)
        times = self._times(created, k)
        preferred = self.catalogue.for_interests(interests)
        rows, total_cents = [], 0
        ts, extras = self.ts, self.extras
        constant = extras.constant_tuple
        number = self.next_number
        for placed in times:
            items, cents = self._basket(preferred)
            number += 1
            rows.append(
                (
                    f"{ORDER_ID_PREFIX}{number:010d}",
                    pk,
                    ts(placed),
                    _money(cents),
                    "EUR",
                    items,
                    *(extras.values() if extras.uuid_positions else constant),
                )
            )
            total_cents += cents
        self.next_number = number
        avg = (2 * total_cents + k) // (2 * k)  # half up, as SQL ROUND(sum / n, 2)
        metrics = (k, _money(total_cents), _money(avg), ts(min(times)), ts(max(times)))
        return rows, metrics

    def _times(self, created: int, k: int) -> list[int]:
        """The last order's time first, then k - 1 earlier ones, in epoch seconds."""
        rand = self.rng.random
        lifetime = self.anchor_ts - created
        # Recency: heavy buyers are more often still active; others lapsed or churned.
        r = rand() - min(0.25, k / 80)
        if r < 0.12:  # active: bought in the last weeks
            last = self.anchor_ts - int(rand() * 45 * 86400)
        elif r < 0.40:  # lapsing: a few months ago
            last = self.anchor_ts - int((45 + rand() * 255) * 86400)
        else:  # churned: stopped early in their life as a customer
            last = created + int(rand() * 0.6 * lifetime)
        if last <= created:
            last = created + int(rand() * lifetime)
        first_possible = created + 600  # a first purchase comes after signing up
        last = max(last, first_possible)
        return [last] + [
            first_possible + int(rand() * (last - first_possible)) for _ in range(k - 1)
        ]

    def _basket(self, preferred: list[Sku]) -> tuple[str, int]:
        """The items as JSON text and their total in cents: mostly from the customer's interests."""
        rand = self.rng.random
        everything = self.catalogue.everything
        parts, cents = [], 0
        for _ in range(ITEMS_PER_ORDER[int(rand() * len(ITEMS_PER_ORDER))]):
            if rand() < 0.75:
                texts, price = preferred[int(rand() * len(preferred))]
            else:
                texts, price = everything[int(rand() * len(everything))]
            q = rand()
            qty = 1 if q < 0.8 else 2 if q < 0.95 else 3
            parts.append(texts[qty])
            cents += qty * price
        return "[" + ", ".join(parts) + "]", cents
