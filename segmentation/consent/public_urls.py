from django.urls import path

from segmentation.consent import public_views as views

urlpatterns = [
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("preferences/<str:token>/", views.preferences, name="preferences"),
    path(
        "preferences/<str:token>/my-data.json", views.preferences_export, name="preferences_export"
    ),
    path("preferences/<str:token>/erase/", views.preferences_erase, name="preferences_erase"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("subscribe/", views.subscribe, name="subscribe"),
]
