"""Admin for the events API: API keys are issued and deactivated here; events and carts are
read-only records of what the shop sent."""

from django.contrib import admin, messages
from django.contrib.admin import ShowFacets
from django.http import HttpRequest
from django.utils.html import format_html

from segmentation.admin.consent import ReadOnlyAdmin
from segmentation.customers.models import Customer
from segmentation.events import keys
from segmentation.events.models import ApiKey, Cart, Event
from segmentation.shared.pagination import CappedPaginator


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "is_active", "last_used_at", "created_at", "created_by"]
    list_filter = ["is_active"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at"]
    actions = ["deactivate"]

    def get_fields(self, request: HttpRequest, obj: ApiKey | None = None):
        # The key itself is generated on save: adding one asks only for a name.
        if obj is None:
            return ["name"]
        return ["name", "is_active", "prefix", "created_by", "created_at", "last_used_at"]

    def save_model(self, request: HttpRequest, obj: ApiKey, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        obj.created_by = request.user
        key = keys.issue(obj)
        super().save_model(request, obj, form, change)
        # Only the hash is stored: this message is the one and only time the key is shown.
        message = format_html(
            "The API key for “{}” is <code>{}</code>. Copy it now: it will not be shown again. "
            "The shop sends it as <code>Authorization: Bearer &lt;key&gt;</code>.",
            obj.name,
            key,
        )
        self.message_user(request, message, messages.WARNING)

    def has_delete_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        # Stored events and carts name their key (it keeps retries idempotent): deactivate.
        return False

    @admin.action(description="Deactivate the selected API keys", permissions=["change"])
    def deactivate(self, request: HttpRequest, queryset) -> None:
        count = queryset.filter(is_active=True).update(is_active=False)
        self.message_user(request, f"Deactivated {count} API key(s); they are refused from now on.")


class ShopDataAdmin(ReadOnlyAdmin):
    """Big, append-mostly tables: no full counts, no facets, newest first by primary key
    (the one order every list here can read from an index)."""

    paginator = CappedPaginator
    show_full_result_count = False
    show_facets = ShowFacets.NEVER
    sortable_by: list[str] = []
    ordering = ["-pk"]
    list_per_page = 50
    raw_id_fields = ["customer"]
    search_fields = ["customer__email"]  # switches the box on; see get_search_results
    search_help_text = "A customer's email address."

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        # Resolve the email first, by its unique index: a join with LIKE would scan the table.
        term = search_term.strip().lower()
        if not term:
            return queryset, False
        customer = Customer.objects.filter(email=term).values_list("pk", flat=True).first()
        return queryset.filter(customer_id=customer), False


@admin.register(Event)
class EventAdmin(ShopDataAdmin):
    list_display = ["occurred_at", "kind", "customer", "integration", "event_id", "received_at"]
    list_filter = ["kind", "integration", "occurred_at"]
    list_select_related = ["customer", "integration"]


@admin.register(Cart)
class CartAdmin(ShopDataAdmin):
    list_display = ["cart_id", "status", "customer", "value", "items", "updated_at", "integration"]
    list_filter = ["status", "integration", "updated_at"]
    list_select_related = ["customer", "integration"]
