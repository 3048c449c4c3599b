from django.urls import path
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from satupintu.api import application_views, case_views, report_views, views, visit_views
from satupintu.security import API_DOCS_CSP

app_name = "api"

urlpatterns = [
    path("malls/", views.MallListView.as_view(), name="mall-list"),
    path("malls/<slug:slug>/", views.MallDetailView.as_view(), name="mall-detail"),
    path("agencies/", views.AgencyListView.as_view(), name="agency-list"),
    path("services/", views.ServiceListView.as_view(), name="service-list"),
    path("services/<int:pk>/", views.ServiceDetailView.as_view(), name="service-detail"),
    path("announcements/", views.AnnouncementListView.as_view(), name="announcement-list"),
    path("services/<int:pk>/slots/", visit_views.SlotListView.as_view(), name="slot-list"),
    path("bookings/", visit_views.BookingCreateView.as_view(), name="booking-create"),
    path("bookings/<str:code>/", visit_views.BookingDetailView.as_view(), name="booking-detail"),
    path(
        "malls/<slug:slug>/closures/",
        visit_views.ClosureCreateView.as_view(),
        name="closure-create",
    ),
    path("reports/", report_views.ReportCreateView.as_view(), name="report-create"),
    path(
        "reports/<str:tracking_id>/", report_views.ReportDetailView.as_view(), name="report-detail"
    ),
    path(
        "reports/<str:tracking_id>/replies/",
        report_views.ReportReplyView.as_view(),
        name="report-reply",
    ),
    path(
        "reports/<str:tracking_id>/rating/",
        report_views.ReportRatingView.as_view(),
        name="report-rating",
    ),
    path("staff/reports/", report_views.StaffReportListView.as_view(), name="staff-reports"),
    path(
        "staff/reports/<str:tracking_id>/route/",
        report_views.StaffRouteView.as_view(),
        name="staff-report-route",
    ),
    path(
        "staff/reports/<str:tracking_id>/answer/",
        report_views.StaffAnswerView.as_view(),
        name="staff-report-answer",
    ),
    path("track/<str:tracking_number>/", case_views.TrackingView.as_view(), name="track"),
    path(
        "applications/",
        application_views.ApplicationListCreateView.as_view(),
        name="application-list",
    ),
    path(
        "applications/<int:pk>/",
        application_views.ApplicationDetailView.as_view(),
        name="application-detail",
    ),
    path(
        "applications/<int:pk>/documents/",
        application_views.DocumentCreateView.as_view(),
        name="application-documents",
    ),
    path(
        "applications/<int:pk>/submit/",
        application_views.SubmitView.as_view(),
        name="application-submit",
    ),
    path(
        "applications/<int:pk>/resubmit/",
        application_views.ResubmitView.as_view(),
        name="application-resubmit",
    ),
    path(
        "applications/<int:pk>/cancel/",
        application_views.CancelView.as_view(),
        name="application-cancel",
    ),
    path(
        "applications/<int:pk>/transitions/",
        application_views.TransitionView.as_view(),
        name="application-transitions",
    ),
    path(
        "staff/applications/",
        application_views.StaffApplicationListView.as_view(),
        name="staff-applications",
    ),
    path("auth/register/", visit_views.RegisterView.as_view(), name="register"),
    path("auth/token/", visit_views.TokenView.as_view(), name="token"),
    path("auth/tokens/", visit_views.TokenListView.as_view(), name="tokens"),
    path("auth/tokens/<int:pk>/", visit_views.TokenDetailView.as_view(), name="token-detail"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI from our static files; its start-up script is a separate response, not inline.
    path(
        "docs/",
        csp_override(API_DOCS_CSP)(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
]
