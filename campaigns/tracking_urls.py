"""Public tracking links, at the site root (short URLs: they go into every message)."""

from django.urls import path

from campaigns import tracking

urlpatterns = [
    path("o/<str:token>.gif", tracking.open_pixel, name="track_open"),
    path("c/<str:token>/", tracking.click, name="track_click"),
    path("s/<str:token>/", tracking.sms_opt_out, name="sms_optout"),
]
