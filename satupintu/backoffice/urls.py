from django.urls import path

from satupintu.backoffice import views

app_name = "backoffice"

urlpatterns = [
    path("<slug:slug>/meja-depan/", views.front_desk, name="front-desk"),
    path("loket/<int:pk>/", views.counter, name="counter"),
]
