"""The survey page recipients reach from messages, at the site root (short URLs)."""

from django.urls import path

from feedback import public_views

urlpatterns = [
    path("q/<str:token>/", public_views.survey_answer, name="survey_answer"),
    path("q/<str:token>/thanks/", public_views.survey_thanks, name="survey_thanks"),
]
