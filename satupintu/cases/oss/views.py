"""The URLs OSS calls (receiveNIB, receiveFileDS), answered in OSS's envelope with HTTP 200
both ways, and the signed permit's file as OSS fetches it (receiveLicense's file_izin)."""

import json
import logging
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, JsonResponse
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from satupintu.cases.models import IssuedDocument
from satupintu.cases.oss import inbound
from satupintu.cases.oss.outbound import permit_file_signature
from satupintu.integrations.models import Integration
from satupintu.security import protect_file

logger = logging.getLogger(__name__)


def _integration(integration_id: int) -> Integration | None:
    return Integration.objects.filter(
        pk=integration_id, kind=Integration.Kind.OSS, is_active=True
    ).first()


def _body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body)
    except (ValueError, RecursionError):
        return None


def _receive(request: HttpRequest, integration_id: int, method: str) -> JsonResponse:
    with inbound.in_oss_language():
        integration = _integration(integration_id)
        if integration is None:
            refused = inbound.answer(method, ok=False, message=_("Unknown OSS integration."))
            return JsonResponse(refused, status=404)
        # OSS also sends user_key and Basic auth on some calls: the Token is what is checked.
        token = request.headers.get("Token", "")
        body = _body(request)
        try:
            if method == "receiveNIB":
                received = inbound.receive_nib(integration=integration, body=body, token=token)
                message = (
                    _("Received before: %(tracking)s")
                    if received.repeated
                    else _("Received: %(tracking)s")
                ) % {"tracking": received.application.tracking_number}
            else:
                link = inbound.receive_file_ds(integration=integration, body=body, token=token)
                message = _("Received: %(tracking)s") % {"tracking": link.id_izin}
        except inbound.Refused as refused:
            inbound.log(integration, method, ok=False, message=refused.message)
            return JsonResponse(inbound.answer(method, ok=False, message=refused.message))
        inbound.log(integration, method, ok=True, message=message)
        return JsonResponse(inbound.answer(method, ok=True, message=message))


@csrf_exempt
@never_cache
@require_POST
def receive_nib(request: HttpRequest, integration_id: int) -> JsonResponse:
    """OSS pushes a NIB with its checklist: one application per id_izin."""
    return _receive(request, integration_id, "receiveNIB")


@csrf_exempt
@never_cache
@require_POST
def receive_file_ds(request: HttpRequest, integration_id: int) -> JsonResponse:
    """OSS pushes the link to the permit it signed (merged with its own pages)."""
    return _receive(request, integration_id, "receiveFileDS")


@never_cache
@require_GET
def permit_file(request: HttpRequest, code: str, signature: str) -> FileResponse:
    """The signed permit of an OSS case, for OSS to fetch: the link is unguessable (an HMAC of
    the document's code), and a revoked document is no longer served."""
    document = (
        IssuedDocument.objects.filter(
            code=code, revoked_at__isnull=True, application__oss_link__isnull=False
        )
        .only("code", "file", "number")
        .first()
    )
    if document is None or not constant_time_compare(signature, permit_file_signature(code)):
        raise Http404
    name = f"{document.code}.pdf"
    response = FileResponse(document.file.open("rb"), filename=name, content_type="application/pdf")
    response["Cache-Control"] = "private, no-store"
    return protect_file(response, content_type="application/pdf", filename=name)
