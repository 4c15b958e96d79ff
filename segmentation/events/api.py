"""POST /api/events: the shop's cart updates, page views and orders.

A request passes, in order: the API key, the rate limit, the body (type, size, JSON), the
validation of every event (nothing touches the database until the whole request is valid),
then one transaction that resolves the customers, stores the new events (the unique
(integration, event_id) index makes retries harmless, concurrent ones too) and applies them
to carts and orders. Each step works on the whole batch: a 500-event request costs about a
dozen queries, not thousands.
"""

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.db.models import Case, Q, Value, When
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from segmentation.customers import signals
from segmentation.customers.metrics import recompute_customer_metrics
from segmentation.customers.models import Customer, Order
from segmentation.events import keys
from segmentation.events.models import ApiKey, Cart, CartStatus, Event, EventKind
from segmentation.shared.ratelimit import WINDOW_SECONDS, over_limit

API_KINDS = (EventKind.CART_UPDATE, EventKind.PAGE_VIEW, EventKind.ORDER)
MAX_FUTURE = timedelta(hours=1)  # clocks drift a little; further ahead is a bug in the sender
MAX_AMOUNT = Decimal(10) ** 10  # the money columns hold 12 digits, 2 of them decimals
CENT = Decimal("0.01")
MAX_COUNT = 2**31 - 1  # PositiveIntegerField on PostgreSQL
MAX_ORDER_ITEMS = 1000
MAX_EMAIL = 254  # Customer.email's column; the validator alone lets 320 characters through
MAX_DEPTH = 16  # nesting inside one event (order items with options, say)
CURRENCY = re.compile(r"[A-Za-z]{3}")
MAX_URL = 2000
is_web_url = URLValidator(schemes=["http", "https"])


class ApiError(Exception):
    """A refused request: answered with this status, JSON body and headers."""

    def __init__(self, status: int, body: dict, headers: dict | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}

    @classmethod
    def plain(cls, status: int, message: str, **headers: str) -> "ApiError":
        return cls(status, {"error": message}, headers)

    def response(self) -> JsonResponse:
        return JsonResponse(self.body, status=self.status, headers=self.headers)


# --- The view ------------------------------------------------------------------------------


@csrf_exempt  # no cookies are involved: the bearer key is the credential
def events(request: HttpRequest) -> JsonResponse:
    try:
        if request.method != "POST":
            raise ApiError.plain(405, "Use POST.", Allow="POST")
        api_key = _authenticate(request)
        _check_rate(api_key)
        incoming = validate(_event_list(_read_json(request)), timezone.now())
        accepted, duplicates = store(api_key, incoming)
    except ApiError as refusal:
        return refusal.response()
    return JsonResponse({"accepted": accepted, "duplicates": duplicates})


def _authenticate(request: HttpRequest) -> ApiKey:
    api_key = keys.authenticate(request)
    if api_key is not None:
        return api_key
    if keys.bearer_token(request) is None:
        message = "Send your API key in the header 'Authorization: Bearer <key>'."
    else:
        message = "The API key is unknown, malformed or deactivated."
    raise ApiError.plain(401, message, **{"WWW-Authenticate": "Bearer"})


def _check_rate(api_key: ApiKey) -> None:
    """Per key and after authentication, so that nobody else can use up a shop's allowance."""
    limit = settings.SEGMENTA_API_RATE_LIMIT
    if over_limit("api-events", str(api_key.pk), limit):
        wait = WINDOW_SECONDS - int(timezone.now().timestamp()) % WINDOW_SECONDS
        message = f"More than {limit} requests in a minute; retry after {wait} seconds."
        raise ApiError.plain(429, message, **{"Retry-After": str(wait)})


def _read_json(request: HttpRequest) -> Any:
    if request.content_type.lower() != "application/json":
        raise ApiError.plain(400, "Send the events as JSON, with 'Content-Type: application/json'.")
    limit = settings.SEGMENTA_API_MAX_BODY_BYTES
    too_big = ApiError.plain(413, f"The body is larger than {limit} bytes; send smaller batches.")
    if _declared_length(request) > limit:
        raise too_big  # without reading it
    # Read the stream here: request.body would apply DATA_UPLOAD_MAX_MEMORY_SIZE instead.
    raw = request.read(limit + 1)
    if len(raw) > limit:
        raise too_big
    try:
        # parse_float keeps out 1e999 and parse_constant NaN: a JSON column cannot hold them.
        return json.loads(raw.decode("utf-8"), parse_constant=_refuse, parse_float=_finite)
    except UnicodeDecodeError:
        raise ApiError.plain(400, "The body is not UTF-8 text.") from None
    except (ValueError, RecursionError) as error:
        raise ApiError.plain(400, f"The body is not valid JSON: {error}.") from None


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _refuse(constant: str) -> float:
    raise ValueError(f"{constant} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is out of range")
    return number


def _event_list(payload: Any) -> list:
    if not isinstance(payload, dict):
        raise ApiError.plain(400, 'The body must be one event object or {"events": [...]}.')
    if "events" not in payload:
        return [payload]
    batch = payload["events"]
    if not isinstance(batch, list) or not batch:
        raise ApiError.plain(400, '"events" must be a non-empty list of event objects.')
    if len(batch) > settings.SEGMENTA_API_MAX_EVENTS:
        message = f"At most {settings.SEGMENTA_API_MAX_EVENTS} events in one request."
        raise ApiError.plain(400, message)
    return batch


# --- Validation ----------------------------------------------------------------------------


@dataclass
class CartTouch:
    """What one event says about a cart; None means "not reported, keep what is stored"."""

    cart_id: str
    value: Decimal | None = None
    items: int | None = None
    ordered: bool = False


@dataclass
class Incoming:
    """One valid event, converted to what is stored."""

    index: int
    event_id: str
    kind: str
    email: str | None
    external_id: str | None
    occurred_at: datetime
    data: dict = field(default_factory=dict)  # JSON-ready, stored on the Event
    cart: CartTouch | None = None
    order: Order | None = None  # unsaved; gets its customer once that is resolved


@dataclass
class Checker:
    """Checks the fields of one event, collecting errors in the API's shape."""

    index: int
    errors: list[dict]

    def fail(self, name: str | None, message: str) -> None:
        self.errors.append({"index": self.index, "field": name, "message": message})

    def text(self, obj: dict, key: str, name: str, required: bool, max_length: int = 100):
        value = obj.get(key)
        if not required and value == "":
            return None  # what many shops send for "none" (a page without a title, say)
        if value is None:
            if required:
                self.fail(name, "is required")
        elif isinstance(value, str) and value.strip() and len(value) <= max_length:
            return value
        else:
            self.fail(name, f"must be a string of 1 to {max_length} characters")
        return None

    def money(self, obj: dict, key: str, name: str, required: bool) -> Decimal | None:
        value = obj.get(key)
        amount = _decimal(value)
        if value is None:
            if required:
                self.fail(name, "is required")
        elif amount is None or amount < 0:
            self.fail(name, "must be a number >= 0")
        elif amount >= MAX_AMOUNT:
            self.fail(name, f"must be less than {MAX_AMOUNT:,}")
        elif amount != amount.quantize(CENT):
            self.fail(name, "must have at most 2 decimal places")
        else:
            return amount.quantize(CENT) + 0  # + 0 turns -0.00 into 0.00
        return None

    def count(self, obj: dict, key: str, name: str) -> int | None:
        value = obj.get(key)
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT:
            return value
        self.fail(name, "must be a whole number >= 0")
        return None


def _decimal(value: Any) -> Decimal | None:
    """Numbers and numeric strings ("19.90"); a float through its shortest repr (19.9)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def validate(batch: list, now: datetime) -> list[Incoming]:
    """Every event checked; any error refuses the whole request (400), listing all errors."""
    errors: list[dict] = []
    incoming = []
    for index, raw in enumerate(batch):
        check = Checker(index, errors)
        if isinstance(raw, dict):
            incoming.append(_validate_event(check, raw, now))
        else:
            check.fail(None, "must be an event object")
    if errors:
        raise ApiError(400, {"errors": errors})
    return incoming


def _validate_event(check: Checker, raw: dict, now: datetime) -> Incoming:
    event_id = check.text(raw, "id", "id", required=True)
    kind = raw.get("type")
    if kind not in API_KINDS:
        check.fail("type", f"must be one of {', '.join(API_KINDS)}")
    email, external_id = _customer(check, raw.get("customer"))
    occurred_at = _occurred_at(check, raw.get("occurred_at"), now)
    event = Incoming(check.index, event_id, kind, email, external_id, occurred_at)
    data = raw.get("data", {})
    if not isinstance(data, dict):
        check.fail("data", "must be an object")
    elif kind in API_KINDS:
        DATA_CHECKS[kind](check, data, event)
    problem = _unstorable(raw, "", 0)
    if problem:
        check.fail(*problem)
    return event


def _customer(check: Checker, customer: Any) -> tuple[str | None, str | None]:
    if not isinstance(customer, dict):
        check.fail("customer", "must be an object with an email and/or an external_id")
        return None, None
    email = customer.get("email")
    if isinstance(email, str):
        email = email.strip().lower() or None  # stored lower-case: see Customer.normalise
    if email is not None and not _is_email(email):
        check.fail("customer.email", "must be a valid email address")
    external_id = check.text(customer, "external_id", "customer.external_id", required=False)
    external_id = external_id.strip() if external_id else None
    if email is None and external_id is None and customer.get("external_id") in (None, ""):
        check.fail("customer", "must be an object with an email and/or an external_id")
    return email, external_id


def _is_email(value: Any) -> bool:
    return _passes(validate_email, value, MAX_EMAIL)


def _is_web_url(value: Any) -> bool:
    return _passes(is_web_url, value, MAX_URL)


def _passes(validator: Callable[[str], None], value: Any, max_length: int) -> bool:
    if not isinstance(value, str) or len(value) > max_length:
        return False
    try:
        validator(value)
    except ValidationError:
        return False
    return True


def _occurred_at(check: Checker, value: Any, now: datetime) -> datetime | None:
    if value is None:
        check.fail("occurred_at", "is required")
        return None
    try:
        moment = parse_datetime(value) if isinstance(value, str) else None
        moment = moment.astimezone(UTC) if moment and moment.tzinfo else moment
    except (ValueError, OverflowError):  # e.g. month 13, or year 1 west of UTC
        moment = None
    if moment is None:
        check.fail("occurred_at", "must be an ISO 8601 date and time, e.g. 2025-03-01T12:00:00Z")
    elif moment.tzinfo is None:
        check.fail("occurred_at", "must include a time zone, e.g. Z or +01:00")
    elif moment > now + MAX_FUTURE:
        check.fail("occurred_at", "must not be more than 1 hour in the future")
    else:
        return moment
    return None


def _cart_data(check: Checker, data: dict, event: Incoming) -> None:
    cart_id = check.text(data, "cart_id", "data.cart_id", required=True)
    value = check.money(data, "value", "data.value", required=False)
    items = check.count(data, "items", "data.items")
    event.cart = CartTouch(cart_id, value, items)
    event.data = {"cart_id": cart_id}
    if value is not None:
        event.data["value"] = str(value)
    if items is not None:
        event.data["items"] = items


def _order_data(check: Checker, data: dict, event: Incoming) -> None:
    order_id = check.text(data, "order_id", "data.order_id", required=True)
    total = check.money(data, "total", "data.total", required=True)
    currency = _currency(check, data.get("currency"))
    cart_id = check.text(data, "cart_id", "data.cart_id", required=False)
    items = data.get("items")
    items = [] if items is None else items
    if not isinstance(items, list) or len(items) > MAX_ORDER_ITEMS:
        check.fail("data.items", f"must be a list of at most {MAX_ORDER_ITEMS} items")
    elif not all(isinstance(item, dict) for item in items):
        check.fail("data.items", "must hold one object per item")
    event.order = Order(external_id=order_id, total=total, currency=currency, items=items)
    event.cart = CartTouch(cart_id, ordered=True) if cart_id else None
    event.data = {"order_id": order_id, "total": str(total), "currency": currency}
    if cart_id:
        event.data["cart_id"] = cart_id


def _currency(check: Checker, value: Any) -> str:
    if value is None:
        return "EUR"
    if isinstance(value, str) and CURRENCY.fullmatch(value):
        return value.upper()
    check.fail("data.currency", "must be a 3-letter currency code, e.g. EUR")
    return ""


def _page_view_data(check: Checker, data: dict, event: Incoming) -> None:
    url = data.get("url")
    if url is None:
        check.fail("data.url", "is required")
    elif not _is_web_url(url):
        check.fail("data.url", f"must be an http or https URL of at most {MAX_URL} characters")
    title = check.text(data, "title", "data.title", required=False, max_length=500)
    event.data = {"url": url}
    if title:
        event.data["title"] = title


DATA_CHECKS: dict[str, Callable[[Checker, dict, Incoming], None]] = {
    EventKind.CART_UPDATE: _cart_data,
    EventKind.ORDER: _order_data,
    EventKind.PAGE_VIEW: _page_view_data,
}


def _unstorable(value: Any, path: str, depth: int) -> tuple[str, str] | None:
    """(field, message) for the first string the database cannot store (PostgreSQL takes no
    NUL character; UTF-8 has no unpaired surrogates) or for nesting too deep to walk."""
    if depth > MAX_DEPTH:
        return path, f"is nested more than {MAX_DEPTH} levels deep"
    if isinstance(value, str):
        return None if _storable(value) else (path, "contains a character that cannot be stored")
    if isinstance(value, list):
        children = ((f"{path}[{i}]", None, item) for i, item in enumerate(value))
    elif isinstance(value, dict):
        children = ((f"{path}.{key}".lstrip("."), key, item) for key, item in value.items())
    else:
        return None
    for name, key, item in children:
        if key is not None and not _storable(key):
            return name, "has a name that cannot be stored"
        problem = _unstorable(item, name, depth + 1)
        if problem:
            return problem
    return None


def _storable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


# --- Writing -------------------------------------------------------------------------------


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
