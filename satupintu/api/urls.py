"""API v1: each context's endpoints (its ``api/urls.py``), and the schema with its docs."""

from django.urls import include, path
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from satupintu.security import API_DOCS_CSP

app_name = "api"

urlpatterns = [
    path("", include("satupintu.malls.api.urls")),
    path("", include("satupintu.catalog.api.urls")),
    path("", include("satupintu.booking.api.urls")),
    path("", include("satupintu.complaints.api.urls")),
    path("", include("satupintu.cases.api.urls")),
    path("", include("satupintu.accounts.api.urls")),
    path("", include("satupintu.stats.api.urls")),
    path("", include("satupintu.surveys.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI from our static files; its start-up script is a separate response, not inline.
    path(
        "docs/",
        csp_override(API_DOCS_CSP)(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
]
