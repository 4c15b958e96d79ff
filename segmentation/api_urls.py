from django.urls import path

from segmentation import events_api

urlpatterns = [
    path("events", events_api.events, name="api_events"),
]
