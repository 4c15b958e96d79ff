from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from segmentation.access import role_required
from segmentation.models import StatsSnapshot


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
    }
    return render(request, "dashboard.html", context)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: the process is up and can reach its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
