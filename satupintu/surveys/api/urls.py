from django.urls import path

from satupintu.surveys.api import views

urlpatterns = [
    path("malls/<slug:slug>/ikm/", views.MallIkmView.as_view(), name="mall-ikm"),
    path("services/<int:pk>/ikm/", views.ServiceIkmView.as_view(), name="service-ikm"),
]
