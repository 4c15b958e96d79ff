from django.urls import path

from segmentation.imports import views as views

urlpatterns = [
    path("", views.import_list, name="import_list"),
    path("upload/", views.import_upload, name="import_upload"),
    path("<int:pk>/", views.import_detail, name="import_detail"),
    path("<int:pk>/sheet/", views.import_sheet, name="import_sheet"),
    path("<int:pk>/dry-run/", views.import_dry_run, name="import_dry_run"),
    path("<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("<int:pk>/cancel/", views.import_cancel, name="import_cancel"),
    path("<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("<int:pk>/problems/", views.import_problems, name="import_problems"),
    path("export/customers.<str:fmt>", views.customer_export, name="customer_export"),
]
