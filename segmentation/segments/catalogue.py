"""The one catalogue of segmentable fields: the builder's menus, the validator and the compiler
all read it, so a field added here is offered, checked and compiled the same way.

Each field turns (operator, cleaned value, context) into a `Q` over Customer, or over
CustomerFacts for the preview (Context.facts). Behaviour in other tables compiles to EXISTS
subqueries; "at least N orders / X spent in a window" is a binary search in each customer's
order history (times ascending, running totals), which CustomerFacts holds in its row.
"""

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import BooleanField, Exists, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from segmentation.consent import reach
from segmentation.consent.models import Topic, TopicConsent
from segmentation.customers.models import (
    AttributeDefinition,
    AttributeType,
    Channel,
    ConsentStatus,
    CustomerInterest,
    DeviceType,
    Education,
    Gender,
    Interest,
    OperatingSystem,
    OrderHistory,
    RfmTier,
)
from segmentation.events.carts import open_carts
from segmentation.events.models import Event, EventKind
from segmentation.segments.kinds import (
    AMOUNT,
    COUNT,
    DAYS,
    HOURS,
    NUMBER_OPS,
    BooleanKind,
    ChoiceKind,
    DateKind,
    Kind,
    NumberKind,
    TextKind,
    WindowKind,
)
from segmentation.segments.models import CustomerFacts, Segment

COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass
class Context:
    """What compiling needs besides the tree: the time "now", and the segments being expanded
    (to refuse cycles) — `expand` compiles another segment's definition."""

    now: dt.datetime = field(default_factory=timezone.now)
    visiting: tuple[int, ...] = ()
    expand: Callable[[int, "Context"], Q] | None = None
    # Compile for CustomerFacts (the preview) instead of Customer: the few
    # fields that read other tables or several columns read the facts row's own columns.
    facts: bool = False

    @property
    def today(self) -> dt.date:
        return timezone.localdate(self.now)


Compiler = Callable[[str, object, Context], Q]


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    group: str
    kind: Kind
    compile: Compiler
    help: str = ""


# --- compilers ----------------------------------------------------------------------------


def column(name: str) -> Compiler:
    """Comparisons on one column; text is compared case-insensitively."""

    def compile(op: str, value, ctx: Context) -> Q:
        return compare(name, op, value, ctx)

    return compile


def compare(name: str, op: str, value, ctx: Context) -> Q:
    simple = {"gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte", "before": "lt", "after": "gt"}
    if op in simple:
        return Q(**{f"{name}__{simple[op]}": value})
    if op == "eq":
        return Q(**{f"{name}__iexact" if isinstance(value, str) else name: value})
    if op == "ne":
        return ~compare(name, "eq", value, ctx)
    if op == "between":
        return Q(**{f"{name}__gte": value[0], f"{name}__lte": value[1]})
    if op == "starts_with":
        return Q(**{f"{name}__istartswith": value})
    if op == "contains":
        return Q(**{f"{name}__icontains": value})
    if op == "in":
        return Q(**{f"{name}__in": value})
    if op == "not_in":
        return ~Q(**{f"{name}__in": value})
    if op == "in_last_days":
        return Q(**{f"{name}__gte": ctx.now - dt.timedelta(days=value)})
    if op == "more_than_days_ago":
        return Q(**{f"{name}__lt": ctx.now - dt.timedelta(days=value)})
    if op == "is_set":
        return Q(**{f"{name}__isnull": False})
    if op == "is_not_set":
        return Q(**{f"{name}__isnull": True})
    raise ValueError(f"unknown operator {op}")


def text_column(name: str) -> Compiler:
    """Text columns store "" for unknown, never NULL."""

    def compile(op: str, value, ctx: Context) -> Q:
        if op == "is_set":
            return ~Q(**{name: ""})
        if op == "is_not_set":
            return Q(**{name: ""})
        if op in ("in", "not_in"):
            q = Q(**{f"{name}__iexact": value[0]})
            for item in value[1:]:
                q |= Q(**{f"{name}__iexact": item})
            return q if op == "in" else ~q
        return compare(name, op, value, ctx)

    return compile


def choice_column(name: str) -> Compiler:
    def compile(op: str, value, ctx: Context) -> Q:
        if op == "is_set":
            return ~Q(**{name: ""})
        if op == "is_not_set":
            return Q(**{name: ""})
        return compare(name, op, value, ctx)

    return compile


def datetime_column(name: str) -> Compiler:
    """Dates compared with a moment: "before 3 May" ends when 3 May begins here (TIME_ZONE)."""

    def day_start(day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time()))

    def compile(op: str, value, ctx: Context) -> Q:
        if op == "before":
            return Q(**{f"{name}__lt": day_start(value)})
        if op == "after":
            return Q(**{f"{name}__gte": day_start(value + dt.timedelta(days=1))})
        return compare(name, op, value, ctx)

    return compile


def days_since(name: str) -> Compiler:
    """ "Days since X is at least 30" means X happened 30 or more days ago; no X, no match."""

    def compile(op: str, value, ctx: Context) -> Q:
        def moment(days: int) -> dt.datetime:
            return ctx.now - dt.timedelta(days=days)

        # More days since = an earlier moment, so the comparisons turn round.
        if op == "gte":
            return Q(**{f"{name}__lte": moment(value)})
        if op == "gt":
            return Q(**{f"{name}__lte": moment(value + 1)})
        if op == "lte":
            return Q(**{f"{name}__gt": moment(value + 1)})
        if op == "lt":
            return Q(**{f"{name}__gt": moment(value)})
        if op == "eq":
            return Q(**{f"{name}__lte": moment(value), f"{name}__gt": moment(value + 1)})
        if op == "ne":
            return Q(**{f"{name}__isnull": False}) & ~compile("eq", value, ctx)
        if op == "between":
            low, high = value
            return Q(**{f"{name}__lte": moment(low), f"{name}__gt": moment(high + 1)})
        raise ValueError(f"unknown operator {op}")

    return compile


def age(op: str, value, ctx: Context) -> Q:
    """Age in whole years from birth_date: "age >= N" is "born on or before today N years ago"."""
    today = ctx.today

    def years_ago(years: int) -> dt.date:
        try:
            return today.replace(year=today.year - years)
        except ValueError:  # 29 February
            return today.replace(year=today.year - years, day=28)

    def at_least(n: int) -> Q:
        return Q(birth_date__lte=years_ago(n))

    def at_most(n: int) -> Q:
        return Q(birth_date__gt=years_ago(n + 1))

    if op == "between":
        return at_least(value[0]) & at_most(value[1])
    ranges = {
        "gte": lambda: at_least(value),
        "gt": lambda: at_least(value + 1),
        "lte": lambda: at_most(value),
        "lt": lambda: at_most(value - 1) if value > 0 else Q(pk__in=[]),
        "eq": lambda: at_least(value) & at_most(value),
        "ne": lambda: Q(birth_date__isnull=False) & ~(at_least(value) & at_most(value)),
        "is_set": lambda: Q(birth_date__isnull=False),
        "is_not_set": lambda: Q(birth_date__isnull=True),
    }
    return ranges[op]()


def attribute(key: str, type_: str) -> Compiler:
    path = f"attributes__{key}"

    def compile(op: str, value, ctx: Context) -> Q:
        if op == "is_set":
            return Q(attributes__has_key=key)
        if op == "is_not_set":
            return ~Q(attributes__has_key=key)
        if op in ("is_true", "is_false"):
            return Q(**{path: op == "is_true"})
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, tuple) and value and isinstance(value[0], dt.date):
            value = tuple(v.isoformat() for v in value)
        elif op in ("in_last_days", "more_than_days_ago"):
            since = (ctx.today - dt.timedelta(days=value)).isoformat()
            return Q(**{f"{path}__gte" if op == "in_last_days" else f"{path}__lt": since})
        if type_ == AttributeType.NUMBER and isinstance(value, Decimal):
            value = float(value)
        if isinstance(value, tuple):
            value = tuple(float(v) if isinstance(v, Decimal) else v for v in value)
        return compare(path, op, value, ctx)

    return compile


def interests(op: str, value, ctx: Context) -> Q:
    # The interests' ids, looked up now: with constants instead of a join on the slug the
    # planner reads the (interest, customer) index for those interests only, where it scanned
    # all 1.9M links at 1M customers (0.24 s of a 0.6 s preview).
    ids = dict(Interest.objects.filter(slug__in=value).values_list("slug", "pk"))

    def has(slugs) -> Exists:
        wanted = [ids[slug] for slug in slugs if slug in ids]
        return Exists(CustomerInterest.objects.filter(customer=OuterRef("pk"), interest__in=wanted))

    if ctx.facts:
        return _interest_ids(op, [ids.get(slug) for slug in value])
    if op == "any_of":
        return Q(has(value))
    if op == "none_of":
        return ~Q(has(value))
    q = Q()
    for slug in value:
        q &= Q(has([slug]))
    return q


def _interest_ids(op: str, ids: list[int | None]) -> Q:
    """The same on CustomerFacts (None: no such slug), whose row has its interests' ids as
    bits for the lower ids (one AND) and as an array for all."""
    known = sorted({pk for pk in ids if pk is not None})
    if op == "all_of" and None in ids:  # an interest that does not exist: nobody has it
        return Q(pk__in=[])
    if known and known[-1] < CustomerFacts.INTEREST_BITS:
        mask = sum(1 << pk for pk in known)
        test, params = (
            ("interest_bits & %s = %s", [mask, mask])
            if op == "all_of"
            else ("interest_bits & %s <> 0", [mask])
        )
        # test is one of the two constants above; the mask is a bound parameter.
        q = Q(RawSQL(test, params, output_field=BooleanField()))  # noqa: S611
    elif op == "all_of":
        q = Q(interest_ids__contains=known)
    else:
        q = Q(interest_ids__overlap=known)
    return ~q if op == "none_of" else q


def reachable_q(channel: str, facts: bool = False) -> Q:
    """Consent granted and an address to send to (consent.reach; the preview counts with this
    too). On CustomerFacts (facts) the rule's result is one boolean column per channel."""
    if facts:
        return Q(**{f"reachable_{channel}": True})
    return reach.q(channel)


def reachable(channel: str) -> Compiler:
    def compile(op: str, value, ctx: Context) -> Q:
        q = reachable_q(channel, ctx.facts)
        return q if op == "is_true" else ~q

    return compile


def topic_subscribed(op: str, value, ctx: Context) -> Q:
    granted = Exists(
        TopicConsent.objects.filter(
            customer=OuterRef("pk"),
            topic__slug__in=value,
            channel=Channel.EMAIL,
            status=ConsentStatus.GRANTED,
        )
    )
    return Q(granted) if op == "in" else ~Q(granted)


def in_segment(op: str, value, ctx: Context) -> Q:
    q = Q()
    for segment_id in value:
        q |= ctx.expand(int(segment_id), ctx)
    return q if op == "in" else ~q


# The windows read each customer's order history (times ascending, running
# totals from 0): the orders before the window are the times up to its last microsecond
# before (timestamps have microsecond precision), found by binary search (width_bucket).
# That moment is a bound constant: `since - interval '1 microsecond'` in SQL would be
# computed again for every row (timestamptz arithmetic is not folded when planning).
_BEFORE = "width_bucket(%s::timestamptz, placed)"
_IN_WINDOW = f"cardinality(placed) - {_BEFORE} >= %s"
_SPENT = f"running[cardinality(running)] - running[{_BEFORE} + 1] >= %s"
MICROSECOND = dt.timedelta(microseconds=1)


def _history(condition: str, since: dt.datetime, threshold, ctx: Context) -> Q:
    """Customers whose order history meets a condition (PostgreSQL). CustomerFacts holds the
    history in its row; Customer reads OrderHistory by a NOT NULL key, so the negation is a
    plain NOT IN."""
    # condition is one of the constants above; every value is a bound parameter.
    test = RawSQL(condition, [since - MICROSECOND, threshold], output_field=BooleanField())  # noqa: S611
    meets = (
        Q(test) if ctx.facts else Q(pk__in=OrderHistory.objects.filter(test).values("customer_id"))
    )
    if threshold > 0 and ctx.facts:
        # Only customers with an order in the window can meet it: the last order's time, a
        # plain column of the row, rules out most of them before any binary search. Not on
        # Customer, where the planner then prefers the last order's index, which is slower.
        return Q(last_order_at__gte=since) & meets
    return meets


def orders_in_window(op: str, value, ctx: Context) -> Q:
    since = ctx.now - dt.timedelta(days=value["days"])
    q = _history(_IN_WINDOW, since, value["count"], ctx)
    return q if op == "at_least" else ~q


def spent_in_window(op: str, value, ctx: Context) -> Q:
    since = ctx.now - dt.timedelta(days=value["days"])
    q = _history(_SPENT, since, value["amount"], ctx)
    return q if op == "at_least" else ~q


def open_cart(op: str, value, ctx: Context) -> Q:
    before = ctx.now - dt.timedelta(hours=value["hours"])
    if ctx.facts:  # the oldest open cart's time is in the row
        q = Q(open_cart_since__lte=before)
        return q if op == "has" else ~q
    carts = open_carts().filter(customer=OuterRef("pk"), updated_at__lte=before)
    return Q(Exists(carts)) if op == "has" else ~Q(Exists(carts))


def event_in_window(kind: str) -> Compiler:
    def compile(op: str, value, ctx: Context) -> Q:
        since = ctx.now - dt.timedelta(days=value["days"])
        events = Event.objects.filter(customer=OuterRef("pk"), kind=kind, occurred_at__gte=since)
        return Q(Exists(events)) if op == "has" else ~Q(Exists(events))

    return compile


# --- kinds with their operators -----------------------------------------------------------


def number(minimum=0, maximum=1_000_000_000, whole=False, nullable=False) -> NumberKind:
    ops = NUMBER_OPS + (("is_set", "is_not_set") if nullable else ())
    return NumberKind("number", ops, Decimal(minimum), Decimal(maximum), whole)


def choices_of(enum) -> ChoiceKind:
    return ChoiceKind("choice", ("in", "not_in", "is_set", "is_not_set"), lambda: enum.choices)


TEXT = TextKind(
    "text", ("eq", "ne", "starts_with", "contains", "in", "not_in", "is_set", "is_not_set")
)
DATE_TIME = DateKind(
    "date", ("in_last_days", "more_than_days_ago", "before", "after", "is_set", "is_not_set")
)
BOOLEAN = BooleanKind("boolean", ("is_true", "is_false"))
SCORE = number(1, 5, whole=True, nullable=True)
DAYS_SINCE = NumberKind("number", NUMBER_OPS, Decimal(0), Decimal(36600), whole=True)


def window(*params) -> WindowKind:
    ops = ("has", "has_not") if len(params) == 1 else ("at_least", "fewer_than")
    return WindowKind("window", ops, params=params)


COUNTRY_KIND = ChoiceKind(
    "country",
    ("in", "not_in", "is_set", "is_not_set"),
    accept=lambda code: bool(COUNTRY.match(code)),
    pattern_hint=" (two-letter ISO codes such as DE)",
)


def interest_choices():
    return list(Interest.objects.order_by("name").values_list("slug", "name"))


def topic_choices():
    return list(Topic.objects.order_by("name").values_list("slug", "name"))


def segment_choices():
    return [
        (str(pk), name) for pk, name in Segment.objects.order_by("name").values_list("pk", "name")
    ]


FIELDS: tuple[Field, ...] = (
    # Demographics
    Field("age", "Age", "Demographics", number(0, 130, whole=True, nullable=True), age,
          "In whole years, from the birth date."),
    Field("gender", "Gender", "Demographics", choices_of(Gender), choice_column("gender")),
    Field("income", "Yearly income", "Demographics", number(nullable=True), column("income")),
    Field("education", "Education", "Demographics", choices_of(Education),
          choice_column("education")),
    Field("occupation", "Occupation", "Demographics", TEXT, text_column("occupation")),
    # Geography
    Field("country", "Country", "Geography", COUNTRY_KIND, choice_column("country")),
    Field("region", "Region", "Geography", TEXT, text_column("region")),
    Field("city", "City", "Geography", TEXT, text_column("city")),
    Field("postal_code", "Postal code", "Geography", TEXT, text_column("postal_code"),
          "Use 'starts with' for postal areas."),
    # Interests and technology
    Field("interests", "Interests", "Interests",
          ChoiceKind("tags", ("any_of", "all_of", "none_of"), interest_choices), interests),
    Field("device_type", "Device", "Technology", choices_of(DeviceType),
          choice_column("device_type")),
    Field("os", "Operating system", "Technology", choices_of(OperatingSystem),
          choice_column("os")),
    # Purchases (kept up to date from orders)
    Field("order_count", "Number of orders", "Purchases", number(0, 1_000_000, whole=True),
          column("order_count")),
    Field("total_spent", "Total spent", "Purchases", number(), column("total_spent")),
    Field("avg_order_value", "Average order value", "Purchases", number(),
          column("avg_order_value")),
    Field("days_since_last_order", "Days since last order", "Purchases", DAYS_SINCE,
          days_since("last_order_at"), "Customers without orders never match."),
    Field("days_since_first_order", "Days since first order", "Purchases", DAYS_SINCE,
          days_since("first_order_at"), "Customers without orders never match."),
    Field("customer_since", "Became a customer", "Purchases", DATE_TIME,
          datetime_column("created_at")),
    # Behaviour in a time window
    Field("orders_in_window", "Orders in the last days", "Behaviour",
          window(("count", "orders", COUNT), ("days", "days", DAYS)), orders_in_window,
          "Placed at least N orders in the last D days."),
    Field("spent_in_window", "Spent in the last days", "Behaviour",
          window(("amount", "amount", AMOUNT), ("days", "days", DAYS)), spent_in_window,
          "Order totals added up in the last D days (all currencies as recorded)."),
    Field("open_cart", "Open cart older than", "Behaviour",
          window(("hours", "hours", HOURS)), open_cart,
          "A cart the shop reported and no order closed, untouched for H hours."),
    Field("visited", "Visited the shop in the last days", "Behaviour",
          window(("days", "days", DAYS)), event_in_window(EventKind.PAGE_VIEW)),
    Field("opened_message", "Opened a message in the last days", "Behaviour",
          window(("days", "days", DAYS)), event_in_window(EventKind.MESSAGE_OPEN)),
    Field("clicked_message", "Clicked a message link in the last days", "Behaviour",
          window(("days", "days", DAYS)), event_in_window(EventKind.MESSAGE_CLICK)),
    # RFM
    Field("rfm_tier", "RFM tier", "RFM", choices_of(RfmTier), choice_column("rfm_tier")),
    Field("rfm_recency", "RFM recency score", "RFM", SCORE, column("rfm_recency"),
          "1-5, 5 = bought most recently."),
    Field("rfm_frequency", "RFM frequency score", "RFM", SCORE, column("rfm_frequency"),
          "1-5, 5 = buys most often."),
    Field("rfm_monetary", "RFM monetary score", "RFM", SCORE, column("rfm_monetary"),
          "1-5, 5 = spends most."),
    # Consent
    Field("reachable_email", "Reachable by email", "Consent", BOOLEAN, reachable(Channel.EMAIL),
          "Email consent granted and an address on file."),
    Field("reachable_sms", "Reachable by SMS", "Consent", BOOLEAN, reachable(Channel.SMS),
          "SMS consent granted and a phone number on file."),
    Field("topic", "Subscribed to topic (email)", "Consent",
          ChoiceKind("tags", ("in", "not_in"), topic_choices), topic_subscribed),
    # Other segments
    Field("segment", "Member of segment", "Segments",
          ChoiceKind("choice", ("in", "not_in"), segment_choices), in_segment,
          "Members of another saved segment, as it is defined now."),
)  # fmt: skip

ATTRIBUTE_KINDS = {
    AttributeType.TEXT: TEXT,
    AttributeType.NUMBER: number(-1_000_000_000, nullable=True),
    AttributeType.BOOLEAN: BooleanKind("boolean", ("is_true", "is_false", "is_set", "is_not_set")),
    AttributeType.DATE: DateKind(
        "date", ("in_last_days", "more_than_days_ago", "before", "after", "between", "is_set",
                 "is_not_set")
    ),
}  # fmt: skip


def attribute_fields() -> list[Field]:
    return [
        Field(
            f"attr.{definition.key}",
            definition.label,
            "Custom attributes",
            ATTRIBUTE_KINDS[definition.type],
            attribute(definition.key, definition.type),
            definition.help_text,
        )
        for definition in AttributeDefinition.objects.all()
    ]


# Fields of the apps built on segmentation (feedback: survey answers), added from their
# AppConfig.ready: segmentation never imports them.
_provided: dict[str, Field] = {}


def provide_field(field: Field) -> None:
    """Let another app add a field to the catalogue (after the fixed ones)."""
    _provided[field.key] = field


def catalogue() -> dict[str, Field]:
    """Every field by key: the fixed ones, those other apps add, the custom attributes."""
    fields = {f.key: f for f in FIELDS}
    fields.update(_provided)
    fields.update({f.key: f for f in attribute_fields()})
    return fields
