from django.urls import path

from segmentation.events import api

urlpatterns = [
    path("events", api.events, name="api_events"),
]
