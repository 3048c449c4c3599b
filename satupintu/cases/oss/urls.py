"""The URLs OSS RBA calls, mounted at /oss/ (README "OSS RBA")."""

from django.urls import path

from satupintu.cases.oss import views

app_name = "oss"

urlpatterns = [
    path("<int:integration_id>/receiveNIB", views.receive_nib, name="receive-nib"),
    path("<int:integration_id>/receiveFileDS", views.receive_file_ds, name="receive-file-ds"),
    path("izin/<str:code>/<str:signature>.pdf", views.permit_file, name="permit-file"),
]
