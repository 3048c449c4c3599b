"""Public verification of issued documents (/verify/<code>/) and the CA certificate that
lets anyone validate their signatures offline."""

import hashlib
import hmac
import logging

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_http_methods

from satupintu.cases.permits import verification

logger = logging.getLogger(__name__)

# An issued PDF weighs tens of kilobytes; a file far larger than this is not one of ours.
CHECK_MAX_BYTES = 5 * 1024 * 1024


def _fingerprint() -> str:
    from satupintu.cases import signing

    try:
        return signing.ca_fingerprint()
    except signing.SigningError:
        logger.exception("the CA certificate is not available")
        return ""


def _page(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    response = render(
        request, "cases/verify.html", {"fingerprint": _fingerprint(), **context}, status=status
    )
    # The page names the holder: it is for whoever holds the code, not for search engines.
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """A form to type the code printed under a document's QR code."""
    code = verification.normalize_code(request.GET.get("kode", ""))
    if code:
        return redirect("verify:document", code=code)
    return _page(request, {"code": ""})


@never_cache
@require_http_methods(["GET", "POST"])
def document(request: HttpRequest, code: str) -> HttpResponse:
    """Whether the document with ``code`` is authentic and stands: valid, revoked or expired.
    A POSTed PDF is compared with the issued file by its SHA-256."""
    canonical = verification.normalize_code(code)
    if canonical and canonical != code and request.method == "GET":
        return redirect("verify:document", code=canonical)
    found = verification.verification_get(code=canonical)
    if found is None:
        return _page(request, {"code": code, "unknown": True}, status=404)
    context: dict = {"code": found.code, "verification": found}
    status = 200
    if request.method == "POST":
        context["check"] = _compare(request, found.sha256)
        status = 400 if context["check"] in ("missing", "too_big") else 200
    return _page(request, context, status=status)


def _compare(request: HttpRequest, sha256: str) -> str:
    upload = request.FILES.get("berkas")
    if upload is None:
        return "missing"
    if (upload.size or 0) > CHECK_MAX_BYTES:
        return "too_big"
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    return "match" if hmac.compare_digest(digest.hexdigest(), sha256) else "mismatch"


@cache_control(public=True, max_age=3600)
@require_GET
def ca_certificate(request: HttpRequest) -> HttpResponse:
    """The CA certificate(s) to trust when validating a document's signature offline."""
    from satupintu.cases import signing

    try:
        pem = signing.ca_certificate_pem()
    except signing.SigningError as missing:
        logger.error("the CA certificate is not available: %s", missing)
        raise Http404 from missing
    response = HttpResponse(pem, content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="satupintu-ca.pem"'
    return response
