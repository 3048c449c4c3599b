from django.urls import path

from satupintu.catalog.api import views

urlpatterns = [
    path("services/", views.ServiceListView.as_view(), name="service-list"),
    path("services/<int:pk>/", views.ServiceDetailView.as_view(), name="service-detail"),
]
