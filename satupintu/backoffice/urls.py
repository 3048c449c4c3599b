from django.urls import path

from satupintu.backoffice import reports, views

app_name = "backoffice"

urlpatterns = [
    path("<slug:slug>/meja-depan/", views.front_desk, name="front-desk"),
    path("loket/<int:pk>/", views.counter, name="counter"),
    path("<slug:slug>/pengaduan/", reports.report_list, name="reports"),
    path("<slug:slug>/konsultasi/", reports.consultation_list, name="consultations"),
    path("konsultasi/<int:pk>/", reports.consultation_detail, name="consultation"),
    path("pengaduan/<str:tracking_id>/", reports.report_detail, name="report"),
    path("pengaduan/<str:tracking_id>/tindak/", reports.report_act, name="report-act"),
    path(
        "pengaduan/<str:tracking_id>/lampiran/<int:pk>/",
        reports.report_attachment,
        name="report-attachment",
    ),
]
