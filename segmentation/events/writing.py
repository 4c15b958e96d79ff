"""Storing a validated batch of the events API in one transaction: the customers resolved or
created, the new events inserted once (the unique (integration, event_id) index makes retries
harmless, concurrent ones too), then applied to carts and orders, each step set-based."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from segmentation.customers import signals
from segmentation.customers.metrics import recompute_customer_metrics
from segmentation.customers.models import Customer, Order
from segmentation.events.errors import ApiError
from segmentation.events.models import ApiKey, Cart, CartStatus, Event
from segmentation.events.validation import CartTouch, Incoming


def store(api_key: ApiKey, incoming: list[Incoming]) -> tuple[int, int]:
    """Store what is new, all or nothing; returns (accepted, duplicates)."""
    with transaction.atomic():
        fresh = _new_events(api_key, incoming)
        accepted = 0
        if fresh:
            customers = _resolve_customers(fresh)
            accepted = _insert_events(api_key, fresh, customers)
            _apply_to_carts(api_key, fresh, customers)
            _apply_orders(fresh, customers)
    return accepted, len(incoming) - accepted


def _new_events(api_key: ApiKey, incoming: list[Incoming]) -> list[Incoming]:
    """The events not stored before, each id once (retries, or an id repeated in the batch).
    Duplicates change nothing, not even when their content differs from the first time."""
    ids = {event.event_id for event in incoming}
    stored = Event.objects.filter(integration=api_key, event_id__in=ids)
    known = set(stored.values_list("event_id", flat=True))
    fresh: dict[str, Incoming] = {}
    for event in incoming:
        if event.event_id not in known:
            fresh.setdefault(event.event_id, event)
    return list(fresh.values())


def _resolve_customers(events: list[Incoming]) -> dict[int, int]:
    """Customer id per event index. The shop's external_id wins over the email (emails
    change). An unknown email becomes a new customer with no consent at all: consent only
    ever comes through segmentation.consent, never from shop events."""
    found = _lookup(events)
    unknown = [e for e in events if e.email and _match(e, *found) is None]
    linked = _link_external_ids(events, *found)
    if unknown:
        _create_customers(unknown)
    if unknown or linked:
        found = _lookup(events)
    customers = {e.index: _match(e, *found) for e in events}
    errors = [
        {
            "index": e.index,
            "field": "customer.external_id",
            "message": "no customer has this external_id; send their email to create one",
        }
        for e in events
        if customers[e.index] is None and not e.email
    ]
    if errors:
        raise ApiError(400, {"errors": errors})  # rolls back the customers just created
    if None in customers.values():  # deleted by a concurrent erasure since created
        raise ApiError.plain(409, "A customer changed while this request ran; retry it.")
    return customers


def _link_external_ids(events: list[Incoming], by_email: dict, by_external_id: dict) -> int:
    """A known email sent with an external_id nobody has: give it to that customer if they
    have none yet, so that later events can name them by the shop's id alone."""
    links: dict[int, str] = {}
    for e in events:
        customer = by_email.get(e.email)
        unheard_of = e.external_id and e.external_id not in by_external_id
        if customer and unheard_of and e.external_id not in links.values():
            links.setdefault(customer, e.external_id)
    if not links:
        return 0
    given = Case(*(When(pk=pk, then=Value(external_id)) for pk, external_id in links.items()))
    unlinked = Customer.objects.filter(pk__in=links, external_id__isnull=True)
    try:
        with transaction.atomic():  # savepoint: the link is a convenience, not a must
            return unlinked.update(external_id=given)
    except IntegrityError:  # a concurrent request gave one of the ids to someone else
        return 0


def _create_customers(unknown: list[Incoming]) -> None:
    new: dict[str, Customer] = {}
    claimed: set[str] = set()
    for e in unknown:
        # Two new emails sent with one new external_id: the first gets it, and later events
        # with that external_id then match that customer (external_id wins).
        if e.email in new or (e.external_id and e.external_id in claimed):
            continue
        new[e.email] = Customer(email=e.email, external_id=e.external_id)
        if e.external_id:
            claimed.add(e.external_id)
    # Sorted, so that concurrent requests insert in the same order (no deadlock); a row a
    # concurrent request inserted first is skipped here and found by the next lookup.
    rows = sorted(new.values(), key=lambda customer: customer.email)
    Customer.objects.bulk_create(rows, ignore_conflicts=True)


def _lookup(events: list[Incoming]) -> tuple[dict[str, int], dict[str, int]]:
    emails = {e.email for e in events if e.email}
    external_ids = {e.external_id for e in events if e.external_id}
    rows = Customer.objects.filter(Q(email__in=emails) | Q(external_id__in=external_ids))
    by_email, by_external_id = {}, {}
    for pk, email, external_id in rows.order_by().values_list("pk", "email", "external_id"):
        if email in emails:
            by_email[email] = pk
        if external_id in external_ids:
            by_external_id[external_id] = pk
    return by_email, by_external_id


def _match(event: Incoming, by_email: dict, by_external_id: dict) -> int | None:
    return by_external_id.get(event.external_id) or by_email.get(event.email)


def _insert_events(api_key: ApiKey, events: list[Incoming], customers: dict[int, int]) -> int:
    received_at = timezone.now()
    rows = [
        Event(
            integration=api_key,
            event_id=e.event_id,
            kind=e.kind,
            customer_id=customers[e.index],
            occurred_at=e.occurred_at,
            received_at=received_at,
            data=e.data,
        )
        for e in sorted(events, key=lambda e: e.event_id)
    ]
    Event.objects.bulk_create(rows, ignore_conflicts=True)
    # A concurrent retry may have stored some of them first (ours were then skipped): the
    # rows that carry this request's received_at are the ones it added.
    ids = [e.event_id for e in events]
    mine = Event.objects.filter(integration=api_key, event_id__in=ids, received_at=received_at)
    return mine.count()


@dataclass
class CartReport:
    """A cart as this request's events describe it, latest report last."""

    customer_id: int
    updated_at: datetime
    value: Decimal | None = None
    items: int | None = None
    ordered: bool = False

    def add(self, touch: CartTouch, customer_id: int, occurred_at: datetime) -> None:
        self.customer_id, self.updated_at = customer_id, occurred_at
        self.value = self.value if touch.value is None else touch.value
        self.items = self.items if touch.items is None else touch.items
        self.ordered = self.ordered or touch.ordered

    def as_new(self, api_key: ApiKey, cart_id: str) -> Cart:
        return Cart(
            integration=api_key,
            cart_id=cart_id,
            customer_id=self.customer_id,
            status=CartStatus.ORDERED if self.ordered else CartStatus.OPEN,
            value=self.value or Decimal(0),
            items=self.items or 0,
            updated_at=self.updated_at,
        )

    def merge_into(self, cart: Cart) -> bool:
        """Apply to the stored cart; True if that changed it."""
        fields = ("customer_id", "status", "value", "items", "updated_at")
        before = [getattr(cart, name) for name in fields]
        if self.ordered:
            cart.status = CartStatus.ORDERED
        if self.updated_at > cart.updated_at:  # an older report never overwrites a newer one
            cart.customer_id, cart.updated_at = self.customer_id, self.updated_at
            cart.value = cart.value if self.value is None else self.value
            cart.items = cart.items if self.items is None else self.items
        return before != [getattr(cart, name) for name in fields]


def _apply_to_carts(api_key: ApiKey, events: list[Incoming], customers: dict[int, int]) -> None:
    """Upsert the carts. The latest report wins, updated_at only moves forward, and a cart
    once ordered stays ordered, even when an update for it arrives after the order."""
    reports: dict[str, CartReport] = {}
    for e in sorted(events, key=lambda e: (e.occurred_at, e.index)):
        if e.cart:
            report = reports.setdefault(e.cart.cart_id, CartReport(0, e.occurred_at))
            report.add(e.cart, customers[e.index], e.occurred_at)
    if not reports:
        return
    # Insert the carts not there yet, then lock all of them and merge into what is stored.
    new = [report.as_new(api_key, cart_id) for cart_id, report in sorted(reports.items())]
    Cart.objects.bulk_create(new, ignore_conflicts=True)
    stored = Cart.objects.select_for_update().filter(integration=api_key, cart_id__in=reports)
    changed = [cart for cart in stored.order_by("pk") if reports[cart.cart_id].merge_into(cart)]
    Cart.objects.bulk_update(changed, ["customer", "status", "value", "items", "updated_at"])


def _apply_orders(events: list[Incoming], customers: dict[int, int]) -> None:
    """Each order id becomes one Order, once: an id already known (from an import or an
    earlier event) is left as it is. Then the buyers' metrics are brought up to date."""
    orders: dict[str, Order] = {}
    for e in events:
        if e.order is not None and e.order.external_id not in orders:
            e.order.customer_id = customers[e.index]
            e.order.placed_at = e.occurred_at
            orders[e.order.external_id] = e.order
    if not orders:
        return
    rows = sorted(orders.values(), key=lambda order: order.external_id)
    Order.objects.bulk_create(rows, ignore_conflicts=True)
    recompute_customer_metrics({order.customer_id for order in orders.values()})
    # Campaigns credit conversions from these orders (after this request commits).
    signals.orders_recorded.send(sender=Order, since=min(order.placed_at for order in rows))
