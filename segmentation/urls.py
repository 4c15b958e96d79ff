from django.urls import path

from segmentation import consent_views, views

urlpatterns = [
    path("", views.customer_list, name="customer_list"),
    path("<int:pk>/", views.customer_detail, name="customer_detail"),
    path(
        "<int:pk>/consent/",
        consent_views.customer_consent_change,
        name="customer_consent_change",
    ),
]
