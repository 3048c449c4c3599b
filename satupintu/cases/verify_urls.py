"""Public verification pages, mounted at /verify/."""

from django.urls import path

from satupintu.cases import verify

app_name = "verify"

urlpatterns = [
    path("", verify.index, name="index"),
    path("ca.pem", verify.ca_certificate, name="ca"),
    path("<str:code>/", verify.document, name="document"),
]
