from django.urls import path

from satupintu.complaints.api import views

urlpatterns = [
    path("reports/", views.ReportCreateView.as_view(), name="report-create"),
    path("reports/<str:tracking_id>/", views.ReportDetailView.as_view(), name="report-detail"),
    path(
        "reports/<str:tracking_id>/replies/", views.ReportReplyView.as_view(), name="report-reply"
    ),
    path(
        "reports/<str:tracking_id>/rating/", views.ReportRatingView.as_view(), name="report-rating"
    ),
    path("staff/reports/", views.StaffReportListView.as_view(), name="staff-reports"),
    path(
        "staff/reports/<str:tracking_id>/route/",
        views.StaffRouteView.as_view(),
        name="staff-report-route",
    ),
    path(
        "staff/reports/<str:tracking_id>/answer/",
        views.StaffAnswerView.as_view(),
        name="staff-report-answer",
    ),
]
