from django.urls import path

from satupintu.malls.api import views

urlpatterns = [
    path("malls/", views.MallListView.as_view(), name="mall-list"),
    path("malls/<slug:slug>/", views.MallDetailView.as_view(), name="mall-detail"),
    path("agencies/", views.AgencyListView.as_view(), name="agency-list"),
    path("announcements/", views.AnnouncementListView.as_view(), name="announcement-list"),
]
