"""Validation of the events API's batches: every event is checked, and every problem reported
with its index and field, before anything touches the database."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.dateparse import parse_datetime

from segmentation.customers.models import Order
from segmentation.events.errors import ApiError
from segmentation.events.models import EventKind

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
