import json
from dataclasses import dataclass

from django.conf import settings
from django.db import OperationalError, connections, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url

from segmentation.customers import sections
from segmentation.customers.forms import CustomerFilterForm
from segmentation.customers.models import Customer, StatsSnapshot
from segmentation.shared.access import role_required

# Only what the list shows: the wide columns (attributes, ...) stay on disk.
LIST_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "country",
    "order_count",
    "total_spent",
    "last_order_at",
)
LATEST_ORDERS = 20
# Time the customer list may spend counting matches before it estimates instead.
COUNT_BUDGET_MS = 40
QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement cancelled by its timeout


@dataclass
class KeysetPage:
    """One page of a list ordered newest first (by id), reached through a cursor, not OFFSET."""

    rows: list
    next_after: int | None  # ?after=<id> for the next (older) page
    previous_before: int | None  # ?before=<id> for the previous (newer) page


def keyset_page(rows: QuerySet, size: int, after: int | None, before: int | None) -> KeysetPage:
    """Fetch size rows after (or before) a cursor id: an index range scan at any depth."""
    if before:
        found = list(rows.filter(pk__gt=before).order_by("pk")[: size + 1])
        page = found[:size][::-1]
        more_before = len(found) > size
        return KeysetPage(page, page[-1].pk if page else None, page[0].pk if more_before else None)
    if after:
        rows = rows.filter(pk__lt=after)
    found = list(rows.order_by("-pk")[: size + 1])
    page = found[:size]
    more_after = len(found) > size
    return KeysetPage(
        page, page[-1].pk if more_after else None, page[0].pk if after and page else None
    )


@dataclass
class MatchCount:
    value: int
    exact: bool  # False: the planner's estimate, shown as "about N"


def count_matches(rows: QuerySet, cap: int, budget_ms: int) -> MatchCount:
    """Count matches up to cap + 1 (shown as "10,000+"), within a time budget.

    A rare combination of unindexed filters has to scan every candidate row to be counted
    (~200 ms at 1M customers); past the budget the planner's estimate stands in.
    """
    bounded = rows.order_by()[: cap + 1]
    connection = connections[rows.db]
    try:
        with transaction.atomic(using=rows.db), connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('statement_timeout'),"
                " set_config('statement_timeout', %s, true)",
                [str(budget_ms)],
            )
            previous = cursor.fetchone()[0]
            count = bounded.count()
            # Within an outer transaction (ATOMIC_REQUESTS) the budget would otherwise last.
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
            return MatchCount(count, exact=True)
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) != QUERY_CANCELED:
            raise
    plan = json.loads(rows.order_by().explain(format="json"))
    return MatchCount(int(plan[0]["Plan"]["Plan Rows"]), exact=False)


@require_GET
@vary_on_headers("HX-Request")
@role_required("segmentation.view_customer")
def customer_list(request: HttpRequest) -> HttpResponse:
    form = CustomerFilterForm(request.GET)
    context = {"form": form, "section": "customers", "cap": settings.SEGMENTA_COUNT_CAP}
    if form.is_valid():
        matches = form.filter(Customer.objects.only(*LIST_COLUMNS))
        data = form.cleaned_data
        context["page"] = keyset_page(
            matches, settings.SEGMENTA_LIST_PAGE_SIZE, data["after"], data["before"]
        )
        context["count"] = count_matches(matches, settings.SEGMENTA_COUNT_CAP, COUNT_BUDGET_MS)
        context["filtered"] = form.is_filtered()
        context["query"] = form.query()
    template_name = "segmentation/customer_list.html"
    if request.htmx and not request.htmx.history_restore_request:
        template_name += "#results"
    else:
        context["countries"] = StatsSnapshot.known_countries()
    response = render(request, template_name, context)
    if request.htmx and form.is_valid():
        # Show the address bar a clean, shareable URL (the form also sends its empty fields).
        query = form.query()
        for cursor in ("after", "before"):
            if form.cleaned_data[cursor]:
                query[cursor] = form.cleaned_data[cursor]
        push_url(response, f"{request.path}?{query.urlencode()}" if query else request.path)
    return response


@require_GET
@role_required("segmentation.view_customer")
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    return render(request, "segmentation/customer_detail.html", customer_page(customer))


def customer_page(customer: Customer, given: dict | None = None) -> dict:
    """Everything the customer page shows, also when a section's form comes back with errors
    (`given`: that section's context, by name; see sections.for_customer)."""
    orders = customer.orders.order_by("-placed_at", "-pk")
    return {
        "customer": customer,
        "section": "customers",
        "interests": customer.interests.all(),
        "attributes": attribute_rows(customer.attributes),
        "orders": orders[:LATEST_ORDERS],
        "order_total": orders.count(),
        "sections": sections.for_customer(customer, given),
    }


def attribute_rows(attributes: object) -> list[tuple[str, str]]:
    """Custom attributes as sorted (key, text) pairs; nested values shown as JSON."""
    if not isinstance(attributes, dict):
        return [("(value)", json.dumps(attributes, ensure_ascii=False))] if attributes else []
    rows = []
    for key, value in sorted(attributes.items()):
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        rows.append((str(key), text))
    return rows
