from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("customers/", include("segmentation.customers.urls")),
    path("customers/", include("segmentation.consent.urls")),
    path("imports/", include("segmentation.imports.urls")),
    path("api/", include("segmentation.events.urls")),
    path("segments/", include("segmentation.segments.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("surveys/", include("feedback.urls")),
    path("admin/", admin.site.urls),
    path("", include("segmentation.consent.public_urls")),
    path("", include("campaigns.tracking_urls")),
    path("", include("feedback.public_urls")),
]
