from django.urls import path

from feedback import views, views_results

urlpatterns = [
    path("", views.survey_list, name="survey_list"),
    path("new/", views.survey_new, name="survey_new"),
    path("<int:pk>/", views.survey_edit, name="survey_edit"),
    path("<int:pk>/delete/", views.survey_delete, name="survey_delete"),
    path("<int:pk>/status/", views.survey_status, name="survey_status"),
    path("<int:pk>/preview/", views.survey_preview, name="survey_preview"),
    path("<int:pk>/attach/", views.survey_attach, name="survey_attach"),
    path("<int:pk>/detach/", views.survey_detach, name="survey_detach"),
    path("<int:pk>/questions/", views.question_add, name="question_add"),
    path("<int:pk>/questions/<int:question_id>/", views.question_edit, name="question_edit"),
    path("<int:pk>/questions/<int:question_id>/move/", views.question_move, name="question_move"),
    path(
        "<int:pk>/questions/<int:question_id>/delete/",
        views.question_delete,
        name="question_delete",
    ),
    path("<int:pk>/results/", views_results.survey_results, name="survey_results"),
    path(
        "<int:pk>/results/<int:question_id>/",
        views_results.question_results,
        name="question_results",
    ),
    path("<int:pk>/export/", views_results.survey_export, name="survey_export"),
]
