"""Admin for customers, orders and interests that stays fast at 1M customers / 5M orders.

What makes the stock admin slow on big tables, and what is done instead:
- a COUNT(*) per changelist page (twice when filtered): counts are capped (CappedPaginator)
  and the unfiltered total is never counted (show_full_result_count = False);
- icontains search over several columns: search goes through Customer.objects.search
  (exact or prefix only, so every branch has an index);
- filters whose choices come from SELECT DISTINCT over the table, facet counts, date_hierarchy:
  choices are fixed or read with an index skip scan; no facets; no date hierarchy;
- sorting by unindexed columns: only indexed columns are sortable, also through ?o=, and ties
  break in the column's direction so that a (column, id) index serves the order;
- related rows listed on a page (5M orders, 300k members of an interest): the customer page
  shows the latest 20 orders and links to the filtered order list; deleting an interest
  summarises its members instead of listing them;
- "select all" actions over a million rows: there is no bulk delete on customers or orders.
"""

import contextlib

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import ShowFacets
from django.contrib.admin.views.main import ChangeList
from django.db import connection
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst

from segmentation.consent import ledger
from segmentation.consent.models import ConsentSource
from segmentation.customers.metrics import recompute_customer_metrics
from segmentation.customers.models import Channel, Customer, CustomerInterest, Interest, Order
from segmentation.imports.resources import CustomerResource, ImportExportAdminMixin, OrderResource
from segmentation.shared.pagination import CappedPaginator

LATEST_ORDERS_SHOWN = 20
# Requests are sent one by one (each is a ledger event and a message): keep a batch small.
MAX_OPT_IN_REQUESTS = 500


def _admin_context(request: HttpRequest, evidence: str) -> ledger.Context:
    return ledger.Context(
        source=ConsentSource.ADMIN, actor=request.user.get_username(), evidence=evidence
    )


_COUNTRY_SKIP_SCAN = """
    WITH RECURSIVE codes(code) AS (
        SELECT MIN(country) FROM segmentation_customer
        UNION ALL
        SELECT (SELECT MIN(country) FROM segmentation_customer WHERE country > codes.code)
        FROM codes WHERE codes.code IS NOT NULL
    )
    SELECT code FROM codes WHERE code IS NOT NULL AND code <> ''
"""


def customer_countries() -> list[str]:
    """Country codes in use, read by hopping through the country index (one probe per code),
    instead of SELECT DISTINCT over every customer."""
    with connection.cursor() as cursor:
        cursor.execute(_COUNTRY_SKIP_SCAN)
        return [row[0] for row in cursor.fetchall()]


class CountryFilter(admin.SimpleListFilter):
    title = "country"
    parameter_name = "country"

    def lookups(self, request, model_admin):
        return [(code, code) for code in customer_countries()]

    def queryset(self, request, queryset):
        return queryset.filter(country=self.value()) if self.value() else queryset


class BigTableChangeList(ChangeList):
    def get_ordering_field(self, field_name):
        # Only sortable_by columns sort, whatever the URL says: a hand-made ?o= could
        # otherwise sort a million rows by an unindexed column (a second per page).
        if self.sortable_by is not None and field_name not in self.sortable_by:
            return None
        return super().get_ordering_field(field_name)

    def _get_deterministic_ordering(self, ordering):
        ordering = super()._get_deterministic_ordering(ordering)
        # Break ties in the direction of the first column, so that a (column, id) index
        # serves both directions; "country ASC, id DESC" would sort every matching row.
        first = ordering[0] if ordering else None
        if ordering[-1:] == ["-pk"] and isinstance(first, str) and not first.startswith("-"):
            ordering[-1] = "pk"
        return ordering


class BigTableAdmin(admin.ModelAdmin):
    """Changelist settings every big table shares."""

    paginator = CappedPaginator
    show_full_result_count = False
    show_facets = ShowFacets.NEVER
    list_per_page = 50
    list_max_show_all = 200
    date_hierarchy = None

    def get_changelist(self, request, **kwargs):
        return BigTableChangeList

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        # "Show all" lists everything when the count is at most list_max_show_all, so a capped
        # count must never be that small.
        cap = max(settings.SEGMENTA_COUNT_CAP, self.list_max_show_all)
        return CappedPaginator(queryset, per_page, orphans, allow_empty_first_page, cap=cap)

    def get_actions(self, request: HttpRequest):
        # "Select all" + delete would act on every matching row, possibly millions.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class CustomerInterestInline(admin.TabularInline):
    model = CustomerInterest
    extra = 0
    verbose_name_plural = "interests"


@admin.register(Customer)
class CustomerAdmin(ImportExportAdminMixin, BigTableAdmin):
    resource_classes = [CustomerResource]
    list_display = [
        "id", "display_name", "email", "country", "city", "order_count", "total_spent",
        "last_order_at", "created_at",
    ]  # fmt: skip
    list_display_links = ["id", "display_name"]
    # Filters on selective or indexed columns only (no OS: a rare value such as Linux would
    # make the capped count read most of the table).
    list_filter = [CountryFilter, "gender", "device_type", "last_order_at", "created_at"]
    # Only orders an index serves. Not last_order_at: newest first puts 300k never-ordered
    # customers (NULL) first, and ordering them by id needs an index on (last_order_at, id).
    sortable_by = ["id", "country", "created_at"]
    # search_fields only switches the search box on; get_search_results does the searching.
    search_fields = ["email"]
    search_help_text = (
        "Start of an email, first or last name, or phone number; or an exact external id."
    )
    inlines = [CustomerInterestInline]
    readonly_fields = [
        "public_id", "email_consent", "sms_consent", "order_count", "total_spent",
        "avg_order_value", "first_order_at", "last_order_at", "latest_orders", "created_at",
        "updated_at",
    ]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["email", "phone", "external_id", "first_name", "last_name", "locale"]}),
        (
            "Demographics",
            {"fields": ["birth_date", "gender", "income", "education", "occupation"]},
        ),
        ("Location", {"fields": ["country", "region", "city", "postal_code"]}),
        ("Technology and attributes", {"fields": ["device_type", "os", "attributes"]}),
        (
            "Consent (changed only through the consent ledger)",
            {"fields": ["email_consent", "sms_consent", "frequency_days"]},
        ),
        (
            "Orders",
            {
                "fields": [
                    "order_count",
                    "total_spent",
                    "avg_order_value",
                    "first_order_at",
                    "last_order_at",
                    "latest_orders",
                ]  # fmt: skip
            },
        ),
        ("Record", {"fields": ["public_id", "created_at", "updated_at"]}),
    ]

    actions = ["send_double_opt_in"]

    def get_search_results(self, request, queryset, search_term):
        return queryset.search(search_term), False

    def delete_model(self, request: HttpRequest, obj: Customer) -> None:
        # Deleting a person is erasure: the ledger stays and the addresses are suppressed,
        # so no later import or edit can make them reachable again.
        ledger.erase(obj, _admin_context(request, "deleted in the admin"))

    @admin.action(description="Send a double opt-in request by email", permissions=["change"])
    def send_double_opt_in(self, request: HttpRequest, queryset) -> None:
        if queryset.count() > MAX_OPT_IN_REQUESTS:
            self.message_user(
                request,
                f"Select at most {MAX_OPT_IN_REQUESTS} customers for one request.",
                messages.ERROR,
            )
            return
        context = _admin_context(request, "admin action: double opt-in request")
        sent = 0
        for customer in queryset:
            with contextlib.suppress(ledger.ConsentRefused):  # no email address
                sent += bool(ledger.request_opt_in(customer, Channel.EMAIL, context))
        self.message_user(
            request,
            f"Confirmation links sent: {sent}. Not sent (already granted or pending, or no "
            f"email address): {queryset.count() - sent}.",
        )

    @admin.display(description="Name")
    def display_name(self, customer: Customer) -> str:
        return customer.display_name

    @admin.display(description=f"Latest {LATEST_ORDERS_SHOWN} orders")
    def latest_orders(self, customer: Customer) -> str:
        if not customer.pk:
            return "-"
        orders = list(customer.orders.order_by("-placed_at", "-id")[:LATEST_ORDERS_SHOWN])
        if not orders:
            return "No orders."
        changelist = reverse("admin:segmentation_order_changelist")
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{} {}</td></tr>',
            (
                (
                    reverse("admin:segmentation_order_change", args=[o.pk]),
                    o,
                    o.placed_at.strftime("%Y-%m-%d %H:%M"),
                    o.total,
                    o.currency,
                )
                for o in orders
            ),
        )
        return format_html(
            '<table class="latest-orders"><thead><tr><th>Order</th><th>Placed</th>'
            "<th>Total</th></tr></thead><tbody>{}</tbody></table>"
            '<p><a href="{}?customer__id__exact={}">All orders of this customer</a></p>',
            rows,
            changelist,
            customer.pk,
        )


@admin.register(Order)
class OrderAdmin(ImportExportAdminMixin, BigTableAdmin):
    resource_classes = [OrderResource]
    list_display = ["__str__", "customer", "placed_at", "total", "currency"]
    list_select_related = ["customer"]
    list_filter = ["placed_at"]
    sortable_by = ["placed_at"]
    raw_id_fields = ["customer"]
    search_fields = ["external_id"]
    search_help_text = "An exact order external id, or a customer's email."

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        # Resolve the email first: an OR across the join would scan every order.
        customers = list(
            Customer.objects.filter(email=term.lower()).values_list("pk", flat=True)[:1]
        )
        if customers:
            return queryset.filter(customer_id=customers[0]), False
        return queryset.filter(external_id=term), False

    # Orders feed the customer metrics: keep them right after an edit here.
    def save_model(self, request, obj: Order, form, change) -> None:
        before = form.initial.get("customer") if change else None
        super().save_model(request, obj, form, change)
        recompute_customer_metrics([pk for pk in (before, obj.customer_id) if pk])

    def delete_model(self, request, obj: Order) -> None:
        customer_id = obj.customer_id
        super().delete_model(request, obj)
        if customer_id:
            recompute_customer_metrics([customer_id])


@admin.register(Interest)
class InterestAdmin(admin.ModelAdmin):
    # No member counts per row: each would count up to hundreds of thousands of rows.
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_deleted_objects(self, objs, request):
        """Summarise the memberships instead of listing every customer who has the interest
        (the stock page loads them all)."""
        objs = list(objs)
        members = CustomerInterest.objects.filter(interest__in=objs).count()
        deleted = [format_html("{}: {}", capfirst(Interest._meta.verbose_name), o) for o in objs]
        if members:
            deleted.append(f"{members:,} customer interest links (customers stay)")
        counts = {Interest._meta.verbose_name_plural: len(objs)}
        if members:
            counts[CustomerInterest._meta.verbose_name_plural] = members
        perms_needed = set()
        if not self.has_delete_permission(request):
            perms_needed.add(Interest._meta.verbose_name)
        return deleted, counts, perms_needed, []
