from django.conf import settings
from django.db import connection
from django.db.models import F
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from campaigns import performance
from segmentation.customers.models import StatsSnapshot
from segmentation.segments.models import Segment
from segmentation.shared.access import role_required

# Lifetime value rows: the largest segments; the Segments page lists them all.
LIFETIME_ROWS = 12


@require_GET
@role_required("segmentation.view_customer")
def dashboard(request: HttpRequest) -> HttpResponse:
    # Headline figures come from the newest snapshot (refreshed by a periodic task), never
    # from adding up every order on each page view.
    stats = StatsSnapshot.current()
    context = {
        "stats": stats,
        "revenue": stats.revenue_by_currency(),
        "top_countries": stats.countries[:8],
        "section": "dashboard",
        **_campaign_figures(request),
        **_lifetime_values(request),
    }
    return render(request, "dashboard.html", context)


def _campaign_figures(request: HttpRequest) -> dict:
    """Recent campaigns and each segment's response, from the results snapshots (a page view
    never adds up delivery rows); only for roles that may see campaigns."""
    if not request.user.has_perm("campaigns.view_campaign"):
        return {}
    recent, segments = performance.dashboard()
    return {
        "recent_campaigns": recent,
        "segment_responses": segments,
        "campaigns_across": performance.ACROSS,
        "min_per_variant": settings.SEGMENTA_AB_MIN_PER_VARIANT,
    }


def _lifetime_values(request: HttpRequest) -> dict:
    """Size, spend and orders per member as the last recount cached them on each segment."""
    if not request.user.has_perm("segmentation.view_segment"):
        return {}
    fields = ["name", "size", "average_spent", "average_orders", "counted_at"]
    largest = Segment.objects.only(*fields).order_by(F("size").desc(nulls_last=True), "name")
    rows = list(largest[: LIFETIME_ROWS + 1])
    return {"lifetime_values": rows[:LIFETIME_ROWS], "more_segments": len(rows) > LIFETIME_ROWS}


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: the process is up and can reach its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
