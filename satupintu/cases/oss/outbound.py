"""What OSS is told of its cases, through the integrations' outbox (written in the change's
transaction, delivered and retried by the worker): every transition as receiveLicenseStatus
with the kd_status the service's mapping gives it, and the issued permit as receiveLicense,
whose answer brings OSS's own permit number."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from satupintu.cases.models import (
    DEFAULT_OSS_STATUS,
    Application,
    IssuedDocument,
    OssLink,
    OssStatusKey,
    OssStatusMap,
    Transition,
)
from satupintu.cases.permits.render import signatory
from satupintu.catalog.models import Service
from satupintu.filecheck import PDF, check_upload
from satupintu.integrations import http
from satupintu.integrations.models import Integration, OutboundCall
from satupintu.integrations.registry import CallFailed, on_done, operation
from satupintu.integrations.services import (
    call_enqueue,
    integration_fetch_rules,
    integration_for,
)
from satupintu.malls.calendar import in_mall_time

FETCH_FILE_DS = "oss.fetchFileDS"
STATUS_OPERATION = "oss.receiveLicenseStatus"
LICENSE_OPERATION = "oss.receiveLicense"
APPROVED_STATUS = "50"


def kd_status_for(service: Service, key: str) -> str:
    """The kd_status a service reports for ``key`` (an OssStatusKey): its own mapping's, else
    the default; "" reports nothing."""
    own = OssStatusMap.objects.filter(service=service, key=key).values_list("kd_status", flat=True)
    for code in own:
        return code
    return DEFAULT_OSS_STATUS.get(key, "")


def status_key(application: Application, transition: Transition, link: OssLink) -> str:
    """What ``transition`` means to OSS."""
    action = transition.action
    if action == "forward":
        # The forward that decided: approved once; later steps are the permit's own.
        if application.decided_at is not None and not link.approval_reported:
            return OssStatusKey.APPROVED
        if transition.to_status == Application.Status.DONE:
            return OssStatusKey.DONE
        return f"step:{transition.to_step}"
    return {
        "submit": OssStatusKey.SUBMITTED,
        "return": OssStatusKey.RETURNED,
        "resubmit": OssStatusKey.RESUBMITTED,
        "reject": OssStatusKey.REJECTED,
        "cancel": OssStatusKey.CANCELLED,
        "revoke": OssStatusKey.REVOKED,
    }.get(action, "")


def oss_integration(link: OssLink, application: Application) -> Integration | None:
    """The OSS integration a case's link talks through: the one that pushed it while active,
    else the one that applies to its agency."""
    if link.integration is not None and link.integration.is_active:
        return link.integration
    agency = application.service.agency
    return integration_for(Integration.Kind.OSS, mall=agency.mall, agency=agency)


def _identity(link: OssLink) -> dict[str, str]:
    return {
        "nib": link.nib,
        "id_produk": link.id_produk,
        "id_proyek": link.id_proyek,
        "oss_id": link.oss_id,
        "id_izin": link.id_izin,
        "kd_izin": link.kd_izin,
    }


def status_payload(
    application: Application, transition: Transition, link: OssLink, kd_status: str
) -> dict[str, Any]:
    """IZINSTATUS as the spec shows it: the officer's NIP and name, the mall's local time."""
    agency = application.service.agency
    officer = signatory(transition.actor, agency) if transition.actor else {}
    integration = link.integration
    told = transition.action in Transition.TOLD_TO_APPLICANT
    return {
        "IZINSTATUS": {
            **_identity(link),
            "kd_instansi": str(integration.option("kd_instansi", "") if integration else ""),
            "kd_status": kd_status,
            "tgl_status": f"{in_mall_time(transition.created_at, agency.mall):%Y-%m-%d %H:%M:%S}",
            "nip_status": officer.get("nip", ""),
            "nama_status": officer.get("name", ""),
            "keterangan": (transition.note if told else "")[:1000]
            or f"{transition.to_status_label} {transition.to_step_label}".strip(),
        }
    }


def record_change(
    sender: Any, *, application: Application, transition: Transition, **kwargs: Any
) -> OutboundCall | None:
    """The receiver of ``application_changed``: an OSS-born case's change, queued for OSS as
    receiveLicenseStatus (the same code twice in a row is said once)."""
    link = OssLink.objects.filter(application=application).select_related("integration").first()
    if link is None:
        return None
    key = status_key(application, transition, link)
    kd_status = kd_status_for(application.service, key) if key else ""
    fields = []
    if key == OssStatusKey.APPROVED:
        link.approval_reported = True
        fields.append("approval_reported")
    integration = oss_integration(link, application)
    call = None
    if kd_status and kd_status != link.last_kd_status and integration is not None:
        call = call_enqueue(
            integration=integration,
            operation=STATUS_OPERATION,
            payload=status_payload(application, transition, link, kd_status),
            subject=f"application:{application.pk}",
            key=f"oss-status:{transition.pk}",
        )
        link.last_kd_status = kd_status
        fields.append("last_kd_status")
    if fields:
        link.save(update_fields=fields)
    return call


def permit_file_signature(code: str) -> str:
    """What makes the permit file's link unguessable: an HMAC of its code."""
    return salted_hmac("satupintu.cases.oss.permit_file", code, algorithm="sha256").hexdigest()[:40]


def permit_file_url(document: IssuedDocument) -> str:
    """The public link OSS fetches the signed permit from (file_izin)."""
    path = reverse(
        "oss:permit-file",
        kwargs={"code": document.code, "signature": permit_file_signature(document.code)},
    )
    return f"{settings.SITE_URL}{path}"


def license_payload(document: IssuedDocument, link: OssLink) -> dict[str, Any]:
    """IZINFINAL: the permit, its signatory and the signed PDF's link."""
    agency = document.application.service.agency
    signer = signatory(document.signed_by, agency) if document.signed_by else {}
    return {
        "IZINFINAL": {
            "nib": link.nib,
            "id_proyek": link.id_proyek,
            "oss_id": link.oss_id,
            "id_izin": link.id_izin,
            "kd_izin": link.kd_izin,
            "kd_daerah": link.kd_daerah,
            "nomor_izin": document.number,
            "tgl_terbit_izin": document.valid_from.isoformat(),
            "tgl_berlaku_izin": document.valid_until.isoformat() if document.valid_until else "",
            "nama_ttd": signer.get("name", ""),
            "nip_ttd": signer.get("nip", ""),
            "jabatan_ttd": signer.get("position", "")[:150],
            "status_izin": APPROVED_STATUS,
            "file_izin": permit_file_url(document),
            "keterangan": document.title,
        }
    }


def record_issue(
    sender: Any, *, document: IssuedDocument, application: Application, **kwargs: Any
) -> OutboundCall | None:
    """The receiver of ``document_issued``: an OSS-born case's permit, queued once for OSS as
    receiveLicense. Never retried by itself: OSS draws a number at each call, so a failure
    with an unknown outcome waits for a person."""
    link = OssLink.objects.filter(application=application).select_related("integration").first()
    if link is None:
        return None
    integration = oss_integration(link, application)
    if integration is None:
        return None
    return call_enqueue(
        integration=integration,
        operation=LICENSE_OPERATION,
        payload=license_payload(document, link),
        subject=f"application:{application.pk}",
        key=f"oss-license:{application.pk}",
        retry=False,
    )


@on_done(LICENSE_OPERATION)
def keep_permit_number(call: OutboundCall) -> None:
    """Keep the nomor_izin OSS answered receiveLicense with."""
    number = str((call.result or {}).get("nomor_izin") or "").strip()[:120]
    if not number or not call.subject.startswith("application:"):
        return
    OssLink.objects.filter(application_id=call.subject.split(":", 1)[1]).update(
        permit_number=number
    )


@operation(FETCH_FILE_DS)
def fetch_file_ds(call: OutboundCall) -> dict[str, Any]:
    """Fetch the permit OSS signed (receiveFileDS's or inqueryFileDS's link) with the user_key,
    only from OSS's own hosts, and keep it in private storage once it checks as a PDF."""
    url = str((call.payload or {}).get("url") or "")
    link_id = call.subject.removeprefix("oss-link:")
    link = OssLink.objects.filter(pk=int(link_id)).first() if link_id.isdigit() else None
    if link is None:
        raise CallFailed("the OSS link is gone", retry=False)
    if link.signed_file_url != url:
        return {"skipped": "the link changed since"}
    integration = call.integration
    user_key = integration.secret("user_key")
    content = http.fetch(
        url,
        rules=integration_fetch_rules(integration),
        headers={"user_key": user_key} if user_key else {},
        max_bytes=settings.CASE_UPLOAD_MAX_BYTES,
    )
    name = f"oss-ds-{link.pk}.pdf"
    upload = ContentFile(content, name=name)
    try:
        check_upload(
            upload, kinds=(PDF,), max_bytes=settings.CASE_UPLOAD_MAX_BYTES, match_name=False
        )
    except ValidationError as invalid:
        raise CallFailed("not a PDF: " + " ".join(invalid.messages), retry=False) from invalid
    upload.seek(0)
    before = link.signed_file.name
    link.signed_file.save(name, upload, save=False)
    link.signed_file_at = timezone.now()
    link.save(update_fields=["signed_file", "signed_file_at"])
    if before and before != link.signed_file.name:
        link.signed_file.storage.delete(before)  # the one OSS signed before it changed
    return {"bytes": len(content)}
