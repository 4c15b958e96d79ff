from django.urls import path

from campaigns import views, views_content, views_outbox, views_results

urlpatterns = [
    path("", views.campaign_list, name="campaign_list"),
    path("new/", views.campaign_new, name="campaign_new"),
    path("sms-count/", views_content.sms_counter, name="campaign_sms_count"),
    path("outbox/", views_outbox.outbox_list, name="outbox_list"),
    path("outbox/sms/", views_outbox.outbox_sms, name="outbox_sms"),
    path("outbox/<str:name>/", views_outbox.outbox_message, name="outbox_message"),
    path("<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("<int:pk>/delete/", views.campaign_delete, name="campaign_delete"),
    path("<int:pk>/tracks/", views.track_add, name="track_add"),
    path("<int:pk>/tracks/<int:track_id>/", views_content.track_content, name="track_content"),
    path("<int:pk>/tracks/<int:track_id>/move/", views.track_move, name="track_move"),
    path("<int:pk>/tracks/<int:track_id>/remove/", views.track_remove, name="track_remove"),
    path("<int:pk>/review/", views.campaign_review, name="campaign_review"),
    path("<int:pk>/launch/", views.campaign_launch, name="campaign_launch"),
    path("<int:pk>/pause/", views.campaign_pause, name="campaign_pause"),
    path("<int:pk>/resume/", views.campaign_resume, name="campaign_resume"),
    path("<int:pk>/cancel/", views.campaign_cancel, name="campaign_cancel"),
    path("<int:pk>/results/", views_results.campaign_results, name="campaign_results"),
    path(
        "<int:pk>/results/refresh/",
        views_results.campaign_results_refresh,
        name="campaign_results_refresh",
    ),
    path("<int:pk>/results/cost/", views_results.campaign_cost, name="campaign_cost"),
    path(
        "<int:pk>/results/export/",
        views_results.campaign_results_export,
        name="campaign_results_export",
    ),
]
