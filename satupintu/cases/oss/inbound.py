"""What OSS pushes to us: a NIB with its checklist (receiveNIB) becomes an application in the
mapped service's workflow, with the requirements' files fetched from OSS; the OSS-signed
permit's link (receiveFileDS) is kept. Every refusal is logged in the integration's events."""

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from satupintu.accounts.models import User
from satupintu.accounts.services import walk_in_citizen
from satupintu.accounts.validators import validate_nik
from satupintu.cases.errors import CaseError
from satupintu.cases.models import Application, OssLicenseMap, OssLink
from satupintu.cases.services.documents import document_add
from satupintu.cases.services.drafts import account_answers, application_draft
from satupintu.cases.services.workflow import application_submit
from satupintu.catalog.models import Requirement, Service
from satupintu.filecheck import PDF, check_upload
from satupintu.integrations import http
from satupintu.integrations.models import Integration
from satupintu.integrations.registry import CallFailed
from satupintu.integrations.services import (
    call_enqueue,
    event_record,
    integration_fetch_rules,
)
from satupintu.malls.models import Mall

logger = logging.getLogger(__name__)

# OSS computes its Token with its own (WIB) date; yesterday's is accepted too, for a push
# signed just before midnight and received after it.
OSS_TIME_ZONE = ZoneInfo("Asia/Jakarta")
MAX_FILES = 30
# What OSS's own servers answer a wrong Token with; not translated: it is the protocol's.
UNAUTHENTICATED = "Unauthenticated!"


class Refused(Exception):
    """A push we answer with status "2": ``message`` is OSS's keterangan and the log's line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Received:
    application: Application
    repeated: bool  # the same id_izin came before: nothing changed


def expected_tokens(
    integration: Integration, nib: str, *, now: datetime | None = None
) -> list[str]:
    """The Tokens OSS may send for ``nib``: lowercase hex SHA1 of username + password + NIB +
    the date (Ymd), today's and yesterday's in WIB."""
    username, password = integration.secret("username"), integration.secret("password")
    today = timezone.localtime(now or timezone.now(), OSS_TIME_ZONE).date()
    return [
        # SHA1 is what OSS's protocol signs with; the secret part is the shared password.
        hashlib.sha1(  # noqa: S324
            f"{username}{password}{nib}{day:%Y%m%d}".encode(), usedforsecurity=False
        ).hexdigest()
        for day in (today, today - timedelta(days=1))
    ]


def token_valid(integration: Integration, nib: str, token: str) -> bool:
    """Whether ``token`` (the Token header) is OSS's for ``nib`` with this integration's
    credentials; without credentials configured nothing is."""
    if not token or not nib or not integration.secret("password"):
        return False
    token = token.strip().lower()
    # Every candidate compared, so the time taken tells nothing of which one matched.
    matches = [
        hmac.compare_digest(token, expected) for expected in expected_tokens(integration, nib)
    ]
    return any(matches)


def region_code(mall: Mall) -> str:
    """A mall's region as OSS writes kd_daerah: ten digits, e.g. "32.71" → 3271000000."""
    digits = "".join(c for c in mall.region_code if c.isdigit())
    return digits.ljust(10, "0") if digits else ""


def _text(data: dict[str, Any], name: str, limit: int = 300) -> str:
    value = data.get(name)
    return str(value).strip()[:limit] if isinstance(value, str | int) else ""


def _mapped_service(integration: Integration, kd_izin: str, kd_daerah: str) -> Service:
    """The service the integration's region maps ``kd_izin`` to; Refused for another region or
    an unmapped code."""
    malls = Mall.objects.all()
    if integration.mall_id is not None:
        malls = malls.filter(pk=integration.mall_id)
    regional = [mall.pk for mall in malls if region_code(mall) == kd_daerah]
    if not kd_daerah or not regional:
        raise Refused(_("The checklist is for region %(kd)s, not this one.") % {"kd": kd_daerah})
    maps = OssLicenseMap.objects.filter(
        kd_izin=kd_izin,
        service__agency__mall_id__in=regional,
        service__is_active=True,
    ).filter(Q(kd_daerah=kd_daerah) | Q(kd_daerah=""))
    if integration.agency_id is not None:
        maps = maps.filter(service__agency_id=integration.agency_id)
    # A mapping naming the region exactly wins over one for "the mall's own region".
    found = maps.select_related("service__agency__mall").order_by("-kd_daerah", "pk").first()
    if found is None:
        raise Refused(_("The permit code %(kd)s is not handled here.") % {"kd": kd_izin})
    return found.service


def _applicant(data: dict[str, Any], business_email: str) -> User:
    """The account the case is filed for: the submitter's by NIK (found, or made unclaimed with
    a claim code sent, as at the counter), else the active account of their email, else a new
    unclaimed one for that email. Never verified by this: OSS vouches, we do not."""
    name = _text(data, "nama_user_proses", 150) or _text(data, "nama_perseroan", 150)
    email = (_text(data, "email_user_proses", 254) or business_email).lower()
    phone = _text(data, "hp_user_proses", 20)
    nik = _text(data, "no_id_user_proses", 16)
    try:
        validate_nik(nik)
    except ValidationError:
        nik = ""
    if nik:
        try:
            return walk_in_citizen(nik=nik, name=name, phone=phone, email=email)
        except ValidationError:
            phone = ""  # a phone number we cannot read: the email reaches them
            try:
                return walk_in_citizen(nik=nik, name=name, phone="", email=email)
            except ValidationError as invalid:
                raise Refused(_("The submitter's identity is incomplete.")) from invalid
    if not email:
        raise Refused(_("The submitter has neither a NIK nor an email address."))
    found = User.objects.filter(email__iexact=email, is_active=True).order_by("pk")[:2]
    if len(found) == 1:
        return found[0]
    first, _space, last = name.partition(" ")
    user = User(
        username=f"oss-{email}"[:150],
        first_name=first[:150],
        last_name=last[:150],
        email=email,
        notification_channels=["email"],
    )
    user.set_unusable_password()
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as invalid:
        raise Refused(_("The submitter's email address is not valid.")) from invalid
    existing = User.objects.filter(username=user.username).first()
    if existing is not None:
        return existing
    user.save()
    return user


def _fetch_files(
    integration: Integration, checklist: dict[str, Any]
) -> list[tuple[dict[str, Any], "ContentFile[bytes]"]]:
    """Every requirement file of the checklist, fetched from OSS (with the user_key header)
    and checked as an upload is: a PDF within the size limit. Refused otherwise: nothing is
    created before all of them are here."""
    items = checklist.get("data_persyaratan") or []
    if not isinstance(items, list):
        raise Refused(_("data_persyaratan is not a list."))
    items = [i for i in items if isinstance(i, dict) and _text(i, "file_dokumen", 1000)]
    if len(items) > MAX_FILES:
        raise Refused(_("At most %(n)s requirement files are taken.") % {"n": MAX_FILES})
    user_key = integration.secret("user_key")
    headers = {"user_key": user_key} if user_key else {}
    # Only from OSS's own hosts: a pushed link must not make us fetch from elsewhere (SSRF).
    rules = integration_fetch_rules(integration)
    fetched = []
    limit = settings.CASE_UPLOAD_MAX_BYTES
    for number, item in enumerate(items, start=1):
        url = _text(item, "file_dokumen", 1000)
        try:
            URLValidator(schemes=["http", "https"])(url)
            content = http.fetch(url, rules=rules, headers=headers, max_bytes=limit)
        except ValidationError as invalid:
            raise Refused(
                _("Requirement file %(n)s has no valid URL.") % {"n": number}
            ) from invalid
        except CallFailed as failed:
            raise Refused(
                _("Requirement file %(n)s could not be fetched: %(why)s")
                % {"n": number, "why": str(failed)[:200]}
            ) from failed
        upload = ContentFile(content, name=f"oss-syarat-{number}.pdf")
        try:
            check_upload(upload, kinds=(PDF,), max_bytes=limit, match_name=False)
        except ValidationError as invalid:
            raise Refused(
                _("Requirement file %(n)s is refused: %(why)s")
                % {"n": number, "why": " ".join(invalid.messages)}
            ) from invalid
        fetched.append((item, upload))
    return fetched


def _requirement_for(
    item: dict[str, Any], requirements: list[Requirement], used: dict[int, int]
) -> Requirement | None:
    """The service's requirement a file of OSS goes to: the one its description names, else
    the first still without a file (mandatory ones first)."""
    described = (_text(item, "keterangan", 500) or _text(item, "nm_dokumen", 500)).casefold()
    for requirement in requirements:
        if described and requirement.text.strip().casefold() == described:
            return requirement
    ordered = sorted(requirements, key=lambda r: (not r.is_mandatory, r.position, r.pk))
    for requirement in ordered:
        if not used.get(requirement.pk):
            return requirement
    return ordered[0] if ordered else None


def _form_answers(service: Service, applicant: User, business: dict[str, str]) -> dict[str, str]:
    """The service's form filled as far as OSS tells: the account's own answers, and the
    business's under the names a form for businesses uses."""
    answers = account_answers(service, applicant)
    names = {field.get("name") for field in service.form_schema}
    for name, value in business.items():
        if name in names and value:
            answers[name] = value
    return answers


def receive_nib(*, integration: Integration, body: Any, token: str) -> Received:
    """receiveNIB: check the Token, pick this call's checklist, and file it once (by id_izin)
    as an application of the mapped service, submitted when its form is complete. Refused
    (logged) when anything is wrong; nothing half-created: the files are fetched first."""
    data = body.get("dataNIB") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise Refused(_("The body has no dataNIB object."))
    nib = _text(data, "nib", 20)
    if not token_valid(integration, nib, token):
        raise Refused(UNAUTHENTICATED)
    id_izin = _text(data, "id_izin", 40)
    checklists = data.get("data_checklist") or []
    checklist = next(
        (
            item
            for item in (checklists if isinstance(checklists, list) else [])
            if isinstance(item, dict) and _text(item, "id_izin", 40) == id_izin
        ),
        None,
    )
    if not id_izin or checklist is None:
        raise Refused(_("No checklist item has the id_izin of this call."))
    link = OssLink.objects.filter(id_izin=id_izin).select_related("application").first()
    if link is not None:
        if link.integration_id not in (None, integration.pk):
            raise Refused(_("This id_izin came through another OSS integration."))
        return Received(application=link.application, repeated=True)
    kd_izin = _text(checklist, "kd_izin", 20) or _text(data, "kd_izin", 20)
    kd_daerah = _text(checklist, "kd_daerah", 10) or _text(data, "kd_daerah", 10)
    service = _mapped_service(integration, kd_izin, kd_daerah)
    files = _fetch_files(integration, checklist)
    projects = [p for p in (data.get("data_proyek") or []) if isinstance(p, dict)]
    project = next(
        (p for p in projects if _text(p, "id_proyek", 40) == _text(checklist, "id_proyek", 40)),
        projects[0] if projects else {},
    )
    places = [p for p in (project.get("data_lokasi_proyek") or []) if isinstance(p, dict)]
    business = {
        "nib": nib,
        "npwp": _text(data, "npwp_perseroan", 20),
        "nama_perusahaan": _text(data, "nama_perseroan", 300),
        "alamat_perusahaan": _text(data, "alamat_perseroan", 500),
        "alamat_usaha": _text(places[0], "alamat_usaha", 500) if places else "",
        "kbli": _text(checklist, "kbli_konversi", 10) or _text(project, "kbli", 10),
        "uraian_usaha": _text(project, "uraian_usaha", 500),
    }
    try:
        with transaction.atomic():
            return _file(integration, data, checklist, service, business, files)
    except IntegrityError:
        # The same push, twice at once: the other one filed it.
        link = OssLink.objects.filter(id_izin=id_izin).select_related("application").first()
        if link is None:
            raise
        return Received(application=link.application, repeated=True)


def _file(
    integration: Integration,
    data: dict[str, Any],
    checklist: dict[str, Any],
    service: Service,
    business: dict[str, str],
    files: list[tuple[dict[str, Any], "ContentFile[bytes]"]],
) -> Received:
    applicant = _applicant(data, _text(data, "email_perusahaan", 254))
    id_izin = _text(checklist, "id_izin", 40)
    try:
        application = application_draft(
            applicant=applicant,
            service=service,
            form_data=_form_answers(service, applicant, business),
            nib=business["nib"],
            external_ref=f"oss:{id_izin}",
        )
    except ValidationError as invalid:
        raise Refused(" ".join(invalid.messages)) from invalid
    except CaseError as refused:
        raise Refused(refused.message) from refused
    OssLink.objects.create(
        application=application,
        integration=integration,
        nib=business["nib"],
        oss_id=_text(data, "oss_id", 40),
        id_izin=id_izin,
        id_proyek=_text(checklist, "id_proyek", 40),
        id_produk=_text(checklist, "id_produk", 40),
        kd_izin=_text(checklist, "kd_izin", 20),
        kd_daerah=_text(checklist, "kd_daerah", 10),
        npwp=business["npwp"],
        business_name=business["nama_perusahaan"],
        business_address=business["alamat_usaha"] or business["alamat_perusahaan"],
        kbli=business["kbli"],
        submitter_name=_text(data, "nama_user_proses", 200),
    )
    requirements = list(service.requirements.all())
    used: dict[int, int] = {}
    for item, upload in files:
        requirement = _requirement_for(item, requirements, used)
        if requirement is None:
            raise Refused(_("The service has no requirement to keep OSS's files under."))
        try:
            document_add(
                application=application, upload=upload, by=applicant, requirement=requirement
            )
        except (ValidationError, CaseError) as invalid:
            why = invalid.message if isinstance(invalid, CaseError) else " ".join(invalid.messages)
            raise Refused(why) from invalid
        used[requirement.pk] = used.get(requirement.pk, 0) + 1
    try:
        application = application_submit(application=application)
    except (ValidationError, CaseError) as incomplete:
        # Kept as a draft the applicant completes on the portal: the case is not lost.
        logger.info("OSS case %s kept as a draft: %s", application.tracking_number, incomplete)
    return Received(application=application, repeated=False)


def receive_file_ds(*, integration: Integration, body: Any, token: str) -> OssLink:
    """receiveFileDS: keep the link to the permit OSS signed for one of our OSS cases."""
    data = body.get("receiveFileDS") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise Refused(_("The body has no receiveFileDS object."))
    nib = _text(data, "nib", 20)
    if not token_valid(integration, nib, token):
        raise Refused(UNAUTHENTICATED)
    url = _text(data, "file_izin", 1000)
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as invalid:
        raise Refused(_("file_izin is not a valid URL.")) from invalid
    refusal = http.url_refusal(url, integration_fetch_rules(integration), resolve=False)
    if refusal is not None:
        raise Refused(_("file_izin is refused: %(why)s") % {"why": refusal})
    links = OssLink.objects.filter(id_izin=_text(data, "id_izin", 40), nib=nib)
    if integration.mall_id is not None:
        links = links.filter(application__service__agency__mall_id=integration.mall_id)
    with transaction.atomic():
        link = links.select_for_update().first()
        if link is None or links.count() != 1:
            raise Refused(_("No permit here has this id_izin and NIB."))
        if link.signed_file_url != url:
            link.signed_file_url = url
            link.save(update_fields=["signed_file_url"])
        signed_file_request(link=link, integration=integration)
    return link


def signed_file_request(*, link: OssLink, integration: Integration) -> None:
    """Queue the fetch of the OSS-signed permit at ``link.signed_file_url`` into private
    storage (once per link and URL, made by the outbox's worker, never inside a request); the
    file kept before stays until the new one is fetched."""
    if not link.signed_file_url:
        return
    digest = hashlib.sha256(link.signed_file_url.encode()).hexdigest()[:16]
    call_enqueue(
        integration=integration,
        operation="oss.fetchFileDS",
        payload={"url": link.signed_file_url},
        subject=f"oss-link:{link.pk}",
        key=f"oss-file-ds:{link.pk}:{digest}",
    )


def answer(method: str, *, ok: bool, message: str) -> dict[str, Any]:
    """OSS's envelope for an inbound call: status "1" (success) or "2", and keterangan."""
    return {f"respon{method}": {"status": "1" if ok else "2", "keterangan": message}}


def log(integration: Integration | None, method: str, *, ok: bool, message: str) -> None:
    if integration is None:
        return
    event_record(
        integration=integration,
        kind=Integration.Kind.OSS,
        direction="in",
        operation=method,
        ok=ok,
        message=message[:500],
    )


def in_oss_language() -> translation.override:
    """OSS reads Indonesian (the deployment's first language)."""
    return translation.override(settings.LANGUAGE_CODE)
