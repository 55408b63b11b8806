from django.urls import path

from . import contact_sheet, dashboard, views

app_name = "review"
urlpatterns = [
    # Every stored file is served here, permission-checked (MEDIA_ROOT is never served as is).
    path("review/asset/<int:pk>/", views.asset_file, name="asset"),
    path("review/batch/<int:pk>/csv/", views.batch_csv, name="batch_csv"),
    # The staff pipeline dashboard (review/dashboard.py).
    path("dashboard/", dashboard.index, name="dashboard"),
    path("dashboard/board/", dashboard.board, name="dashboard_board"),
    path("dashboard/upload/", dashboard.upload, name="dashboard_upload"),
    path("dashboard/upload/<int:pk>/", dashboard.upload_progress, name="dashboard_upload_progress"),
    path("dashboard/contact-sheet/", contact_sheet.contact_sheet, name="contact_sheet"),
    path("dashboard/contact-sheet/action/", contact_sheet.contact_sheet_action, name="contact_sheet_action"),
    path("dashboard/job/<int:pk>/", dashboard.job_detail, name="dashboard_job"),
    path("dashboard/job/<int:pk>/action/", dashboard.job_action, name="dashboard_job_action"),
]
