"""Staff pages of the consent room, under /customers/ beside the customer pages."""

from django.urls import path

from segmentation.consent import panel

urlpatterns = [
    path("<int:pk>/consent/", panel.customer_consent_change, name="customer_consent_change"),
]
