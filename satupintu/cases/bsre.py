"""BSrE e-signature (BSSN) through a region's eSign Client Service: the ``bsre-v1`` and
``bsre-v2`` signing backends.

v1 takes the PDF as multipart (``POST /api/sign/pdf``) and answers with the signed PDF's bytes
and an ``id_dokumen`` header; v2 takes JSON with the PDF in base64 (``POST /api/v2/sign/pdf``)
and answers ``{"time", "file": [base64, ...]}``. Both authenticate the *instance* with HTTP
Basic (the integration's ``username`` and ``password`` secrets) and the *signer* by NIK and
passphrase (v2: or a TOTP from the BeSign app) in the body.

Signing is synchronous (the approver waits) and never retried by itself: after a timeout
nobody knows whether BSrE signed, so the approver is told to check and sign again; the
document keeps its reserved number and code (``issuing.presign``). Every call is an
``IntegrationEvent`` naming the operation and the outcome: never the passphrase, the NIK or
the PDF.
"""

import base64
import binascii
import logging
from io import BytesIO
from typing import Any

from django.utils.translation import gettext as _

from satupintu.cases.errors import CaseError
from satupintu.cases.signers import (
    Backend,
    Signed,
    SignerSecret,
    SignRequest,
    register_backend,
)
from satupintu.integrations.fakes import register_fake
from satupintu.integrations.http import Answer, send
from satupintu.integrations.models import Integration
from satupintu.integrations.registry import CallFailed, register_provider
from satupintu.integrations.services import event_record

logger = logging.getLogger(__name__)

V1, V2 = "bsre-v1", "bsre-v2"
PROVIDERS = (V1, V2)

# Codes of the eSign Client Service (the digest in shared/national-systems.md, section 2).
WRONG_PASSPHRASE = 2031
NOT_REGISTERED = 2011
NO_CERTIFICATE = 2021
STATUS_ISSUED = 1111
STATUS_NOT_REGISTERED = 1110


def _event(integration: Integration, operation: str, *, ok: bool, message: str = "") -> None:
    event_record(
        integration=integration,
        kind=Integration.Kind.BSRE,
        direction="out",
        operation=operation,
        ok=ok,
        message=message[:500],
    )


def _url(integration: Integration, path: str) -> str:
    return integration.base_url.rstrip("/") + path


def _auth(integration: Integration) -> tuple[str, str]:
    return integration.secret("username"), integration.secret("password")


def _timeout(integration: Integration) -> float | None:
    value = integration.option("timeout")
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _signer_nik(request: SignRequest) -> str:
    nik = request.signer.nik
    if not nik:
        raise CaseError(
            "signer_nik_missing",
            _(
                "Your account has no NIK, which BSrE identifies signers by. Ask the "
                "administrator to record your NIK, then sign again."
            ),
        )
    return nik


def _error_code(answer: Answer) -> int | None:
    """The ``status_code`` of an error body (``{"error", "status_code"}``), leniently read."""
    body = answer.json()
    if not isinstance(body, dict):
        return None
    try:
        return int(body.get("status_code"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _credentials_refused(integration: Integration, operation: str, answer: Answer) -> CaseError:
    _event(
        integration,
        operation,
        ok=False,
        message=f"HTTP {answer.status}: the eSign Client Service refused the instance's "
        "username/password (Basic auth); check them in the integration",
    )
    return CaseError(
        "bsre_credentials",
        _(
            "The signing service (BSrE) refused this agency's connection settings. Nothing was "
            "signed. Tell the administrator: the details are in the integration's log."
        ),
    )


def _unreachable(integration: Integration, operation: str, failed: CallFailed) -> CaseError:
    _event(integration, operation, ok=False, message=f"not reachable: {failed}")
    return CaseError(
        "bsre_unavailable",
        _(
            "The signing service (BSrE) cannot be reached right now. Nothing was signed: "
            "try again later."
        ),
    )


def _refusal(code: int | None, status: int) -> CaseError:
    if code == WRONG_PASSPHRASE:
        return CaseError(
            "bsre_wrong_passphrase",
            _("BSrE says the passphrase is wrong. Nothing was signed: type it again."),
        )
    if code == NOT_REGISTERED:
        return CaseError(
            "bsre_not_registered",
            _(
                "You are not registered as a signer with BSrE. Nothing was signed: register "
                "with BSrE (through the agency's BSrE registration officer) first."
            ),
        )
    if code == NO_CERTIFICATE:
        return CaseError(
            "bsre_no_certificate",
            _(
                "You have no valid BSrE certificate (not issued yet, expired or revoked). "
                "Nothing was signed: renew it with BSrE first."
            ),
        )
    return CaseError(
        "bsre_failed",
        _(
            "The signing service (BSrE) could not sign the document. Nothing was signed: try "
            "again later; if it keeps failing, tell the administrator."
        ),
    )


# --- the signer's status ------------------------------------------------------------------


def signer_check(integration: Integration, *, nik: str) -> None:
    """Whether the signer with ``nik`` may sign (registered, certificate issued); CaseError with
    the reason if not. Asked before the passphrase is sent."""
    operation = "bsre.user_status"
    try:
        if integration.provider == V2:
            answer = send(
                "POST",
                _url(integration, "/api/v2/user/check/status"),
                json={"nik": nik},
                auth=_auth(integration),
                timeout=_timeout(integration),
            )
        else:
            answer = send(
                "GET",
                _url(integration, f"/api/user/status/{nik}"),
                auth=_auth(integration),
                timeout=_timeout(integration),
            )
    except CallFailed as failed:
        raise _unreachable(integration, operation, failed) from failed
    if answer.status == 401:
        raise _credentials_refused(integration, operation, answer)
    body = answer.json()
    status = str(body.get("status", "")).upper() if isinstance(body, dict) else ""
    code = _error_code(answer)
    if answer.status == 200 and (status == "ISSUE" or (not status and code == STATUS_ISSUED)):
        _event(integration, operation, ok=True, message="signer registered, certificate issued")
        return
    # The status word first (it tells a missing certificate from a missing registration
    # where v1 gives both one code), then the code alone.
    if status in ("NO_CERTIFICATE", "REVOKE", "EXPIRED") or (not status and code == NO_CERTIFICATE):
        _event(
            integration,
            operation,
            ok=True,
            message=f"signer has no valid certificate ({status or code})",
        )
        raise _refusal(NO_CERTIFICATE, answer.status)
    if status == "NOT_REGISTERED" or (
        not status and code in (STATUS_NOT_REGISTERED, NOT_REGISTERED)
    ):
        _event(integration, operation, ok=True, message="signer not registered")
        raise _refusal(NOT_REGISTERED, answer.status)
    _event(
        integration,
        operation,
        ok=False,
        message=f"HTTP {answer.status}: unexpected answer (status {status or '-'}, code {code})",
    )
    raise _refusal(None, answer.status)


# --- signing --------------------------------------------------------------------------------


def _check_secret(integration: Integration, secret: SignerSecret | None) -> SignerSecret:
    totp = integration.provider == V2
    if secret is None or not (secret.passphrase or (totp and secret.totp)):
        raise CaseError(
            "passphrase_needed",
            _("Type your BSrE passphrase or the TOTP code from the BeSign app to sign.")
            if totp
            else _("Type your BSrE passphrase to sign."),
        )
    return secret


def _is_signed_pdf(pdf: bytes) -> bool:
    """Whether ``pdf`` reads as a PDF carrying at least one signature."""
    if not pdf.startswith(b"%PDF"):
        return False
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        return bool(PdfFileReader(BytesIO(pdf), strict=False).embedded_signatures)
    except Exception:  # noqa: BLE001 - whatever a broken file raises, it is not a signed PDF
        return False


def _post_sign(
    integration: Integration, request: SignRequest, nik: str, secret: SignerSecret
) -> Answer:
    if integration.provider == V2:
        body: dict[str, Any] = {
            "nik": nik,
            "signatureProperties": [
                {
                    "tampilan": "INVISIBLE",
                    "reason": request.reason,
                    "location": request.location,
                    "contactInfo": request.contact,
                }
            ],
            "file": [base64.b64encode(request.pdf).decode("ascii")],
        }
        if secret.passphrase:
            body["passphrase"] = secret.passphrase
        else:
            body["totp"] = secret.totp
        return send(
            "POST",
            _url(integration, "/api/v2/sign/pdf"),
            json=body,
            auth=_auth(integration),
            timeout=_timeout(integration),
        )
    return send(
        "POST",
        _url(integration, "/api/sign/pdf"),
        data={
            "nik": nik,
            "passphrase": secret.passphrase,
            "tampilan": "invisible",
            "reason": request.reason,
            "location": request.location,
        },
        files={"file": ("document.pdf", request.pdf, "application/pdf")},
        auth=_auth(integration),
        timeout=_timeout(integration),
    )


def _signed_from(integration: Integration, answer: Answer) -> tuple[bytes, str]:
    """The signed PDF and BSrE's reference from a 200 answer; b"" when it holds none."""
    if integration.provider == V2:
        body = answer.json()
        files = body.get("file") if isinstance(body, dict) else None
        if not isinstance(files, list) or not files or not isinstance(files[0], str):
            return b"", ""
        try:
            return base64.b64decode(files[0], validate=True), ""
        except (binascii.Error, ValueError):
            return b"", ""
    reference = answer.header("id_dokumen") or answer.header("id-dokumen")
    return answer.body, reference[:100]


def sign(request: SignRequest, *, integration: Integration, secret: SignerSecret | None) -> Signed:
    """``request``'s PDF signed by BSrE with the approver's certificate: their status checked
    first, then the PDF and their secret sent once. CaseError with the reason if not signed."""
    nik = _signer_nik(request)
    secret = _check_secret(integration, secret)
    signer_check(integration, nik=nik)
    operation = "bsre.sign"
    try:
        answer = _post_sign(integration, request, nik, secret)
    except CallFailed as failed:
        if not failed.unknown_outcome:
            raise _unreachable(integration, operation, failed) from failed
        _event(
            integration,
            operation,
            ok=False,
            message=f"{request.subject}: no answer in time, outcome unknown (not retried)",
        )
        raise CaseError(
            "bsre_outcome_unknown",
            _(
                "The signing service (BSrE) did not answer in time, so whether it signed is "
                "unknown. Nothing was issued here and nothing is retried by itself: check with "
                "BSrE (or wait a minute), then sign again. The document keeps its number."
            ),
        ) from failed
    if answer.status == 401:
        raise _credentials_refused(integration, operation, answer)
    if answer.status != 200:
        code = _error_code(answer)
        # The signer's own refusals (passphrase, registration) are not the service's fault.
        _event(
            integration,
            operation,
            ok=code in (WRONG_PASSPHRASE, NOT_REGISTERED, NO_CERTIFICATE),
            message=f"{request.subject}: refused, HTTP {answer.status}, code {code}",
        )
        raise _refusal(code, answer.status)
    pdf, reference = _signed_from(integration, answer)
    if not _is_signed_pdf(pdf):
        _event(
            integration,
            operation,
            ok=False,
            message=f"{request.subject}: HTTP 200 without a signed PDF ({len(answer.body)} bytes)",
        )
        raise _refusal(None, answer.status)
    _event(
        integration,
        operation,
        ok=True,
        message=f"{request.subject}: signed" + (f", id_dokumen {reference}" if reference else ""),
    )
    return Signed(pdf=pdf, backend=integration.provider, reference=reference)


def _sign(request: SignRequest, *, integration: Any, secret: SignerSecret | None) -> Signed:
    return sign(request, integration=integration, secret=secret)


def _check(*, signer: Any, integration: Any) -> None:
    signer_check(integration, nik=signer.nik)


def _fake() -> Any:
    from satupintu.cases.bsre_fake import FakeBsre

    return FakeBsre.demo()


register_backend(Backend(key=V1, label="BSrE v1", sign=_sign, remote=True, check=_check))
register_backend(Backend(key=V2, label="BSrE v2", sign=_sign, remote=True, totp=True, check=_check))
register_provider(
    Integration.Kind.BSRE, V1, "BSrE eSign Client Service v1 (multipart /api/sign/pdf)"
)
register_provider(Integration.Kind.BSRE, V2, "BSrE eSign Client Service v2 (JSON /api/v2/sign/pdf)")
register_fake("bsre", _fake)
