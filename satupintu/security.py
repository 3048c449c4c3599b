"""Response headers that protect every page and every file served back to users.

The page-wide Content-Security-Policy is Django's own (``SECURE_CSP`` in settings and
``ContentSecurityPolicyMiddleware``); this module adds ``Permissions-Policy`` to every response
and the headers of uploaded files served back (``protect_file``).
"""

from collections.abc import Callable, Collection

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.csp import CSP

# Uploaded files a browser may show inline: PDFs and images whose content was checked on upload.
INLINE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})
# A served file runs nothing, loads nothing and is no origin of its own.
FILE_CSP = "sandbox; default-src 'none'"

# Pages that are given a wider policy than SECURE_CSP. Swagger UI sets inline styles and shows
# data: images; its scripts still come only from our own static files.
API_DOCS_CSP: dict[str, Collection[str] | str] = {
    # The stubs type SECURE_CSP like this; the plugin reads this project's value as object.
    **settings.SECURE_CSP,  # type: ignore[dict-item]
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
}


def permissions_policy() -> str:
    """The ``Permissions-Policy`` header value from ``settings.PERMISSIONS_POLICY``."""
    parts = []
    for feature, origins in settings.PERMISSIONS_POLICY.items():
        parts.append(f"{feature}=({' '.join(origins)})")
    return ", ".join(parts)


class PermissionsPolicyMiddleware:
    """Turns off powerful browser features (camera, microphone, geolocation...) on every
    response that has not set its own ``Permissions-Policy``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = permissions_policy()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.header and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = self.header
        return response


def protect_file[R: HttpResponseBase](response: R, *, content_type: str, filename: str = "") -> R:
    """Headers for an uploaded file served back to a user.

    Only checked PDFs and images may open in the browser; anything else is a download. Either
    way the file is sandboxed (no script, no loads) and its type is never sniffed.
    """
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind not in INLINE_TYPES:
        disposition = response.get("Content-Disposition", "")
        if not disposition.startswith("attachment"):
            if disposition.startswith("inline"):
                disposition = "attachment" + disposition[len("inline") :]
            elif filename:
                disposition = f'attachment; filename="{_quoted(filename)}"'
            else:
                disposition = "attachment"
            response["Content-Disposition"] = disposition
    response["Content-Security-Policy"] = FILE_CSP
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _quoted(filename: str) -> str:
    kept = (c for c in filename if c.isascii() and c.isprintable() and c not in '"\\/')
    return "".join(kept) or "file"
