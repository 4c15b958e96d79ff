from django.urls import path

from segmentation.segments import views as views

urlpatterns = [
    path("", views.segment_list, name="segment_list"),
    path("new/", views.segment_new, name="segment_new"),
    path("starters/", views.segment_starters, name="segment_starters"),
    path("preview/", views.segment_preview, name="segment_preview"),
    path("preview/<str:key>/", views.segment_exact, name="segment_exact"),
    path("overlap/", views.segment_overlap, name="segment_overlap"),
    path("<int:pk>/", views.segment_edit, name="segment_edit"),
    path("<int:pk>/delete/", views.segment_delete, name="segment_delete"),
    path("<int:pk>/recount/", views.segment_recount, name="segment_recount"),
]
