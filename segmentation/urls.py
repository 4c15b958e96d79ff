from django.urls import path

from segmentation import views

urlpatterns = [
    path("", views.customer_list, name="customer_list"),
    path("<int:pk>/", views.customer_detail, name="customer_detail"),
    path(
        "<int:pk>/consent/",
        views.customer_consent_change,
        name="customer_consent_change",
    ),
]
