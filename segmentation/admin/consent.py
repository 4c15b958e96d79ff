"""Admin for the consent ledger: topics and wordings are managed; the ledger is read-only."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from segmentation.consent import audit
from segmentation.consent.models import ConsentEvent, ConsentWording, Suppression, Topic


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(ConsentEvent)
class ConsentEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "customer", "channel", "topic", "action", "source", "actor"]
    list_filter = ["channel", "action", "source"]
    list_select_related = ["customer", "topic"]
    raw_id_fields = ["customer", "request"]
    show_full_result_count = False
    actions = ["export_csv"]

    @admin.action(description="Export selected events as CSV (for an audit)")
    def export_csv(self, request: HttpRequest, queryset) -> HttpResponse:
        response = HttpResponse(audit.as_csv(queryset), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="consent-audit.csv"'
        return response


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_active"]
    prepopulated_fields = {"slug": ["name"]}

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # The ledger refers to topics; deactivate a topic instead of deleting it.
        return False


@admin.register(ConsentWording)
class ConsentWordingAdmin(admin.ModelAdmin):
    """New versions only: the text people were shown must never change afterwards."""

    list_display = ["version", "created_at"]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return ["version", "text", "created_at"] if obj else []

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Suppression)
class SuppressionAdmin(ReadOnlyAdmin):
    list_display = ["address_hash", "channel", "created_at", "reason"]
    list_filter = ["channel"]
