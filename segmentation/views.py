from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from segmentation.access import role_required
from segmentation.models import Customer


@require_GET
@role_required("segmentation.view_customer")
def customer_list(request: HttpRequest) -> HttpResponse:
    customers = Customer.objects.search(request.GET.get("q", ""))[:25]
    return render(request, "segmentation/customer_list.html", {"customers": customers})


@require_GET
@role_required("segmentation.view_customer")
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    return render(request, "segmentation/customer_detail.html", {"customer": customer})
