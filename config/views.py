from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from segmentation.access import role_required


@require_GET
@role_required("segmentation.view_customer")
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard.html", {})


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: the process is up and can reach its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
