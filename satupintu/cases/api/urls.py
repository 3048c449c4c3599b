from django.urls import path

from satupintu.cases.api import views

urlpatterns = [
    path("track/<str:tracking_number>/", views.TrackingView.as_view(), name="track"),
    path("applications/", views.ApplicationListCreateView.as_view(), name="application-list"),
    path(
        "applications/<int:pk>/", views.ApplicationDetailView.as_view(), name="application-detail"
    ),
    path(
        "applications/<int:pk>/documents/",
        views.DocumentCreateView.as_view(),
        name="application-documents",
    ),
    path("applications/<int:pk>/submit/", views.SubmitView.as_view(), name="application-submit"),
    path(
        "applications/<int:pk>/resubmit/",
        views.ResubmitView.as_view(),
        name="application-resubmit",
    ),
    path("applications/<int:pk>/cancel/", views.CancelView.as_view(), name="application-cancel"),
    path(
        "applications/<int:pk>/transitions/",
        views.TransitionView.as_view(),
        name="application-transitions",
    ),
    path(
        "staff/applications/",
        views.StaffApplicationListView.as_view(),
        name="staff-applications",
    ),
]
