"""Liveness and readiness probes, and uploaded public files where no proxy serves them."""

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.views.static import serve

from satupintu.security import protect_file


def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """The process can serve: its database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})


def media(request: HttpRequest, path: str) -> HttpResponseBase:
    """Uploaded public documents (downloadable forms) from MEDIA_ROOT: PDFs may open in the
    browser, anything else is a download; sandboxed either way."""
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    if response.status_code != 200:
        return response
    return protect_file(
        response, content_type=response.get("Content-Type", ""), filename=path.rsplit("/", 1)[-1]
    )
