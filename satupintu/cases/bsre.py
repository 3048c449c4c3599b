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
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from satupintu.cases.errors import CaseError
from satupintu.cases.signers import (
    Backend,
    Signed,
    SignerSecret,
    SignRequest,
    register_backend,
)
from satupintu.counters import minutes_to_wait
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


def by_email(integration: Integration) -> bool:
    """Whether signers are identified by their email (v2's ``email`` in place of ``nik``,
    option ``identity`` = ``"email"``); else, and always in v1, by their NIK."""
    return integration.provider == V2 and integration.option("identity") == "email"


def signer_identity(integration: Integration, signer: Any) -> dict[str, str]:
    """How BSrE knows ``signer``: ``{"nik": ...}`` or (v2, by email) ``{"email": ...}``;
    empty when their account lacks it."""
    if by_email(integration):
        email = str(getattr(signer, "email", "") or "").strip()
        return {"email": email} if email else {}
    nik = str(getattr(signer, "nik", "") or "")
    return {"nik": nik} if nik else {}


def _identity(integration: Integration, signer: Any) -> dict[str, str]:
    identity = signer_identity(integration, signer)
    if identity:
        return identity
    if by_email(integration):
        raise CaseError(
            "signer_email_missing",
            _(
                "Your account has no email address, which this agency's BSrE identifies "
                "signers by. Ask the administrator to record it, then sign again."
            ),
        )
    raise CaseError(
        "signer_nik_missing",
        _(
            "Your account has no NIK, which BSrE identifies signers by. Ask the "
            "administrator to record your NIK, then sign again."
        ),
    )


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


def _ask(integration: Integration, operation: str, method: str, path: str, **kwargs: Any) -> Answer:
    """A question to BSrE that changes nothing there (a status, a verdict): no answer, or
    credentials refused, is a CaseError the person reads."""
    try:
        answer = send(
            method,
            _url(integration, path),
            auth=_auth(integration),
            timeout=_timeout(integration),
            **kwargs,
        )
    except CallFailed as failed:
        raise _unreachable(integration, operation, failed) from failed
    if answer.status == 401:
        raise _credentials_refused(integration, operation, answer)
    return answer


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


def signer_check(integration: Integration, *, identity: dict[str, str]) -> None:
    """Whether the signer (``{"nik": ...}``, v2 also ``{"email": ...}``) may sign: registered,
    certificate issued; CaseError with the reason if not. Asked before the passphrase is sent."""
    operation = "bsre.user_status"
    if integration.provider == V2:
        answer = _ask(integration, operation, "POST", "/api/v2/user/check/status", json=identity)
    else:
        nik = identity.get("nik", "")
        if not (nik.isascii() and nik.isdigit()):
            raise CaseError("signer_nik_missing", _("BSrE identifies signers by their NIK."))
        answer = _ask(integration, operation, "GET", f"/api/user/status/{nik}")
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


# --- a TOTP sent to the signer (v2) -----------------------------------------------------------


def totp_throttle(*, user_id: int) -> None:
    """Count one "send me a code" of one person; past ``BSRE_TOTP_LIMIT`` in
    ``BSRE_TOTP_WINDOW_SECONDS``, CaseError ``throttled`` and BSrE is not asked (each request
    reaches the signer's phone)."""
    minutes = minutes_to_wait(
        f"bsre:totp:{user_id}",
        limit=settings.BSRE_TOTP_LIMIT,
        seconds=settings.BSRE_TOTP_WINDOW_SECONDS,
    )
    if minutes is not None:
        raise CaseError(
            "throttled",
            _("A code has been asked for too often. Wait %(minutes)d minutes, then try again.")
            % {"minutes": minutes},
        )


def totp_request(integration: Integration, *, identity: dict[str, str]) -> None:
    """v2's ``POST /api/v2/sign/get/totp``: BSrE sends the signer (``{"nik"}`` or
    ``{"email"}``) a TOTP to sign with. Nothing of the code comes back here. CaseError if
    BSrE did not say it sent one."""
    operation = "bsre.totp_request"
    if integration.provider != V2:
        raise CaseError("bsre_totp_off", _("This agency's BSrE does not send codes."))
    answer = _ask(integration, operation, "POST", "/api/v2/sign/get/totp", json=identity)
    body = answer.json()
    if answer.status == 200 and isinstance(body, dict) and body.get("success") is True:
        _event(integration, operation, ok=True, message="code sent to the signer")
        return
    code = _error_code(answer)
    if code in (NOT_REGISTERED, NO_CERTIFICATE):
        _event(integration, operation, ok=True, message=f"signer refused, code {code}")
        raise _refusal(code, answer.status)
    _event(integration, operation, ok=False, message=f"HTTP {answer.status}, code {code}")
    raise CaseError(
        "bsre_totp_failed",
        _(
            "The signing service (BSrE) did not send a code. Use your passphrase or the "
            "code from the BeSign app, or try again later."
        ),
    )


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


# A visible signature's placement (the integration's option ``appearance``), passed through as
# the service takes it: the digest says coordinates' units differ between installations.
V1_APPEARANCE = ("page", "halaman", "xAxis", "yAxis", "width", "height", "tag_koordinat")
V2_APPEARANCE = ("page", "originX", "originY", "width", "height", "tag")


def _appearance(integration: Integration, keys: tuple[str, ...]) -> dict[str, Any]:
    """The option ``appearance``'s known keys (a JSON object of numbers or short strings);
    empty: the signature is invisible."""
    chosen = integration.option("appearance")
    if not isinstance(chosen, dict):
        return {}
    return {
        key: value
        for key, value in chosen.items()
        if key in keys and isinstance(value, int | float | str) and len(str(value)) <= 20
    }


def _qr_png(link: str) -> str:
    """The verification link as a QR code, a PNG in base64 (v2's ``imageBase64``)."""
    import segno

    out = BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=4, border=1)
    return base64.b64encode(out.getvalue()).decode("ascii")


def _post_sign(
    integration: Integration,
    request: SignRequest,
    identity: dict[str, str],
    secret: SignerSecret,
) -> Answer:
    if integration.provider == V2:
        properties: dict[str, Any] = {
            "tampilan": "INVISIBLE",
            "reason": request.reason,
            "location": request.location,
            "contactInfo": request.contact,
        }
        placement = _appearance(integration, V2_APPEARANCE)
        if placement and request.link:
            properties.update(placement, tampilan="VISIBLE", imageBase64=_qr_png(request.link))
        body: dict[str, Any] = {
            **identity,
            "signatureProperties": [properties],
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
    fields: dict[str, str] = {
        "nik": identity["nik"],
        "passphrase": secret.passphrase,
        "tampilan": "invisible",
        "reason": request.reason,
        "location": request.location,
    }
    placement = _appearance(integration, V1_APPEARANCE)
    if placement and request.link:
        # The QR code BSrE draws from ``linkQR`` (``image`` false: no specimen image).
        fields.update({key: str(value) for key, value in placement.items()})
        fields.update(tampilan="visible", image="false", linkQR=request.link)
    return send(
        "POST",
        _url(integration, "/api/sign/pdf"),
        data=fields,
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
    identity = _identity(integration, request.signer)
    secret = _check_secret(integration, secret)
    signer_check(integration, identity=identity)
    operation = "bsre.sign"
    try:
        answer = _post_sign(integration, request, identity, secret)
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
    if integration.provider == V1 and reference and not pdf.startswith(b"%PDF"):
        # A service answering with a reference and no PDF in the body (a JSON or base64
        # body, ``jenis_response``): the signed PDF is fetched once by its id_dokumen.
        pdf = download(integration, reference)
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


def download(integration: Integration, reference: str) -> bytes:
    """v1's ``GET /api/sign/download/{id_dokumen}``: the signed PDF, once (a second download
    is BSrE's 404); b"" when it cannot be had (logged)."""
    operation = "bsre.download"
    if not reference.replace("-", "").isalnum():
        _event(integration, operation, ok=False, message="malformed id_dokumen")
        return b""
    try:
        answer = send(
            "GET",
            _url(integration, f"/api/sign/download/{reference}"),
            auth=_auth(integration),
            timeout=_timeout(integration),
        )
    except CallFailed as failed:
        _event(integration, operation, ok=False, message=f"{reference}: {failed}")
        return b""
    if answer.status != 200:
        _event(
            integration,
            operation,
            ok=False,
            message=f"{reference}: HTTP {answer.status}, code {_error_code(answer)}",
        )
        return b""
    _event(integration, operation, ok=True, message=reference)
    return answer.body


# --- verifying -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What BSrE says of a PDF's signatures: ``valid`` None when it has none (or BSrE gave no
    conclusion); ``signers`` their names as BSrE read them."""

    valid: bool | None
    signatures: int
    signers: tuple[str, ...] = ()
    summary: str = ""


def _verdict_v1(body: dict[str, Any]) -> Verdict:
    found = body.get("details")
    details: list[Any] = found if isinstance(found, list) else []
    signers = tuple(
        str((d.get("info_signer") or {}).get("signer_name", ""))
        for d in details
        if isinstance(d, dict) and isinstance(d.get("info_signer") or {}, dict)
    )
    summary = str(body.get("summary") or "")
    try:
        count = int(body.get("jumlah_signature") or 0)
    except (TypeError, ValueError):
        count = len(details)
    integrity = [
        (d.get("signature_document") or {}).get("document_integrity")
        for d in details
        if isinstance(d, dict) and isinstance(d.get("signature_document") or {}, dict)
    ]
    if not count or not summary:
        valid = None
    else:
        valid = "NOT VALID" not in summary.upper() and False not in integrity
    return Verdict(valid=valid, signatures=count, signers=signers, summary=summary)


def _verdict_v2(body: dict[str, Any]) -> Verdict:
    infos = body.get("signatureInformations")
    infos = infos if isinstance(infos, list) else []
    conclusion = str(body.get("conclusion") or "")
    try:
        count = int(body.get("signatureCount") or 0)
    except (TypeError, ValueError):
        count = len(infos)
    signers = tuple(str(i.get("signerName", "")) for i in infos if isinstance(i, dict))
    valid = None if not count or conclusion in ("", "NO_SIGNATURE") else conclusion == "VALID"
    return Verdict(valid=valid, signatures=count, signers=signers, summary=conclusion)


def verify(integration: Integration, pdf: bytes) -> Verdict:
    """Ask BSrE about ``pdf``'s signatures (v1 ``POST /api/sign/verify`` multipart
    ``signed_file``; v2 ``POST /api/v2/verify/pdf`` base64 ``file``). Slow for big files (the
    digest saw 40 s): asked by a person, never on a public page. CaseError if BSrE cannot say."""
    operation = "bsre.verify"
    if integration.provider == V2:
        answer = _ask(
            integration,
            operation,
            "POST",
            "/api/v2/verify/pdf",
            json={"file": base64.b64encode(pdf).decode("ascii")},
        )
    else:
        answer = _ask(
            integration,
            operation,
            "POST",
            "/api/sign/verify",
            files={"signed_file": ("document.pdf", pdf, "application/pdf")},
        )
    body = answer.json()
    if answer.status != 200 or not isinstance(body, dict):
        _event(integration, operation, ok=False, message=f"HTTP {answer.status}")
        raise CaseError(
            "bsre_verify_failed",
            _("The signing service (BSrE) could not check the document: try again later."),
        )
    verdict = _verdict_v2(body) if integration.provider == V2 else _verdict_v1(body)
    _event(
        integration,
        operation,
        ok=True,
        message=f"{verdict.signatures} signature(s), {verdict.summary or 'no conclusion'}",
    )
    return verdict


def document_verify(document: Any) -> Verdict:
    """BSrE's verdict on an issued document's PDF (an ``IssuedDocument``), asked of the BSrE
    integration that applies to its agency now. CaseError when none does."""
    from satupintu.integrations.services import integration_for

    agency = document.application.service.agency
    integration = integration_for(Integration.Kind.BSRE, mall=agency.mall, agency=agency)
    if integration is None or integration.provider not in PROVIDERS:
        raise CaseError(
            "bsre_off", _("No active BSrE integration applies to this document's agency.")
        )
    with document.file.open("rb") as handle:
        pdf = handle.read()
    return verify(integration, pdf)


def _sign(request: SignRequest, *, integration: Any, secret: SignerSecret | None) -> Signed:
    return sign(request, integration=integration, secret=secret)


def _check(*, signer: Any, integration: Any) -> None:
    signer_check(integration, identity=_identity(integration, signer))


def _identified(*, signer: Any, integration: Any) -> bool:
    return bool(signer_identity(integration, signer))


def _send_totp(*, signer: Any, integration: Any) -> None:
    totp_request(integration, identity=_identity(integration, signer))


def _fake() -> Any:
    from satupintu.cases.bsre_fake import FakeBsre

    return FakeBsre.demo()


register_backend(
    Backend(key=V1, label="BSrE v1", sign=_sign, remote=True, check=_check, identified=_identified)
)
register_backend(
    Backend(
        key=V2,
        label="BSrE v2",
        sign=_sign,
        remote=True,
        totp=True,
        send_totp=_send_totp,
        check=_check,
        identified=_identified,
    )
)
register_provider(
    Integration.Kind.BSRE, V1, "BSrE eSign Client Service v1 (multipart /api/sign/pdf)"
)
register_provider(Integration.Kind.BSRE, V2, "BSrE eSign Client Service v2 (JSON /api/v2/sign/pdf)")
register_fake("bsre", _fake)
