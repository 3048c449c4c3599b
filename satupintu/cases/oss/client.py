"""Calls from Satu Pintu to OSS RBA: the outbox operations that report a permit's progress and
issue it (receiveLicenseStatus, receiveLicense), and the NIB checks the portal's form makes."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from satupintu.accounts.validators import clean_nib, clean_npwp
from satupintu.cases.errors import CaseError
from satupintu.integrations.http import Answer, send
from satupintu.integrations.models import Integration, IntegrationEvent, OutboundCall
from satupintu.integrations.registry import CallFailed, operation
from satupintu.integrations.services import event_record

# The portal waits for OSS at most this long (seconds) when the applicant checks a NIB; the
# integration's option "check_timeout" overrides it.
CHECK_TIMEOUT = 5.0
CHECK_TIMEOUT_MAX = 15.0
# OSS's own failures (Lampiran 9): processing failed, processing timed out. Worth another try.
TRANSIENT = {500, 504}
# Root spellings OSS's examples use beside ``respon<method>`` (lower-cased, prefix removed).
ROOT_ALIASES = {"checklicensestatus": ("checkstatuslicense",)}
# L14: the NIB statuses that let a business apply (active, may do business, may operate).
NIB_ACTIVE = {"01", "03", "04"}
# Lampiran 29: the getDataReferensi list of permit codes (kd_izin).
PERMIT_CODES = "8"
ANSWER_KEEP = 2000


@dataclass(frozen=True)
class Reply:
    """What OSS answered: the HTTP status, the envelope (``None`` when there was none) and its
    ``kode`` (``None`` when absent or unreadable)."""

    status: int
    envelope: dict[str, Any] | None
    kode: int | None
    text: str

    @property
    def keterangan(self) -> str:
        return str((self.envelope or {}).get("keterangan") or "")

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300 and self.kode == 200


@dataclass(frozen=True)
class NibCheck:
    """What checkNIB says of a NIB: the business's name and its status (Lampiran 14)."""

    nib: str
    company_name: str
    status: str

    @property
    def active(self) -> bool:
        return self.status in NIB_ACTIVE


@dataclass(frozen=True)
class Business:
    """What inqueryNIB says of a business: enough to fill the application's form."""

    nib: str
    oss_id: str
    name: str
    npwp: str
    address: str
    status: str
    kbli: tuple[str, ...]


def envelope_of(body: Any, method: str) -> dict[str, Any] | None:
    """The ``respon<method>`` object of an OSS answer, whatever spelling of the root it uses
    (``respon``/``response`` prefix, any case, the aliases OSS's own examples show)."""
    if not isinstance(body, dict):
        return None
    wanted = {method.lower(), *ROOT_ALIASES.get(method.lower(), ())}
    for key, value in body.items():
        name = str(key).lower()
        for prefix in ("response", "respon"):
            if name.startswith(prefix) and name[len(prefix) :] in wanted:
                return value if isinstance(value, dict) else None
    return None


def _kode(envelope: dict[str, Any] | None) -> int | None:
    if envelope is None:
        return None
    # inqueryFileDS answers ``status`` as a string instead of ``kode``.
    value = envelope.get("kode", envelope.get("status"))
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def exchange(
    integration: Integration, method: str, body: dict[str, Any], *, timeout: float | None = None
) -> Reply:
    """POST ``body`` to OSS's ``method`` with the integration's user_key; CallFailed on a
    network error (retry) or a timeout (unknown outcome), a Reply for any answer."""
    answer: Answer = send(
        "POST",
        f"{integration.base_url.rstrip('/')}/{method}",
        json=body,
        headers={"user_key": integration.secret("user_key"), "Accept": "application/json"},
        timeout=timeout,
    )
    envelope = envelope_of(answer.json(), method)
    text = answer.body[:ANSWER_KEEP].decode("utf-8", "replace")
    return Reply(status=answer.status, envelope=envelope, kode=_kode(envelope), text=text)


def failure(method: str, reply: Reply, *, unknown_outcome: bool = False) -> CallFailed:
    """The CallFailed for an answer that is not a success: retried when OSS failed or timed
    out (kode 500/504, HTTP 5xx, an answer without an envelope), not when it refused."""
    if reply.kode is not None and reply.kode != 200:
        retry = reply.kode in TRANSIENT or reply.status >= 500
        what = f"kode {reply.kode} {reply.keterangan}".strip()
    else:
        # kode 200 under an HTTP error, or no envelope at all: the HTTP status says it.
        retry = reply.status >= 500 or 200 <= reply.status < 300
        what = f"HTTP {reply.status}" + ("" if reply.envelope else ", no envelope")
    return CallFailed(
        f"OSS {method}: {what}",
        status_code=reply.status,
        answer=reply.text,
        retry=retry,
        unknown_outcome=unknown_outcome,
    )


def _outbound(call: OutboundCall, method: str, *, allocates: bool = False) -> dict[str, Any]:
    """Send the call's payload (the OSS request body) to ``method``; the envelope on success.

    A call that ``allocates`` (receiveLicense draws a permit number) has an unknown outcome
    also when OSS says it timed out (HTTP or kode 504): enqueued with ``retry=False``, the
    outbox then holds it for a person instead of sending it again."""
    reply = exchange(call.integration, method, call.payload)
    if reply.ok and reply.envelope is not None:
        return reply.envelope
    timed_out = reply.kode == 504 or reply.status == 504
    raise failure(method, reply, unknown_outcome=allocates and timed_out)


@operation("oss.receiveLicenseStatus")
def receive_license_status(call: OutboundCall) -> dict[str, Any]:
    """Report a permit's status (``{"IZINSTATUS": {...}}``) to OSS."""
    envelope = _outbound(call, "receiveLicenseStatus")
    return {"kode": 200, "keterangan": str(envelope.get("keterangan") or "")}


@operation("oss.receiveLicense")
def receive_license(call: OutboundCall) -> dict[str, Any]:
    """Send the issued permit (``{"IZINFINAL": {...}}``) to OSS; the result holds the permit
    number OSS gives it (``nomor_izin``)."""
    envelope = _outbound(call, "receiveLicense", allocates=True)
    return {
        "kode": 200,
        "keterangan": str(envelope.get("keterangan") or ""),
        "nomor_izin": str(envelope.get("nomor_izin") or ""),
        "jenis_perizinan": str(envelope.get("jenis_perizinan") or ""),
        "file_lampiran": str(envelope.get("file_lampiran") or ""),
    }


# The checks made while the applicant waits ------------------------------------------------


def _checked_npwp(npwp: str) -> str:
    try:
        clean = clean_npwp(npwp or "")
    except ValidationError as invalid:
        raise CaseError(
            "invalid_npwp", invalid.messages[0], fields={"npwp": invalid.messages}
        ) from invalid
    if not clean:
        message = _("Enter the NIB or the NPWP first.")
        raise CaseError("invalid_nib", message, fields={"nib": [message]})
    return clean


def _checked_nib(nib: str) -> str:
    try:
        clean = clean_nib(nib or "")
    except ValidationError as invalid:
        raise CaseError(
            "invalid_nib", invalid.messages[0], fields={"nib": invalid.messages}
        ) from invalid
    if not clean:
        message = _("Enter the NIB first.")
        raise CaseError("invalid_nib", message, fields={"nib": [message]})
    return clean


def _ask(
    integration: Integration,
    method: str,
    body: dict[str, Any],
    *,
    unavailable: Callable[[], CaseError] | None = None,
) -> Reply:
    """Ask OSS while a person waits: a short timeout, any failure a CaseError they can read
    (``unavailable``'s; the applicant's by default); the integration's log records the outcome
    (without the NIB)."""
    down = unavailable or _unavailable
    timeout = _check_timeout(integration)
    try:
        reply = exchange(integration, method, body, timeout=timeout)
    except CallFailed as failed:
        _record(integration, method, ok=False, message=str(failed))
        raise down() from failed
    not_found = reply.kode == 400 and reply.status in (200, 400)
    if reply.ok or not_found:
        _record(integration, method, ok=True, message=f"kode {reply.kode}")
        return reply
    _record(integration, method, ok=False, message=str(failure(method, reply)))
    raise down()


def _check_timeout(integration: Integration) -> float:
    """The option "check_timeout", kept short: a person waits for it."""
    try:
        seconds = float(integration.option("check_timeout", CHECK_TIMEOUT))
    except (TypeError, ValueError):
        return CHECK_TIMEOUT
    return min(max(seconds, 0.1), CHECK_TIMEOUT_MAX) if seconds == seconds else CHECK_TIMEOUT


def _record(integration: Integration, method: str, *, ok: bool, message: str) -> None:
    event_record(
        integration=integration,
        kind=integration.kind,
        direction=IntegrationEvent.Direction.OUT,
        operation=f"oss.{method}",
        ok=ok,
        message=message,
    )


def _unavailable() -> CaseError:
    return CaseError(
        "oss_unavailable",
        _(
            "OSS cannot be reached right now. You can go on without the check: the NIB is "
            "kept and marked as not checked."
        ),
        status=503,
    )


def _not_found(nib: str) -> CaseError:
    message = _("OSS does not know the NIB %(nib)s. Check the number on your NIB.") % {"nib": nib}
    return CaseError("nib_not_found", message, fields={"nib": [message]}, status=404)


def check_nib(integration: Integration, nib: str) -> NibCheck:
    """Whether OSS knows ``nib`` (13 digits, checked here first), its business's name and status."""
    nib = _checked_nib(nib)
    reply = _ask(integration, "checkNIB", {"CHECKNIB": {"nib": nib}})
    data = (reply.envelope or {}).get("dataNIB")
    if not reply.ok or not isinstance(data, dict):
        raise _not_found(nib)
    return NibCheck(
        nib=str(data.get("nib") or nib),
        company_name=str(data.get("nama_perusahaan") or ""),
        status=str(data.get("status") or ""),
    )


def inquery_nib(
    integration: Integration, *, nib: str = "", npwp: str = "", oss_id: str = ""
) -> Business:
    """The business OSS registered under ``nib`` (with ``oss_id`` when given) or ``npwp``."""
    if nib:
        nib = _checked_nib(nib)
        query = {"nib": nib, **({"oss_id": oss_id} if oss_id else {})}
    else:
        query = {"npwp": _checked_npwp(npwp)}
    reply = _ask(integration, "inqueryNIB", {"INQUERYNIB": query})
    data = (reply.envelope or {}).get("dataNIB")
    if not reply.ok or not isinstance(data, dict) or not data:
        raise _not_found(nib or npwp)
    projects = data.get("data_proyek") if isinstance(data.get("data_proyek"), list) else []
    return Business(
        nib=str(data.get("nib") or nib),
        oss_id=str(data.get("oss_id") or ""),
        name=str(data.get("nama_perseroan") or ""),
        npwp=str(data.get("npwp_perseroan") or ""),
        address=_address(data),
        status=str(data.get("status_nib") or ""),
        kbli=tuple(str(p["kbli"]) for p in projects or [] if isinstance(p, dict) and p.get("kbli")),
    )


def _address(data: dict[str, Any]) -> str:
    parts = [
        str(data.get(key) or "").strip()
        for key in ("alamat_perseroan", "rt_rw_perseroan", "kelurahan_perseroan")
    ]
    line = parts[0]
    if parts[1]:
        line += f" RT/RW {parts[1]}"
    if parts[2]:
        line += f", {parts[2]}"
    return line.strip(", ")


# What an officer asks OSS of an OSS-born case -----------------------------------------------


@dataclass(frozen=True)
class LicenseStatus:
    """What checkLicenseStatus says of a permit: its status (Lampiran 10) as OSS holds it."""

    id_izin: str
    kd_status: str
    description: str
    file_lampiran: str


def _oss_down() -> CaseError:
    return CaseError(
        "oss_unavailable",
        _(
            "OSS cannot be reached right now (no answer in time, or an error). Try again "
            "later; nothing was changed here."
        ),
        status=503,
    )


def check_license_status(integration: Integration, id_izin: str) -> LicenseStatus | None:
    """The permit ``id_izin``'s status as OSS holds it; None when OSS does not know it."""
    reply = _ask(
        integration,
        "checkLicenseStatus",
        {"CHECKLICENSESTATUS": {"id_izin": id_izin}},
        unavailable=_oss_down,
    )
    data = (reply.envelope or {}).get("dataIZIN")
    if not reply.ok or not isinstance(data, dict):
        return None
    return LicenseStatus(
        id_izin=str(data.get("id_izin") or id_izin)[:40],
        kd_status=str(data.get("kd_status") or "")[:10],
        description=str(data.get("uraian_status") or "")[:200],
        file_lampiran=str(data.get("file_lampiran") or "")[:1000],
    )


def inquery_file_ds(integration: Integration, id_izin: str) -> str:
    """The link to the permit OSS signed (merged with its own pages); "" when not yet there."""
    reply = _ask(
        integration,
        "inqueryFileDS",
        {"INQUERYFILEDS": {"id_permohonan_izin": id_izin}},
        unavailable=_oss_down,
    )
    if not reply.ok:
        return ""
    return str((reply.envelope or {}).get("url_file_ds") or "").strip()[:1000]


@dataclass(frozen=True)
class Reference:
    """One row of an OSS reference list (getDataReferensi): its code and description."""

    code: str
    description: str


def reference_list(integration: Integration, kode: str) -> list[Reference]:
    """OSS's reference list ``kode`` (Lampiran 29: "8" the permit codes, kd_izin; "10" the
    permit statuses); empty when OSS has none under that kode."""
    reply = _ask(
        integration,
        "getDataReferensi",
        {"GETDATAREFERENSI": {"kode": kode}},
        unavailable=_oss_down,
    )
    rows = (reply.envelope or {}).get("dataReferensi")
    if not reply.ok or not isinstance(rows, list):
        return []
    found = [
        Reference(
            code=str(row.get("kode_referensi") or "").strip()[:40],
            description=str(row.get("uraian_referensi") or "").strip()[:500],
        )
        for row in rows[:5000]
        if isinstance(row, dict)
    ]
    return [row for row in found if row.code]
